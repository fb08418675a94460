//! The host's speed against the cost model's reference core, measured before an emulated sweep.
//!
//! A model file's times are per *reference core*: the core of the machine it was fitted on
//! (`models/default.toml`: the 2-core reference machine in a one-core cgroup). Machines of the
//! same kind differ: on 2026-12-07 one ran taxi's items and stress's set-up 1.6× slower than the
//! default model's fit (no steal time; another host CPU), and every emulated time with them.
//!
//! The emulation's timeout tracker budgets its checkpoints from the model
//! ([`mlsim_core::rules::tracker_lead`]). A μλ or CRIU tracker deployed on that machine would
//! have been calibrated there; one that budgets with a faster machine's times signals too late
//! and misses deadlines the real system meets. So `mlsim emu run` measures the host first and
//! gives the trackers the host's speed `h` (their BBU's speed times `h`): [`probe`] runs taxi,
//! the model's one single-threaded app, and compares its CPU time with the model's set-up plus
//! items. Everything else (the workloads, CRIU, Docker) runs as fast as the host runs it; the
//! simulator keeps the model's reference core, so a sim-vs-emu comparison on a host of speed
//! `h` shows times `1/h` longer in the emulation (README, Emulation).

use crate::ckpt::workload::{App, RunArgs, WorkloadRun};
use mlsim_core::scenario::AppModel;
use std::path::Path;
use std::process::{Command, Stdio};

/// How `mlsim emu run` sets the host speed its trackers budget with (`--host-speed`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum HostSpeed {
    /// Measured by [`probe`] before the first run (the default).
    Auto,
    /// Given: 1 budgets with the model's times as they are.
    Fixed(f64),
}

impl std::str::FromStr for HostSpeed {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if s == "auto" {
            return Ok(HostSpeed::Auto);
        }
        match s.parse::<f64>() {
            Ok(x) if x.is_finite() && x > 0.0 => Ok(HostSpeed::Fixed(x)),
            _ => Err(format!(
                "`{s}` is not a host speed: give `auto` (measure it) or a positive number, this machine's speed against the model's reference core (1: the model's times as they are)"
            )),
        }
    }
}

/// What the emulation needs to know about a sweep to set its host speed: the model's taxi (the
/// probe's yardstick), if any run has it, and whether any run has a timeout tracker (a method
/// with an r_limit), which budgets with the speed. Without trackers the speed is still measured
/// (when taxi is there): it is recorded in the folder ([`HostRecord`]) for `mlsim compare`.
pub struct Need<'a> {
    /// The model's taxi, if a run has it.
    pub taxi: Option<&'a AppModel>,
    /// A run has a timeout tracker.
    pub trackers: bool,
}

/// Which [`Need`] the scenarios have.
pub fn need<'a>(
    scenarios: impl IntoIterator<Item = &'a mlsim_core::scenario::Scenario>,
) -> Need<'a> {
    let mut trackers = false;
    let mut taxi = None;
    for sc in scenarios {
        trackers |= sc.checkpoint.r_limit.is_some();
        taxi = taxi.or_else(|| {
            sc.workloads
                .iter()
                .map(|w| &w.app)
                .find(|a| a.name == "taxi")
        });
    }
    Need { taxi, trackers }
}

/// The file, in the emulation's work folder (`OUT/emu/`), that records the host speed of the
/// sweep ([`HostRecord`]).
pub const RECORD: &str = "host.json";

/// The host speed an emulated sweep used, as `OUT/emu/host.json` records it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HostRecord {
    /// The speed against the model's reference core.
    pub host_speed: f64,
    /// `"measured"` (the probe), `"given"` (`--host-speed X`) or `"not measured"` (1: no taxi).
    pub source: String,
    /// The probe's CPU times \[s\] (empty unless measured).
    pub cpu_s: Vec<f64>,
    /// The model's time for the probe's work \[s\] (0 unless measured).
    pub model_s: f64,
    /// Taxi items per probe run.
    pub probe_items: u64,
    /// The speeds measured (or given) when the sweep was resumed later, oldest first: a
    /// resumed sweep keeps the first session's record and adds its own here.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resumed: Vec<f64>,
}

impl HostRecord {
    /// Reads `dir/host.json`; `None` if it is not there (an older folder, or no protocol run),
    /// an error naming the file if it is there and unreadable.
    pub fn read(dir: &Path) -> Result<Option<HostRecord>, String> {
        let p = dir.join(RECORD);
        match std::fs::read_to_string(&p) {
            Ok(t) => serde_json::from_str(&t)
                .map(Some)
                .map_err(|e| format!("{}: {e}", p.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("{}: {e}", p.display())),
        }
    }

    /// Writes it to `dir/host.json` (atomically: a temporary file renamed). If the file holds
    /// an earlier session's record (a resumed sweep), that record stays and this one's speed is
    /// added to its `resumed`.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let rec = match HostRecord::read(dir) {
            Ok(Some(mut first)) => {
                first.resumed.push(self.host_speed);
                first
            }
            _ => self.clone(),
        };
        let tmp = dir.join(format!(".{RECORD}.tmp{}", std::process::id()));
        let text = serde_json::to_string_pretty(&rec).map_err(std::io::Error::other)?;
        std::fs::write(&tmp, text + "\n")?;
        std::fs::rename(&tmp, dir.join(RECORD))
    }
}

/// Taxi items per probe run (about 0.25 s of CPU at the default model's 0.24 ms per item).
pub const PROBE_ITEMS: u64 = 1000;
/// Probe runs; the median counts.
pub const PROBE_RUNS: usize = 3;

/// What [`probe`] measured.
#[derive(Clone, Debug, PartialEq)]
pub struct HostProbe {
    /// CPU time (user + system) of each probe run \[s\].
    pub cpu_s: Vec<f64>,
    /// The model's time for the same work: set-up mean plus items × item mean \[s\].
    pub model_s: f64,
}

impl HostProbe {
    /// The host's speed against the reference core: the model's time over the median measured;
    /// `None` without a measurement or with a median of 0.
    pub fn speed(&self) -> Option<f64> {
        let m = self.median_cpu_s()?;
        (m > 0.0).then(|| self.model_s / m)
    }

    /// The median of [`HostProbe::cpu_s`] (the upper one of an even count).
    pub fn median_cpu_s(&self) -> Option<f64> {
        let mut v = self.cpu_s.clone();
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied()
    }
}

/// The model's time for `items` items of `taxi` from process start \[s\].
pub fn model_time(taxi: &AppModel, items: u64) -> f64 {
    let setup = taxi.setup.as_ref().map_or(0.0, |d| d.mean().as_secs_f64());
    setup + items as f64 * taxi.item_time.mean().as_secs_f64()
}

/// Runs `mlsim-workload run taxi` ([`PROBE_ITEMS`] items, seed 1) [`PROBE_RUNS`] times, each to
/// its end, and measures each one's CPU time (`wait4`'s resource usage: what the process
/// computed, not how long the machine made it wait), against `taxi`, the model's taxi.
pub fn probe(workload_bin: &Path, taxi: &AppModel) -> Result<HostProbe, String> {
    let run = WorkloadRun {
        app: App::Taxi,
        binary: workload_bin.to_path_buf(),
        items: PROBE_ITEMS,
        seed: 1,
        models: None,
    };
    let argv = run.argv(&RunArgs {
        output: Some(Path::new("/dev/null")),
        ..RunArgs::default()
    });
    let mut cpu_s = Vec::with_capacity(PROBE_RUNS);
    for _ in 0..PROBE_RUNS {
        cpu_s.push(cpu_time_of(&argv)?);
    }
    Ok(HostProbe {
        cpu_s,
        model_s: model_time(taxi, PROBE_ITEMS),
    })
}

/// CPU time \[s\] of the command `argv`, run to its end; an error if it fails.
fn cpu_time_of(argv: &[std::ffi::OsString]) -> Result<f64, String> {
    let shown = argv
        .iter()
        .map(|a| a.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ");
    let child = Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start `{shown}`: {e}"))?;
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value; wait4 fills it for our own child, which
    // `Child` has not reaped (it is dropped unwaited below, which neither kills nor waits).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = loop {
        // SAFETY: pid is our child; status and usage point to live locals.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r >= 0 || std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            break r;
        }
    };
    drop(child);
    if r < 0 {
        return Err(format!(
            "waiting for `{shown}`: {}",
            std::io::Error::last_os_error()
        ));
    }
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        return Err(format!("`{shown}` failed (wait status {status})"));
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    Ok(secs(usage.ru_utime) + secs(usage.ru_stime))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Vec<std::ffi::OsString> {
        ["sh", "-c", script].iter().map(Into::into).collect()
    }

    #[test]
    fn the_probe_counts_cpu_time_not_waiting() {
        // A busy loop computes; a sleep of 0.3 s waits and computes almost nothing.
        let busy =
            cpu_time_of(&sh("i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done")).expect("busy");
        let sleep = cpu_time_of(&sh("sleep 0.3")).expect("sleep");
        assert!(busy > 0.05, "busy loop: {busy} s of CPU");
        assert!(sleep < 0.05, "sleep: {sleep} s of CPU");
        // A command that fails is an error naming it.
        let e = cpu_time_of(&sh("exit 3")).expect_err("exit 3");
        assert!(e.contains("sh -c exit 3") && e.contains("failed"), "{e}");
        let e = cpu_time_of(&["/nonexistent/mlsim-workload".into()]).expect_err("missing");
        assert!(
            e.contains("cannot start `/nonexistent/mlsim-workload`"),
            "{e}"
        );
    }

    #[test]
    fn a_host_speed_is_auto_or_a_positive_number() {
        assert_eq!("auto".parse::<HostSpeed>(), Ok(HostSpeed::Auto));
        assert_eq!("0.63".parse::<HostSpeed>(), Ok(HostSpeed::Fixed(0.63)));
        for bad in ["0", "-1", "inf", "NaN", "fast", ""] {
            let e = bad.parse::<HostSpeed>().expect_err(bad);
            assert!(e.contains("auto") && e.contains("positive number"), "{e}");
        }
    }

    #[test]
    fn the_speed_is_the_models_time_over_the_median_measured() {
        // Model 0.5 s; measured 0.9, 0.8, 1.6 s: median 0.9, speed 0.5 / 0.9 = 0.5556. An
        // outlier (1.6 s: the probe descheduled mid-item is not in CPU time, but a cold cache
        // is) does not move it.
        let p = HostProbe {
            cpu_s: vec![0.9, 0.8, 1.6],
            model_s: 0.5,
        };
        assert!((p.speed().unwrap() - 0.5 / 0.9).abs() < 1e-12);
        // Nothing measured, or nothing computed: no speed rather than a panic or infinity.
        let none = HostProbe {
            cpu_s: vec![],
            model_s: 0.5,
        };
        assert_eq!((none.speed(), none.median_cpu_s()), (None, None));
        let zero = HostProbe {
            cpu_s: vec![0.0],
            model_s: 0.5,
        };
        assert_eq!(zero.speed(), None);
    }

    #[test]
    fn the_host_record_round_trips_and_its_absence_is_not_an_error() {
        let d = std::env::temp_dir().join(format!("mlsim-host-record-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        assert_eq!(HostRecord::read(&d), Ok(None));
        let r = HostRecord {
            host_speed: 0.58,
            source: "measured".into(),
            cpu_s: vec![0.43, 0.44, 0.42],
            model_s: 0.251,
            probe_items: PROBE_ITEMS,
            resumed: Vec::new(),
        };
        r.write(&d).expect("write");
        assert_eq!(HostRecord::read(&d), Ok(Some(r.clone())));
        // Resumed: the first record stays, the later speed is added.
        let later = HostRecord {
            host_speed: 0.67,
            ..r.clone()
        };
        later.write(&d).expect("write again");
        let both = HostRecord::read(&d).expect("read").expect("there");
        assert_eq!((both.host_speed, both.resumed.clone()), (0.58, vec![0.67]));
        std::fs::write(d.join(RECORD), "{").expect("damage");
        let e = HostRecord::read(&d).expect_err("damaged");
        assert!(e.contains(RECORD), "{e}");
        std::fs::remove_dir_all(&d).expect("clean");
    }

    #[test]
    fn the_models_time_is_set_up_plus_items() {
        // The default model's taxi: set-up 8.148862 ms, items 0.242744 ms: 1000 items take
        // 8.148862 + 242.744 = 250.892862 ms. Without a set-up, 242.744 ms.
        use mlsim_core::scenario::{SizeModel, TimeDist};
        use mlsim_core::time::SimDuration;
        let size = SizeModel {
            base: 0,
            per_item: 0,
            max: u64::MAX,
        };
        let mut taxi = AppModel {
            name: "taxi".into(),
            item_label: "requests".into(),
            item_time: TimeDist::LogNormal {
                mean: SimDuration(242_744),
                cv: 0.49,
            },
            setup: Some(TimeDist::LogNormal {
                mean: SimDuration(8_148_862),
                cv: 0.24,
            }),
            segments: 1,
            shards: 1,
            join_time: SimDuration::ZERO,
            input_bytes_per_item: 250,
            first_item_extra_bytes: 0,
            output_bytes_per_item: 167,
            state: size,
            state_compression: 1.0,
            rss: size,
            setup_rss: None,
            image_compression: 1.0,
            size_cv: 0.0,
        };
        assert!((model_time(&taxi, 1000) - 0.250_892_862).abs() < 1e-12);
        taxi.setup = None;
        assert!((model_time(&taxi, 1000) - 0.242_744).abs() < 1e-12);
    }
}
