//! The table `mlsim emu checkpoints` prints: median \[min, max\] of checkpoint time, lz4 size and
//! restore time per app and method, next to the paper's reported bounds.

use super::Sample;
use crate::ckpt::{App, Method};
use mlsim_core::stats::median_min_max;

/// The table of median \[min, max\] per app and method (in app, then method order), and a last
/// line with the paper's bounds.
pub fn median_table(samples: &[Sample]) -> String {
    let mut out = format!(
        "{:<7} {:<9} {:>3}  {:>26}  {:>29}  {:>26}\n",
        "app",
        "method",
        "n",
        "checkpoint ms med [min,max]",
        "size KB (lz4) med [min,max]",
        "restore ms med [min,max]"
    );
    let mut keys: Vec<(App, Method)> = samples.iter().map(|s| (s.app, s.method)).collect();
    keys.sort();
    keys.dedup();
    let fmt = |v: Vec<f64>| match median_min_max(v) {
        Some((m, lo, hi)) if m < 100.0 => format!("{m:.2} [{lo:.2}, {hi:.2}]"),
        Some((m, lo, hi)) => format!("{m:.0} [{lo:.0}, {hi:.0}]"),
        None => "-".into(),
    };
    for (app, method) in keys {
        let these: Vec<&Sample> = samples
            .iter()
            .filter(|s| s.app == app && s.method == method)
            .collect();
        out.push_str(&format!(
            "{:<7} {:<9} {:>3}  {:>26}  {:>29}  {:>26}\n",
            app.name(),
            method.name(),
            these.len(),
            fmt(these
                .iter()
                .map(|s| s.checkpoint.as_secs_f64() * 1e3)
                .collect()),
            fmt(these.iter().map(|s| s.size_bytes as f64 / 1e3).collect()),
            fmt(these
                .iter()
                .map(|s| s.restore.as_secs_f64() * 1e3)
                .collect()),
        ));
    }
    out.push_str(
        "paper: μλ < 10 ms, < 128 KB (face, stress), < 281 KB (taxi); CRIU >= 150 ms (taxi), > 22 MB (face, stress), > 1.8 MB (taxi)\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ckpt::sample::{Environment, to_csv};
    use mlsim_core::methods::named;
    use std::time::Duration;

    /// The table and the CSV of seven samples, byte for byte as `mlsim emu checkpoints` printed
    /// and wrote them before they moved here from the CLI: rows sorted by (app, method) in
    /// declaration order; two decimals below 100 (99.999 ms prints as 100.00), none from 100 on;
    /// size in KB = bytes / 1000; an unknown `items_done` is an empty cell; a comma in a value
    /// is quoted.
    #[test]
    fn table_and_csv_are_unchanged() {
        let mk = |app, m, i: usize, us: u64, sz: u64| Sample {
            app,
            method: named(m),
            sample: i,
            exec_before: Duration::from_micros(1_234_567 * (i as u64 + 1)),
            setup: Duration::from_micros(250_111),
            checkpoint: Duration::from_micros(us),
            size_bytes: sz,
            raw_bytes: 3 * sz + 7,
            restore: Duration::from_micros(2 * us + 13),
            items_done: if i == 1 { None } else { Some(us / 7) },
        };
        let s = vec![
            mk(App::Face, "docker", 0, 1_500_000, 230_000_000),
            mk(App::Taxi, "criu", 0, 150_000, 1_900_000),
            mk(App::Taxi, "criu", 1, 171_333, 2_100_000),
            mk(App::Taxi, "microlambda", 0, 1_234, 56_000),
            mk(App::Taxi, "microlambda", 1, 2_468, 57_000),
            mk(App::Stress, "microlambda", 0, 99_999, 127_999),
            mk(App::Stress, "criu", 0, 100_001, 22_000_001),
        ];
        let env = Environment {
            host: "h,x".into(),
            kernel: "6.18".into(),
            criu: Some("4.1.1".into()),
            docker: Some("28/20".into()),
            redis: Some("7".into()),
        };
        let mut t = median_table(&s);
        t.push_str("----\n");
        t.push_str(&String::from_utf8(to_csv(&s, &env).expect("csv")).expect("utf8"));
        assert_eq!(
            t,
            r#"app     method      n  checkpoint ms med [min,max]    size KB (lz4) med [min,max]    restore ms med [min,max]
taxi    microlambda   2           1.85 [1.23, 2.47]           56.50 [56.00, 57.00]           3.71 [2.48, 4.95]
taxi    criu        2              161 [150, 171]              2000 [1900, 2100]              321 [300, 343]
stress  microlambda   1     100.00 [100.00, 100.00]                 128 [128, 128]              200 [200, 200]
stress  criu        1              100 [100, 100]           22000 [22000, 22000]              200 [200, 200]
face    docker      1           1500 [1500, 1500]        230000 [230000, 230000]           3000 [3000, 3000]
paper: μλ < 10 ms, < 128 KB (face, stress), < 281 KB (taxi); CRIU >= 150 ms (taxi), > 22 MB (face, stress), > 1.8 MB (taxi)
----
app,method,sample,exec_before_s,setup_s,checkpoint_s,size_bytes,raw_bytes,restore_s,host,kernel,criu_version,docker_version,items_done
face,docker,0,1.234567,0.250111,1.500000000,230000000,690000007,3.000013000,"h,x",6.18,4.1.1,28/20,214285
taxi,criu,0,1.234567,0.250111,0.150000000,1900000,5700007,0.300013000,"h,x",6.18,4.1.1,28/20,21428
taxi,criu,1,2.469134,0.250111,0.171333000,2100000,6300007,0.342679000,"h,x",6.18,4.1.1,28/20,
taxi,microlambda,0,1.234567,0.250111,0.001234000,56000,168007,0.002481000,"h,x",6.18,4.1.1,28/20,176
taxi,microlambda,1,2.469134,0.250111,0.002468000,57000,171007,0.004949000,"h,x",6.18,4.1.1,28/20,
stress,microlambda,0,1.234567,0.250111,0.099999000,127999,384004,0.200011000,"h,x",6.18,4.1.1,28/20,14285
stress,criu,0,1.234567,0.250111,0.100001000,22000001,66000010,0.200015000,"h,x",6.18,4.1.1,28/20,14285
"#
        );
    }
}
