//! Writing a fitted model file (`models/*.toml` format, read by [`crate::spec::model_file`]):
//! pure text generation. Every fitted number carries a comment with its n and R² (or cv); everything not
//! measured is copied from the base ("paper") model and marked so.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use mlsim_core::MethodId as Method;
use mlsim_core::scenario::{AppModel, CostModel, SizeModel, TimeDist};

use super::fitted::{AppFit, Fitted};
use crate::fit::{Line, MeanCv, SizeFit};
use crate::spec::model_file::ModelSet;

/// The `[provenance]` of a fitted model.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Provenance {
    /// Host name.
    pub host: String,
    /// Kernel release.
    pub kernel: String,
    /// CRIU version ("" if unknown).
    pub criu: String,
    /// Docker client/server versions ("" if unknown).
    pub docker: String,
    /// redis-server version ("" if unknown).
    pub redis: String,
    /// UTC date and time of the fit, RFC 3339.
    pub date: String,
    /// Git revision of the tool (or "unknown").
    pub git: String,
    /// Checkpoint samples fitted.
    pub samples: usize,
    /// Where the samples came from (a measurement or `--from FILE`).
    pub source: String,
}

fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn r2(l: &Line) -> String {
    l.r2.map_or("n/a".into(), |r| format!("{r:.3}"))
}

fn line_comment(what: &str, l: &Line) -> String {
    let mut s = format!(
        "# [fitted] {what}: n = {}, R² = {}, cv of observed/fitted = {:.3}",
        l.n,
        r2(l),
        l.cv
    );
    if let Some(fb) = &l.fallback {
        let _ = write!(s, "\n# FALLBACK: {fb}");
    }
    s
}

fn timing(l: &Line) -> String {
    format!(
        "{{ base_ms = {:.4}, per_mib_ms = {:.4}, cv = {:.4} }}",
        l.base, l.slope, l.cv
    )
}

/// A timing table with `cpu_share = …, per_mib_cpu_share = …` (fixed and per-MiB part) added
/// before its `}` when a share is not 0 (models without speed scaling are written as before).
fn with_share(t: String, (fixed, per_mib): (f64, f64)) -> String {
    if fixed == 0.0 && per_mib == 0.0 {
        return t;
    }
    match t.strip_suffix(" }") {
        Some(head) => {
            format!("{head}, cpu_share = {fixed}, per_mib_cpu_share = {per_mib} }}")
        }
        None => t,
    }
}

fn paper_timing(base: mlsim_core::SimDuration, per_mib_ns: f64, cv: f64) -> String {
    format!(
        "{{ base_ms = {}, per_mib_ms = {}, cv = {} }}",
        base.as_millis_f64(),
        per_mib_ns / 1e6,
        cv
    )
}

/// `[methods.<key>]`: the fitted lines (`Ok`), or the base model's (`Err`: not measured).
/// `x`: what the lines are against (the raw MiB a checkpoint captures; for a pause, which writes
/// nothing, the MiB the frozen container holds).
fn cost_section(
    out: &mut String,
    key: &str,
    x: &str,
    fit: Result<(&super::fitted::CostFit, Option<&CostModel>), &CostModel>,
) {
    let _ = writeln!(out, "[methods.{key}]");
    match fit {
        Ok((c, base)) => {
            // Calibration runs on one cap: the CPU shares (speed scaling) are the base model's.
            let (cs, rs) = base.map_or(((0.0, 0.0), (0.0, 0.0)), |b| {
                (
                    (b.checkpoint_cpu_share, b.checkpoint_per_mib_cpu_share),
                    (b.restore_cpu_share, b.restore_per_mib_cpu_share),
                )
            });
            let _ = writeln!(
                out,
                "{}",
                line_comment(&format!("checkpoint time [ms] against {x}"), &c.checkpoint)
            );
            let _ = writeln!(
                out,
                "checkpoint = {}",
                with_share(timing(&c.checkpoint), cs)
            );
            let _ = writeln!(
                out,
                "{}",
                line_comment(&format!("restore time [ms] against {x}"), &c.restore)
            );
            let _ = writeln!(out, "restore = {}", with_share(timing(&c.restore), rs));
        }
        Err(paper) => {
            let _ = writeln!(out, "# [paper model: not measured in this calibration]");
            let _ = writeln!(
                out,
                "checkpoint = {}",
                with_share(
                    paper_timing(
                        paper.checkpoint_base,
                        paper.checkpoint_per_mib_ns,
                        paper.checkpoint_cv
                    ),
                    (
                        paper.checkpoint_cpu_share,
                        paper.checkpoint_per_mib_cpu_share
                    )
                )
            );
            let _ = writeln!(
                out,
                "restore = {}",
                with_share(
                    paper_timing(
                        paper.restore_base,
                        paper.restore_per_mib_ns,
                        paper.restore_cv
                    ),
                    (paper.restore_cpu_share, paper.restore_per_mib_cpu_share)
                )
            );
        }
    }
    out.push('\n');
}

fn dist(d: &TimeDist) -> String {
    match *d {
        TimeDist::Constant(m) => {
            format!("{{ dist = \"constant\", mean_ms = {} }}", m.as_millis_f64())
        }
        TimeDist::Exponential(m) => {
            format!(
                "{{ dist = \"exponential\", mean_ms = {} }}",
                m.as_millis_f64()
            )
        }
        TimeDist::LogNormal { mean, cv } => format!(
            "{{ dist = \"lognormal\", mean_ms = {}, cv = {} }}",
            mean.as_millis_f64(),
            cv
        ),
    }
}

fn fitted_dist(m: &MeanCv) -> String {
    // mean_ms must be positive for the model file.
    format!(
        "{{ dist = \"lognormal\", mean_ms = {:.6}, cv = {:.4} }}",
        m.mean.max(1e-6),
        m.cv
    )
}

fn size(s: &SizeModel) -> String {
    format!(
        "{{ base_bytes = {}, per_item_bytes = {}, max_bytes = {} }}",
        s.base, s.per_item, s.max
    )
}

fn fitted_size(s: &SizeFit) -> String {
    format!(
        "{{ base_bytes = {}, per_item_bytes = {}, max_bytes = {} }}",
        s.base, s.per_item, s.max
    )
}

/// Compression ratios are in (0, 1] in the model file.
fn compression(c: &MeanCv) -> f64 {
    c.mean.clamp(1e-6, 1.0)
}

const PAPER: &str = "# [paper model: not measured]";

fn app_section(out: &mut String, name: &str, paper: &AppModel, fit: Option<&AppFit>) {
    let _ = writeln!(out, "[apps.{name}]");
    let Some(f) = fit else {
        let _ = writeln!(
            out,
            "# [paper model: this app was not measured in this calibration]"
        );
        let _ = writeln!(out, "item_label = {}", q(&paper.item_label));
        let _ = writeln!(out, "item_time = {}", dist(&paper.item_time));
        if let Some(s) = &paper.setup {
            let _ = writeln!(out, "setup = {}", dist(s));
        }
        common_keys(out, paper, false);
        let _ = writeln!(
            out,
            "output_bytes_per_item = {}",
            paper.output_bytes_per_item
        );
        let _ = writeln!(out, "state = {}", size(&paper.state));
        let _ = writeln!(out, "state_compression = {}", paper.state_compression);
        let _ = writeln!(out, "rss = {}", size(&paper.rss));
        if let Some(b) = paper.setup_rss {
            let _ = writeln!(out, "setup_rss_bytes = {b}");
        }
        let _ = writeln!(out, "image_compression = {}", paper.image_compression);
        let _ = writeln!(out, "size_cv = {}", paper.size_cv);
        out.push('\n');
        return;
    };
    let _ = writeln!(out, "item_label = {}", q(&paper.item_label));
    match &f.item {
        Some(m) => {
            let _ = writeln!(
                out,
                "# [fitted] per-item compute time: n = {}, mean {:.4} ms, cv {:.3}, range [{:.4}, {:.4}] ms",
                m.n, m.mean, m.cv, m.min, m.max
            );
            let _ = writeln!(out, "item_time = {}", fitted_dist(m));
        }
        None => {
            let _ = writeln!(out, "{PAPER}\nitem_time = {}", dist(&paper.item_time));
        }
    }
    match (&f.setup, &paper.setup) {
        (Some(m), _) => {
            let _ = writeln!(
                out,
                "# [fitted] set-up (process start -> first safe point): n = {}, mean {:.2} ms, cv {:.3}, range [{:.2}, {:.2}] ms",
                m.n, m.mean, m.cv, m.min, m.max
            );
            let _ = writeln!(out, "setup = {}", fitted_dist(m));
        }
        (None, Some(s)) => {
            let _ = writeln!(out, "{PAPER}\nsetup = {}", dist(s));
        }
        (None, None) => {}
    }
    common_keys(out, paper, true);
    match &f.output_bytes {
        Some(m) => {
            let _ = writeln!(
                out,
                "# [fitted] output JSON line per item: n = {}, mean {:.1} B, cv {:.3}",
                m.n, m.mean, m.cv
            );
            let _ = writeln!(out, "output_bytes_per_item = {}", m.mean.round() as u64);
        }
        None => {
            let _ = writeln!(
                out,
                "{PAPER}\noutput_bytes_per_item = {}",
                paper.output_bytes_per_item
            );
        }
    }
    for (key, ckey, sf, c, p, pc) in [
        (
            "state",
            "state_compression",
            &f.state,
            &f.state_compression,
            &paper.state,
            paper.state_compression,
        ),
        (
            "rss",
            "image_compression",
            &f.rss,
            &f.image_compression,
            &paper.rss,
            paper.image_compression,
        ),
    ] {
        match sf {
            Some(s) => {
                let what = if key == "state" {
                    "μλ state raw bytes against items done; max = largest observed"
                } else {
                    "CRIU image raw bytes (resident memory) against items done; max = largest observed"
                };
                let _ = writeln!(out, "{}", line_comment(what, &s.line));
                let _ = writeln!(out, "{key} = {}", fitted_size(s));
            }
            None => {
                let _ = writeln!(out, "{PAPER}\n{key} = {}", size(p));
            }
        }
        match c {
            Some(c) => {
                let _ = writeln!(
                    out,
                    "# [fitted] lz4 compressed / raw: n = {}, mean {:.4}, cv {:.3}",
                    c.n, c.mean, c.cv
                );
                let _ = writeln!(out, "{ckey} = {:.6}", compression(c));
            }
            None => {
                let _ = writeln!(out, "{PAPER}\n{ckey} = {pc}");
            }
        }
    }
    if let Some(b) = paper.setup_rss {
        // Calibration does not dump during the set-up (its samples start after it).
        let _ = writeln!(
            out,
            "# [from the base model: not measured by calibrate] resident memory during the set-up\nsetup_rss_bytes = {b}"
        );
    }
    match f.size_cv {
        Some(cv) => {
            let _ = writeln!(
                out,
                "# [fitted] pooled cv of the raw sizes around their lines (μλ and image samples)"
            );
            let _ = writeln!(out, "size_cv = {cv:.4}");
        }
        None => {
            let _ = writeln!(out, "{PAPER}\nsize_cv = {}", paper.size_cv);
        }
    }
    out.push('\n');
}

/// Keys the calibration does not measure: safe points, shards, join time, input bytes.
fn common_keys(out: &mut String, p: &AppModel, mark: bool) {
    if mark {
        let _ = writeln!(
            out,
            "{PAPER} safe points per item, shards, join time, input bytes (the programs build\n# their inputs from bundled data; the emulation's client sends this many pseudo-random bytes)"
        );
    }
    let _ = writeln!(out, "segments = {}", p.segments);
    let _ = writeln!(out, "shards = {}", p.shards);
    if p.join_time.as_millis_f64() > 0.0 {
        let _ = writeln!(out, "join_ms = {}", p.join_time.as_millis_f64());
    }
    let _ = writeln!(out, "input_bytes_per_item = {}", p.input_bytes_per_item);
    if p.first_item_extra_bytes > 0 {
        let _ = writeln!(out, "first_item_extra_bytes = {}", p.first_item_extra_bytes);
    }
}

/// The model file text: `fit` where measured, `base` (the paper model) elsewhere.
pub fn render(fit: &Fitted, base: &ModelSet, prov: &Provenance) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# mlsim model file: FITTED by `mlsim calibrate` from real μλ and CRIU checkpoints of the\n# real workloads on the emulation substrate (see fit.csv and residuals.svg beside the samples).\n#\n# [fitted]  measured on the host below; the comment gives n and R² (lines) or cv.\n# [paper model: ...]  not measured; copied from the \"{}\" model.\n# Units: times in ms, sizes in bytes, per-MiB slopes in ms per MiB of captured (raw) bytes.\n",
        base.name
    );
    let redis = if prov.redis.is_empty() {
        "-"
    } else {
        &prov.redis
    };
    let _ = writeln!(out, "[provenance]");
    let _ = writeln!(out, "name = \"fitted\"");
    let _ = writeln!(
        out,
        "description = {}",
        q(&format!(
            "Fitted by mlsim calibrate on {} (redis-server {redis}); unmeasured parts from the {} model",
            prov.host, base.name
        ))
    );
    let _ = writeln!(out, "source = {}", q(&prov.source));
    for (k, v) in [
        ("host", &prov.host),
        ("kernel", &prov.kernel),
        ("criu", &prov.criu),
        ("docker", &prov.docker),
        ("date", &prov.date),
        ("git", &prov.git),
    ] {
        let _ = writeln!(out, "{k} = {}", q(v));
    }
    let _ = writeln!(out, "samples = {}", prov.samples);
    let _ = writeln!(out, "fitted = true\n");
    // Every method with a cost table, in registry order: fitted where measured, else copied
    // from the base model where it has the table.
    for m in Method::all() {
        let Some(key) = m.def().cost_table() else {
            continue;
        };
        let x = if m.def().frees_memory() {
            "raw MiB captured"
        } else {
            "MiB held while frozen"
        };
        match (fit.methods.get(&m), base.cost(m)) {
            (Some(c), b) => cost_section(&mut out, key, x, Ok((c, b.as_ref()))),
            (None, Some(paper)) => cost_section(&mut out, key, x, Err(&paper)),
            (None, None) => {}
        }
    }
    let fitted_apps: BTreeMap<&str, &AppFit> =
        fit.apps.iter().map(|(a, f)| (a.name(), f)).collect();
    for (name, paper) in &base.apps {
        app_section(
            &mut out,
            name,
            paper,
            fitted_apps.get(name.as_str()).copied(),
        );
    }
    if let Some(s) = &base.serverless {
        serverless_section(
            &mut out,
            s,
            &format!("copied from the \"{}\" model", base.name),
        );
    }
    out
}

/// `[serverless]` of a model file (what `mlsim emu starts` measures), with a comment saying
/// where the values come from.
pub fn serverless_section(out: &mut String, s: &crate::spec::model_file::Starts, from: &str) {
    let _ = writeln!(out, "\n[serverless]\n# {from}");
    let _ = writeln!(
        out,
        "cold_start = {{ base_ms = {}, per_mib_ms = {}, cv = {} }}",
        g4(s.cold_base.as_millis_f64()),
        g4(s.cold_per_mib_ns / 1e6),
        g4(s.cold_cv)
    );
    let _ = writeln!(out, "warm_start_ms = {}", g4(s.warm.as_millis_f64()));
}

/// A number with 4 decimals, trailing zeros kept short (`0.25`, `12.8804`).
fn g4(x: f64) -> String {
    let t = format!("{x:.4}");
    let t = t.trim_end_matches('0');
    t.strip_suffix('.')
        .map_or(t.to_string(), |x| format!("{x}.0"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibrate::fitted::fit;
    use crate::spec::diag::{Diags, Source};
    use crate::spec::model_file::{ModelSource, load, parse};
    use mlsim_core::SimDuration;
    use mlsim_core::app::App;
    use mlsim_core::calibration::Measurements;
    use mlsim_core::calibration::Sample;
    use mlsim_core::methods::named;
    use std::path::Path;
    use std::time::Duration;

    fn paper() -> ModelSet {
        let mut d = Diags::default();
        let src = Source::new(Path::new("t"), String::new());
        load(
            &ModelSource::Builtin("paper"),
            &mut d,
            &src,
            &Default::default(),
        )
        .expect("paper")
    }

    fn sample(app: App, method: Method, raw: u64, items: u64, ck_ms: f64, rs_ms: f64) -> Sample {
        Sample {
            app,
            method,
            sample: 0,
            exec_before: Duration::from_secs(1),
            setup: Duration::from_millis(5),
            checkpoint: Duration::from_secs_f64(ck_ms / 1e3),
            size_bytes: raw / 5,
            raw_bytes: raw,
            restore: Duration::from_secs_f64(rs_ms / 1e3),
            items_done: Some(items),
        }
    }

    #[test]
    fn the_written_model_parses_back_to_the_fitted_values() {
        // Taxi measured with μλ and CRIU (exact lines); stress and face not measured.
        let mut samples = Vec::new();
        for (k, items) in [1000u64, 3000, 9000].into_iter().enumerate() {
            let st = 200_000 + 20 * items;
            samples.push(sample(
                App::Taxi,
                named("microlambda"),
                st,
                items,
                1.0 + 4.0 * st as f64 / 1048576.0,
                3.0,
            ));
            let img = (30 << 20) + 500 * items;
            samples.push(sample(
                App::Taxi,
                named("criu"),
                img,
                items,
                100.0 + 2.0 * img as f64 / 1048576.0,
                80.0 + k as f64,
            ));
        }
        let m = Measurements {
            samples,
            item_ms: [(App::Taxi, vec![0.2, 0.3, 0.25])].into(),
            setup_ms: [(App::Taxi, vec![12.0, 14.0])].into(),
            output_bytes: [(App::Taxi, vec![166.0, 170.0])].into(),
        };
        let f = fit(&m).expect("fits");
        let mut base = paper();
        // The set-up's resident memory is never measured: kept from the base model, for a
        // fitted app (taxi) and a copied one (stress).
        for (app, b) in [("taxi", 4 << 20), ("stress", 5 << 20)] {
            base.apps.get_mut(app).expect("app").setup_rss = Some(b);
        }
        let prov = Provenance {
            host: "h".into(),
            kernel: "6.18".into(),
            criu: "4.1.1".into(),
            date: "2026-11-24T08:00:00Z".into(),
            git: "abc".into(),
            samples: 6,
            source: "test".into(),
            ..Provenance::default()
        };
        let text = render(&f, &base, &prov);
        let mut d = Diags::default();
        let back = parse(
            &Source::new(Path::new("model.toml"), text.clone()),
            &text,
            &mut d,
        )
        .expect("parses");
        assert!(d.is_empty(), "{:?}\n{text}", d.list);
        assert_eq!(back.name, "fitted");
        assert_eq!(
            back.provenance.get("fitted").map(String::as_str),
            Some("true")
        );
        assert_eq!(
            back.provenance.get("samples").map(String::as_str),
            Some("6")
        );
        assert_eq!(back.provenance.get("host").map(String::as_str), Some("h"));
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-3 * b.abs().max(1e-3);
        let mu = &f.methods[&named("microlambda")].checkpoint;
        assert!(
            close(
                back.cost(named("microlambda"))
                    .expect("μλ")
                    .checkpoint_base
                    .as_millis_f64(),
                mu.base
            ),
            "{text}"
        );
        assert!(close(
            back.cost(named("microlambda"))
                .expect("μλ")
                .checkpoint_per_mib_ns
                / 1e6,
            mu.slope
        ));
        assert!(close(
            back.cost(named("microlambda"))
                .expect("μλ")
                .checkpoint_base
                .as_millis_f64(),
            1.0
        ));
        assert!(close(
            back.cost(named("criu"))
                .expect("criu")
                .checkpoint_per_mib_ns
                / 1e6,
            2.0
        ));
        assert!(close(
            back.cost(named("criu"))
                .expect("criu")
                .checkpoint_base
                .as_millis_f64(),
            100.0
        ));
        let t = &back.apps["taxi"];
        assert_eq!(
            (t.state.base, t.state.per_item, t.state.max),
            (200_000, 20, 380_000)
        );
        assert_eq!((t.rss.base, t.rss.per_item), (30 << 20, 500));
        assert!(close(t.state_compression, 0.2) && close(t.image_compression, 0.2));
        assert_eq!(t.output_bytes_per_item, 168);
        let mean = |d: &TimeDist| match *d {
            TimeDist::LogNormal { mean, .. } => mean.as_millis_f64(),
            _ => f64::NAN,
        };
        assert!(close(mean(&t.item_time), 0.25));
        assert!(close(mean(t.setup.as_ref().expect("setup")), 13.0));
        assert_eq!(t.setup_rss, Some(4 << 20));
        // Not measured: copied from the paper model exactly.
        assert_eq!(back.apps["stress"], base.apps["stress"]);
        assert_eq!(back.apps["face"], base.apps["face"]);
        assert_eq!(
            t.input_bytes_per_item,
            base.apps["taxi"].input_bytes_per_item
        );
        assert_eq!(t.segments, base.apps["taxi"].segments);
        assert_eq!(back.cost(named("docker")), base.cost(named("docker")));
        assert!(text.contains("[paper model: this app was not measured"));
        assert!(text.contains("R² = 1.000"), "{text}");
        // A CRIU restore that does not grow with the image: R² reported, slope fitted ≥ 0.
        assert!(back.cost(named("criu")).expect("criu").restore_base >= SimDuration::ZERO);
    }

    /// Pause samples (nothing written: size 0, raw = the memory the frozen container held) give
    /// a `[methods.pause]` table fitted against that memory, and feed no size model: taxi's
    /// `rss` stays the base model's when only pauses were measured.
    #[test]
    fn pause_samples_fit_a_pause_table_and_no_size_model() {
        let pause = named("pause");
        let samples: Vec<Sample> = [(3u64 << 20, 30.0), (5 << 20, 40.0), (200 << 20, 36.0)]
            .into_iter()
            .enumerate()
            .map(|(k, (held, ms))| Sample {
                size_bytes: 0,
                ..sample(App::Taxi, pause, held, 100 * k as u64, ms, ms - 5.0)
            })
            .collect();
        let m = Measurements {
            samples,
            ..Measurements::default()
        };
        let f = fit(&m).expect("pause samples fit");
        let c = &f.methods[&pause];
        assert_eq!(c.checkpoint.n, 3);
        assert!(f.apps.get(&App::Taxi).is_none_or(|a| a.rss.is_none()));
        let base = paper();
        let text = render(&f, &base, &Provenance::default());
        assert!(
            text.contains("[methods.pause]")
                && text.contains("checkpoint time [ms] against MiB held while frozen"),
            "{text}"
        );
        let mut d = Diags::default();
        let back = parse(
            &Source::new(Path::new("m.toml"), text.clone()),
            &text,
            &mut d,
        )
        .expect("parses");
        assert!(d.is_empty(), "{:?}", d.list);
        let got = back.cost(pause).expect("a pause table");
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-3 * b.abs().max(1e-3);
        assert!(close(
            got.checkpoint_base.as_millis_f64(),
            c.checkpoint.base
        ));
        assert!(close(got.restore_base.as_millis_f64(), c.restore.base));
        assert_eq!(back.apps["taxi"].rss, base.apps["taxi"].rss);
    }
}
