//! Everything `mlsim calibrate` fits, from the measurements to the model's parameters, with one
//! report row per fitted quantity (pure: no I/O).
//!
//! Per method (pooled over the apps, since the simulator has one cost model per method):
//! checkpoint and restore time \[ms\] against the raw MiB captured (μλ: serialized program state;
//! CRIU/Docker: the image files, i.e. the resident memory the simulator's `rss` model stands for).
//! Per app: μλ state and CRIU image raw bytes against items done (size models), their compression
//! ratios, the pooled size noise, per-item compute time, output bytes per item and set-up time.

use std::collections::BTreeMap;

use mlsim_core::MethodId as Method;
use mlsim_core::app::App;
use mlsim_core::calibration::Measurements;
use mlsim_core::calibration::Sample;
use mlsim_core::method::Captures;

use crate::fit::{FitError, Line, MeanCv, SizeFit, lognormal, ratio, size_line, time_line};

/// The cost model of one method.
#[derive(Clone, Debug, PartialEq)]
pub struct CostFit {
    /// Checkpoint time \[ms\] against raw MiB.
    pub checkpoint: Line,
    /// Restore time \[ms\] against raw MiB.
    pub restore: Line,
}

/// The fitted parts of one app's model (`None`: not measured).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AppFit {
    /// Per-item compute time \[ms\].
    pub item: Option<MeanCv>,
    /// Set-up time \[ms\].
    pub setup: Option<MeanCv>,
    /// Output bytes per item \[bytes\].
    pub output_bytes: Option<MeanCv>,
    /// μλ state, raw bytes against items done.
    pub state: Option<SizeFit>,
    /// μλ compressed / raw.
    pub state_compression: Option<MeanCv>,
    /// CRIU (else Docker) image, raw bytes against items done.
    pub rss: Option<SizeFit>,
    /// Image compressed / raw.
    pub image_compression: Option<MeanCv>,
    /// Pooled cv of the raw sizes around their lines (see [`fit`]).
    pub size_cv: Option<f64>,
}

/// One row of `fit.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// What was fitted, e.g. `criu.checkpoint_ms~raw_mib` or `taxi.item_ms`.
    pub quantity: String,
    /// Samples.
    pub n: usize,
    /// Parameters, `name=value` joined by `;`.
    pub params: String,
    /// R² of a line (empty for distributions).
    pub r2: Option<f64>,
    /// Coefficient of variation (of the noise around a line, or of the distribution).
    pub cv: f64,
    /// Smallest / median / largest residual of a line [unit of y] (distributions: min, median,
    /// max of the samples).
    pub spread: (f64, f64, f64),
    /// The fallback used, if any.
    pub fallback: Option<String>,
}

/// Everything fitted.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fitted {
    /// Per method.
    pub methods: BTreeMap<Method, CostFit>,
    /// Per app.
    pub apps: BTreeMap<App, AppFit>,
    /// The report rows, in fitting order.
    pub rows: Vec<Row>,
    /// The points of each line, for the residual plot.
    pub points: Vec<LinePoints>,
}

/// The samples of one fitted line.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LinePoints {
    /// The fitted quantity (as in [`Row::quantity`]).
    pub quantity: String,
    /// x of each sample.
    pub x: Vec<f64>,
    /// Observed y of each sample.
    pub observed: Vec<f64>,
    /// Fitted y of each sample.
    pub fitted: Vec<f64>,
}

const MIB: f64 = 1024.0 * 1024.0;

fn med_min_max(v: &[f64]) -> (f64, f64, f64) {
    mlsim_core::stats::median_min_max(v.to_vec())
        .map(|(m, lo, hi)| (lo, m, hi))
        .unwrap_or((0.0, 0.0, 0.0))
}

impl Fitted {
    fn line(&mut self, quantity: String, unit: &str, x: &[f64], y: &[f64], l: &Line) {
        self.rows.push(Row {
            quantity: quantity.clone(),
            n: l.n,
            params: format!("base_{unit}={:.6};slope={:.6}", l.base, l.slope),
            r2: l.r2,
            cv: l.cv,
            spread: med_min_max(&l.residuals),
            fallback: l.fallback.clone(),
        });
        self.points.push(LinePoints {
            quantity,
            x: x.to_vec(),
            observed: y.to_vec(),
            fitted: l.fitted.clone(),
        });
    }

    fn dist(&mut self, quantity: String, m: &MeanCv, raw: &[f64]) {
        self.rows.push(Row {
            quantity,
            n: m.n,
            params: format!("mean={:.6}", m.mean),
            r2: None,
            cv: m.cv,
            spread: med_min_max(raw),
            fallback: None,
        });
    }
}

/// Fits every quantity the measurements allow.
pub fn fit(m: &Measurements) -> Result<Fitted, FitError> {
    let mut f = Fitted::default();
    let mut methods: Vec<Method> = m.samples.iter().map(|s| s.method).collect();
    methods.sort();
    methods.dedup();
    for method in methods {
        let these: Vec<&Sample> = m.samples.iter().filter(|s| s.method == method).collect();
        let x: Vec<f64> = these.iter().map(|s| s.raw_bytes as f64 / MIB).collect();
        let ck: Vec<f64> = these
            .iter()
            .map(|s| s.checkpoint.as_secs_f64() * 1e3)
            .collect();
        let rs: Vec<f64> = these
            .iter()
            .map(|s| s.restore.as_secs_f64() * 1e3)
            .collect();
        let name = method.name();
        let checkpoint = time_line(&format!("{name} checkpoint"), &x, &ck)?;
        let restore = time_line(&format!("{name} restore"), &x, &rs)?;
        f.line(
            format!("{name}.checkpoint_ms~raw_mib"),
            "ms",
            &x,
            &ck,
            &checkpoint,
        );
        f.line(
            format!("{name}.restore_ms~raw_mib"),
            "ms",
            &x,
            &rs,
            &restore,
        );
        f.methods.insert(
            method,
            CostFit {
                checkpoint,
                restore,
            },
        );
    }
    let mut apps: Vec<App> = m
        .samples
        .iter()
        .map(|s| s.app)
        .chain(m.item_ms.keys().copied())
        .chain(m.setup_ms.keys().copied())
        .collect();
    apps.sort();
    apps.dedup();
    for app in apps {
        let mut a = AppFit::default();
        let an = app.name();
        if let Some(v) = m.item_ms.get(&app).filter(|v| !v.is_empty()) {
            let d = lognormal(&format!("{an} item time"), v)?;
            f.dist(format!("{an}.item_ms"), &d, v);
            a.item = Some(d);
        }
        if let Some(v) = m.setup_ms.get(&app).filter(|v| !v.is_empty()) {
            let d = lognormal(&format!("{an} set-up"), v)?;
            f.dist(format!("{an}.setup_ms"), &d, v);
            a.setup = Some(d);
        }
        if let Some(v) = m.output_bytes.get(&app).filter(|v| !v.is_empty()) {
            let d = lognormal(&format!("{an} output bytes"), v)?;
            f.dist(format!("{an}.output_bytes_per_item"), &d, v);
            a.output_bytes = Some(d);
        }
        let mut cvs = Vec::new();
        // The state of the first method (registry order) that captures program state (μλ);
        // the image of the first that captures a process image (CRIU, else Docker's: the same
        // process image plus the container's).
        let first = |want: fn(Captures) -> bool| {
            Method::all()
                .filter(|me| want(me.def().captures()))
                .find(|me| m.samples.iter().any(|s| s.app == app && s.method == *me))
        };
        let state_method = first(|c| c == Captures::ProgramState);
        let image_method =
            first(|c| matches!(c, Captures::ProcessImage | Captures::ContainerImage));
        for (method, is_state) in [(state_method, true), (image_method, false)] {
            let Some(method) = method else { continue };
            let these: Vec<&Sample> = m
                .samples
                .iter()
                .filter(|s| s.app == app && s.method == method)
                .collect();
            if these.is_empty() {
                continue;
            }
            // Items done where known; without any (older CSV files) every x is 0, which gives
            // the documented constant fallback.
            let known: Vec<&Sample> = these
                .iter()
                .copied()
                .filter(|s| s.items_done.is_some())
                .collect();
            let used = if known.is_empty() { &these } else { &known };
            let x: Vec<f64> = used
                .iter()
                .map(|s| s.items_done.unwrap_or(0) as f64)
                .collect();
            let raw: Vec<f64> = used.iter().map(|s| s.raw_bytes as f64).collect();
            let comp: Vec<f64> = these.iter().map(|s| s.size_bytes as f64).collect();
            let den: Vec<f64> = these.iter().map(|s| s.raw_bytes as f64).collect();
            let what = if is_state { "state" } else { "rss" };
            let sf = size_line(&format!("{an} {what}"), &x, &raw)?;
            let c = ratio(&format!("{an} {what} compression"), &comp, &den)?;
            f.line(
                format!("{an}.{what}_bytes~items ({})", method.name()),
                "bytes",
                &x,
                &raw,
                &sf.line,
            );
            let cname = if is_state {
                "state_compression"
            } else {
                "image_compression"
            };
            f.dist(format!("{an}.{cname} ({})", method.name()), &c, &comp);
            cvs.push((sf.line.n, sf.line.cv));
            if is_state {
                a.state = Some(sf);
                a.state_compression = Some(c);
            } else {
                a.rss = Some(sf);
                a.image_compression = Some(c);
            }
        }
        // One size noise per app in the model: the pooled cv, sqrt(Σ n·cv² / Σ n).
        let n: usize = cvs.iter().map(|c| c.0).sum();
        if n > 0 {
            let pooled =
                (cvs.iter().map(|(k, c)| *k as f64 * c * c).sum::<f64>() / n as f64).sqrt();
            a.size_cv = Some(pooled);
        }
        f.apps.insert(app, a);
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlsim_core::methods::named;
    use std::time::Duration;

    fn s(method: Method, raw: u64, items: u64, ck_ms: f64) -> Sample {
        Sample {
            app: App::Taxi,
            method,
            sample: 0,
            exec_before: Duration::from_secs(1),
            setup: Duration::ZERO,
            checkpoint: Duration::from_secs_f64(ck_ms / 1e3),
            size_bytes: raw / 4,
            raw_bytes: raw,
            restore: Duration::from_secs_f64(2.0 * ck_ms / 1e3),
            items_done: Some(items),
        }
    }

    #[test]
    fn exact_models_are_recovered_from_exact_samples() {
        // μλ: raw = 100 000 + 50·items; checkpoint = 1 ms + 2 ms/MiB; restore twice that.
        // CRIU: raw = 40 MiB + 1000·items; checkpoint = 150 + 1 ms/MiB.
        let mut samples = Vec::new();
        for items in [0u64, 1000, 2000, 4000] {
            let r = 100_000 + 50 * items;
            samples.push(s(
                named("microlambda"),
                r,
                items,
                1.0 + 2.0 * r as f64 / MIB,
            ));
            let r = 40 * (1 << 20) + 1000 * items;
            samples.push(s(named("criu"), r, items, 150.0 + r as f64 / MIB));
        }
        let m = Measurements {
            samples,
            item_ms: BTreeMap::from([(App::Taxi, vec![0.2, 0.3])]),
            setup_ms: BTreeMap::from([(App::Taxi, vec![10.0, 10.0, 10.0])]),
            output_bytes: BTreeMap::from([(App::Taxi, vec![166.0])]),
        };
        let f = fit(&m).expect("fits");
        let mu = &f.methods[&named("microlambda")];
        assert!(
            (mu.checkpoint.base - 1.0).abs() < 1e-4 && (mu.checkpoint.slope - 2.0).abs() < 1e-4,
            "{:?}",
            mu.checkpoint
        );
        assert!((mu.restore.base - 2.0).abs() < 1e-4 && (mu.restore.slope - 4.0).abs() < 1e-4);
        let cr = &f.methods[&named("criu")];
        assert!(
            (cr.checkpoint.base - 150.0).abs() < 1e-3 && (cr.checkpoint.slope - 1.0).abs() < 1e-4,
            "{:?}",
            cr.checkpoint
        );
        let a = &f.apps[&App::Taxi];
        let st = a.state.as_ref().expect("state");
        assert_eq!((st.base, st.per_item, st.max), (100_000, 50, 300_000));
        let rss = a.rss.as_ref().expect("rss");
        assert_eq!((rss.base, rss.per_item), (40 << 20, 1000));
        assert_eq!(a.state_compression.as_ref().map(|c| c.mean), Some(0.25));
        assert!(a.size_cv.is_some_and(|c| c < 1e-9));
        assert!((a.item.as_ref().expect("item").mean - 0.25).abs() < 1e-12);
        assert_eq!(a.setup.as_ref().map(|d| (d.mean, d.cv)), Some((10.0, 0.0)));
        // 2 lines per method + (size line + compression) per captured kind + 3 distributions.
        assert_eq!(f.rows.len(), 4 + 4 + 3);
        assert!(f.rows.iter().all(|r| r.fallback.is_none()), "{:#?}", f.rows);
    }
}
