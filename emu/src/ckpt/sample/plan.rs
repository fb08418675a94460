//! What a checkpoint measurement takes ([`Plan`]), and the plan of the command-line options
//! `mlsim emu checkpoints` and `mlsim calibrate` share ([`Plan::from_options`]).

use std::collections::BTreeMap;
use std::time::Duration;

use rand::Rng;

use crate::ckpt::{App, Method, measurable};

/// What to measure.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// Apps.
    pub apps: Vec<App>,
    /// Methods.
    pub methods: Vec<Method>,
    /// Checkpoints per app and method.
    pub samples: usize,
    /// Execution durations after the set-up, before the checkpoint, are uniform in
    /// `[exec_min, exec_max)`.
    pub exec_min: Duration,
    /// See `exec_min`.
    pub exec_max: Duration,
    /// Items per workload run, per app: enough that a run outlasts its set-up plus `exec_max`
    /// (times the app's scale).
    pub items: BTreeMap<App, u64>,
    /// Per-app factor on the drawn durations (default 1). Stress computes a window in about
    /// 2 ms after a set-up of seconds (signal synthesis, SVM training): 5 s of windows would need
    /// a synthetic recording of over 1 GB, so its durations are scaled to 0.05 (0.025–0.25 s of
    /// its ~0.9 s of windows).
    pub exec_scale: BTreeMap<App, f64>,
    /// Seed of the drawn durations (stream `ckpt/<app>/<method>`) and of the workload inputs.
    pub seed: u64,
}

impl Plan {
    /// The defaults of `mlsim emu checkpoints`: 20 samples, executions of 0.5–5 s after the
    /// set-up (stress: scaled by 0.05), inputs that outlast them on this machine type (taxi
    /// 40 000 requests ≈ 11 s, stress 400 windows ≈ 0.9 s after a 3 s set-up, face 100 frames
    /// ≈ 13 s).
    pub fn new(apps: Vec<App>, methods: Vec<Method>, samples: usize) -> Plan {
        Plan {
            apps,
            methods,
            samples,
            exec_min: Duration::from_millis(500),
            exec_max: Duration::from_secs(5),
            items: BTreeMap::from([(App::Taxi, 40_000), (App::Stress, 400), (App::Face, 100)]),
            exec_scale: BTreeMap::from([(App::Stress, 0.05)]),
            seed: 1,
        }
    }

    /// The drawn execution durations of (`app`, `method`), `samples` of them.
    pub fn durations(&self, app: App, method: Method) -> Vec<Duration> {
        let mut rng = mlsim_core::rng::RngStreams::new(self.seed).stream(&format!(
            "ckpt/{}/{}",
            app.name(),
            method.name()
        ));
        let k = self.exec_scale.get(&app).copied().unwrap_or(1.0);
        let (lo, hi) = (
            k * self.exec_min.as_secs_f64(),
            k * self.exec_max.as_secs_f64(),
        );
        (0..self.samples)
            .map(|_| {
                if hi > lo {
                    Duration::from_secs_f64(rng.random_range(lo..hi))
                } else {
                    Duration::from_secs_f64(lo)
                }
            })
            .collect()
    }

    /// The plan of the options `--apps`, `--methods` (measurable methods only; `mulambda` is
    /// accepted for μλ), `--samples`, `--exec-min-s`, `--exec-max-s` \[s\] and `--seed`; the
    /// error names the option.
    pub fn from_options(
        apps: &[String],
        methods: &[String],
        samples: usize,
        exec_min_s: f64,
        exec_max_s: f64,
        seed: u64,
    ) -> Result<Plan, PlanError> {
        let apps = apps
            .iter()
            .map(|s| App::parse(s).ok_or_else(|| PlanError::UnknownApp(s.clone())))
            .collect::<Result<Vec<_>, _>>()?;
        let methods = methods
            .iter()
            .map(|s| {
                Method::parse(s)
                    .filter(|m| measurable().contains(m))
                    .ok_or_else(|| PlanError::UnknownMethod(s.clone()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if apps.is_empty() || methods.is_empty() {
            return Err(PlanError::Empty);
        }
        if samples == 0 {
            return Err(PlanError::NoSamples);
        }
        let mut p = Plan::new(apps, methods, samples);
        p.exec_min = secs(exec_min_s, "--exec-min-s")?;
        p.exec_max = secs(exec_max_s, "--exec-max-s")?;
        if p.exec_max < p.exec_min {
            return Err(PlanError::Order {
                min: exec_min_s,
                max: exec_max_s,
            });
        }
        p.seed = seed;
        Ok(p)
    }
}

/// Why options make no [`Plan`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// `--apps` names an app that is not one of the real workloads.
    #[error("--apps: unknown app {0:?} (taxi, stress, face)")]
    UnknownApp(String),
    /// `--methods` names no method this emulation can measure.
    #[error("--methods: unknown method {0:?} ({names})", names = measurable_names())]
    UnknownMethod(String),
    /// No app or no method.
    #[error("--apps and --methods must name at least one each")]
    Empty,
    /// `--samples 0`.
    #[error("--samples must be at least 1")]
    NoSamples,
    /// An execution bound that is not a duration.
    #[error("{option} {value}: not a duration in seconds")]
    Duration {
        /// The option.
        option: &'static str,
        /// Its value \[s\].
        value: f64,
    },
    /// `--exec-max-s` below `--exec-min-s`.
    #[error("--exec-max-s {max} is below --exec-min-s {min}")]
    Order {
        /// `--exec-min-s` \[s\].
        min: f64,
        /// `--exec-max-s` \[s\].
        max: f64,
    },
}

/// The measurable methods' names, comma-separated.
fn measurable_names() -> String {
    let names: Vec<&str> = measurable().into_iter().map(Method::name).collect();
    names.join(", ")
}

fn secs(value: f64, option: &'static str) -> Result<Duration, PlanError> {
    Duration::try_from_secs_f64(value).map_err(|_| PlanError::Duration { option, value })
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlsim_core::methods::named;

    #[test]
    fn durations_are_uniform_in_range_reproducible_and_per_stream() {
        let mut p = Plan::new(vec![App::Taxi], vec![named("criu")], 2000);
        p.exec_min = Duration::from_secs(1);
        p.exec_max = Duration::from_secs(3);
        let d = p.durations(App::Taxi, named("criu"));
        assert_eq!(d, p.durations(App::Taxi, named("criu")));
        assert_ne!(d, p.durations(App::Taxi, named("microlambda")));
        assert!(d.iter().all(|x| *x >= p.exec_min && *x < p.exec_max));
        // Mean of U(1, 3) is 2 s; the standard error of 2000 draws is 0.577/sqrt(2000) = 0.013 s.
        let mean = d.iter().map(Duration::as_secs_f64).sum::<f64>() / d.len() as f64;
        assert!((mean - 2.0).abs() < 0.05, "{mean}");
        // Both halves of the range are hit about equally.
        let low = d.iter().filter(|x| x.as_secs_f64() < 2.0).count();
        assert!((900..1100).contains(&low), "{low}");
        // Stress draws are scaled by 0.05: U(0.05, 0.15) s.
        p.apps = vec![App::Stress];
        let st = p.durations(App::Stress, named("criu"));
        assert!(st.iter().all(|x| (0.05..0.15).contains(&x.as_secs_f64())));
    }

    #[test]
    fn bad_options_are_errors_naming_the_option() {
        let plan = |apps: &str, methods: &str, samples: usize, min: f64, max: f64| {
            let v = |s: &str| s.split(',').map(String::from).collect::<Vec<_>>();
            Plan::from_options(&v(apps), &v(methods), samples, min, max, 7)
        };
        let p = plan("taxi,face", "mulambda,criu", 3, 0.5, 5.0).expect("valid");
        assert_eq!(p.apps, [App::Taxi, App::Face]);
        assert_eq!(p.methods, [named("microlambda"), named("criu")]);
        assert_eq!((p.samples, p.seed), (3, 7));
        assert_eq!(
            (p.exec_min, p.exec_max),
            (Duration::from_millis(500), Duration::from_secs(5))
        );
        let err = |r: Result<Plan, PlanError>| r.expect_err("an error").to_string();
        assert_eq!(
            err(plan("chess", "criu", 3, 0.5, 5.0)),
            "--apps: unknown app \"chess\" (taxi, stress, face)"
        );
        assert_eq!(
            err(plan("taxi", "zfs", 3, 0.5, 5.0)),
            "--methods: unknown method \"zfs\" (microlambda, criu, docker, pause)"
        );
        // long_running is a method, but not one that checkpoints.
        assert!(err(plan("taxi", "long_running", 3, 0.5, 5.0)).contains("unknown method"));
        assert_eq!(
            err(plan("taxi", "criu", 0, 0.5, 5.0)),
            "--samples must be at least 1"
        );
        assert_eq!(
            err(plan("taxi", "criu", 3, 5.0, 0.5)),
            "--exec-max-s 0.5 is below --exec-min-s 5"
        );
        assert_eq!(
            err(plan("taxi", "criu", 3, -1.0, 0.5)),
            "--exec-min-s -1: not a duration in seconds"
        );
        assert_eq!(
            Plan::from_options(&[], &["criu".into()], 3, 0.5, 5.0, 1),
            Err(PlanError::Empty)
        );
    }
}
