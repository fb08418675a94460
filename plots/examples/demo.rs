//! Writes made-up `checkpoints.csv` and `requests.csv` into a folder and draws every figure
//! there: `cargo run -p mlsim-plots --example demo -- /tmp/demo [--emu]`. With `--draw-only`
//! it writes no CSV and only draws the figures of an existing result folder.
//!
//! The numbers only look like the paper's; they come from a fixed-seed generator, not a model.

use std::path::PathBuf;

use mlsim_core::record::{CheckpointRecord, Mode, RequestRecord};

/// A tiny deterministic generator (64-bit LCG), enough for demo noise.
struct Lcg(u64);

impl Lcg {
    /// Uniform in [0, 1).
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    /// `median` times a log-uniform factor within ×/÷ `spread`.
    fn around(&mut self, median: f64, spread: f64) -> f64 {
        median * spread.powf(2.0 * self.next() - 1.0)
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "/tmp/mlsim-plots-demo".into()),
    );
    let flags: Vec<String> = args.collect();
    let emu = flags.iter().any(|a| a == "--emu");
    if flags.iter().any(|a| a == "--draw-only") {
        return draw_all(&dir);
    }
    std::fs::create_dir_all(&dir)?;
    let mut rng = Lcg(42);
    let modes: &[Mode] = if emu {
        &[Mode::Sim, Mode::Emu]
    } else {
        &[Mode::Sim]
    };

    // (app, μλ time ms, CRIU time ms, μλ size, CRIU size, seconds per item)
    let apps = [
        ("face", 3.0, 450.0, 60e3, 25e6, 1.2),
        ("taxi", 6.0, 160.0, 200e3, 2e6, 0.4),
        ("stress", 2.0, 600.0, 90e3, 30e6, 2.0),
    ];
    let mut cps = csv::Writer::from_path(dir.join("checkpoints.csv"))?;
    for &mode in modes {
        for (app, mu_t, criu_t, mu_s, criu_s, _) in apps {
            for (method, t, size) in [("microlambda", mu_t, mu_s), ("criu", criu_t, criu_s)] {
                for i in 0..50 {
                    let outlier = if i % 17 == 0 { 3.0 } else { 1.0 };
                    cps.serialize(CheckpointRecord {
                        run: 0,
                        mode,
                        app: app.into(),
                        method: method.into(),
                        request: i,
                        task: 0,
                        invocation: 0,
                        bbu: 0,
                        start_ns: 0,
                        safepoint_wait_ns: 0,
                        time_ns: (rng.around(t, 1.4) * outlier * 1e6) as u64,
                        items_done: 0,
                        raw_bytes: 0,
                        size_bytes: rng.around(size, 1.2) as u64,
                        deadline_met: true,
                    })?;
                }
            }
        }
    }
    cps.flush()?;

    let mut reqs = csv::Writer::from_path(dir.join("requests.csv"))?;
    let mut n = 0;
    for &mode in modes {
        for (app, _, _, mu_s, criu_s, per_item) in apps {
            let mut methods = vec![("long_running", None, 0.0)];
            for r in [2.0, 5.0, 10.0, 20.0] {
                methods.push(("microlambda", Some(r), mu_s));
                methods.push(("criu", Some(r), criu_s));
            }
            for (method, r_limit, ckpt) in methods {
                for items in [2, 4, 6, 8, 10] {
                    for _ in 0..5 {
                        let work = per_item * f64::from(items);
                        let checkpoints = r_limit.map_or(0.0, |r: f64| (work / r).floor());
                        let per_ckpt = if method == "criu" { 0.4 } else { 0.05 };
                        let t = work + checkpoints * per_ckpt;
                        reqs.serialize(RequestRecord {
                            run: 0,
                            mode,
                            request: n,
                            app: app.into(),
                            method: method.into(),
                            r_limit_s: r_limit,
                            items,
                            submit_ns: 0,
                            done_ns: 0,
                            exec_time_s: rng.around(t, 1.08),
                            invocations: 1 + checkpoints as u32,
                            checkpoints: checkpoints as u32,
                            missed_checkpoints: 0,
                            lost_work_s: 0.0,
                            cold_starts: 0,
                            migrations: 0,
                            evictions: 0,
                            bytes: (f64::from(items) * 150e3 + 2.0 * checkpoints * ckpt) as u64,
                            status: "ok".into(),
                        })?;
                        n += 1;
                    }
                }
            }
        }
    }
    reqs.flush()?;
    draw_all(&dir)
}

/// Draws every figure from the CSVs in `dir`, printing the files written or the error.
fn draw_all(dir: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    for fig in mlsim_plots::Figure::ALL {
        match mlsim_plots::draw(fig, dir) {
            Ok(paths) => paths.iter().for_each(|p| println!("{}", p.display())),
            Err(e) => eprintln!("{e}"),
        }
    }
    Ok(())
}
