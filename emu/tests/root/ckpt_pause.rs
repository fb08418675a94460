//! Pause (`docker pause`/`unpause`, the cgroup freezer) against a Docker checkpoint: a paused
//! container still holds its memory and finishes with the uninterrupted output once unpaused;
//! a container checkpointed with `docker checkpoint create` (without `--leave-running`) has
//! released its memory.

use std::time::{Duration, Instant};

use mlsim_emu::ckpt::docker::{self, Container, ContainerSpec};
use mlsim_emu::ckpt::pause::{self, ContainerCgroup};
use mlsim_emu::ckpt::sample::{self, Plan, build_image, container_spec};
use mlsim_emu::ckpt::workload::{App, WorkloadRun};
use mlsim_emu::testing::{TestRun, require_root_env, require_tool};

use crate::ckpt_common::{binaries, lines_of, reference};

const MIB: f64 = 1024.0 * 1024.0;

/// Root and a dockerd with `--experimental`, else a loud skip.
fn docker_ready(what: &str) -> Option<mlsim_emu::testing::RootGuard> {
    let guard = require_root_env(what)?;
    require_tool(what, "docker")?;
    if let Err(e) = docker::versions() {
        mlsim_emu::testing::skip(what, &e.to_string());
        return None;
    }
    Some(guard)
}

/// Polls the cgroup until it holds at least `bytes`; the memory held then.
fn wait_for_memory(c: &Container, cg: &ContainerCgroup, bytes: u64, timeout: Duration) -> u64 {
    let t = Instant::now();
    loop {
        let held = cg
            .memory_bytes()
            .expect("read the cgroup")
            .unwrap_or_else(|| panic!("container {} stopped before holding its memory", c.name()));
        if held >= bytes {
            return held;
        }
        assert!(
            t.elapsed() < timeout,
            "container {} holds {:.1} MiB after {timeout:?}, expected at least {:.1} MiB",
            c.name(),
            held as f64 / MIB,
            bytes as f64 / MIB
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn started(name: &str, spec: &ContainerSpec, t: &TestRun) -> (Container, ContainerCgroup) {
    let c = Container::create(name, spec, t.ledger()).expect("docker create");
    c.start().expect("docker start");
    let cg = ContainerCgroup::of(c.name()).expect("the container's cgroup");
    (c, cg)
}

/// Stress synthesizes its recording and trains its classifier in its set-up, then holds about
/// 200 MB (the default model's `rss` of stress: 211 MB); both containers are caught once they
/// hold 100 MiB. The paused one keeps ≥ 80 % of what it held running, and uses no CPU while
/// frozen; the checkpointed one's cgroup is gone (or holds < 5 % of what it held), its memory
/// now in the image folder on disk. The paused one, unpaused, finishes with the output of an
/// uninterrupted native run.
#[test]
fn a_paused_container_keeps_its_memory_and_a_docker_checkpoint_releases_it() {
    let Some(_guard) = docker_ready("pause keeps memory, docker checkpoint releases it") else {
        return;
    };
    let t = TestRun::new("ckpt-pause").expect("test run");
    let run = WorkloadRun::new(App::Stress, binaries(), 1500, 3).expect("stress binary");
    let expected = reference(&run, t.dir());
    let image =
        build_image(run.app, binaries(), &t.dir().join("rootfs"), t.ledger()).expect("image");
    let root = docker::root_dir().expect("docker root");
    let name = |s: &str| mlsim_emu::names::container(t.ledger().run_id(), s);
    let dir = |s: &str| t.dir().join(s);
    let limit: u64 = 2 << 30;
    let spec = |s: &str| {
        std::fs::create_dir_all(dir(s).join("out")).expect("out dir");
        ContainerSpec {
            memory_limit: Some(limit),
            ..container_spec(&run, &image, &dir(s))
        }
    };
    let want = 100 << 20;

    // Paused: frozen in place, memory kept.
    let (p, pcg) = started(&name("paused"), &spec("p"), &t);
    assert_eq!(
        pcg.memory_limit().expect("limit"),
        Some(limit),
        "--memory reached the cgroup ({})",
        pcg.memory_file().display()
    );
    wait_for_memory(&p, &pcg, want, Duration::from_secs(60));
    let c = pause::cycle(&p, &pcg, Duration::from_secs(1)).expect("pause, hold 1 s, unpause");
    eprintln!(
        "pause: {:.1} ms, unpause {:.1} ms; held {:.1} MiB running, {:.1} MiB paused, {:.1} MiB \
         after 1 s frozen; CPU while frozen for {:?}: {:?} ({})",
        c.pause.as_secs_f64() * 1e3,
        c.unpause.as_secs_f64() * 1e3,
        c.running_bytes as f64 / MIB,
        c.paused_bytes as f64 / MIB,
        c.held_at_unpause as f64 / MIB,
        c.frozen,
        c.frozen_cpu,
        pcg.memory_file().display()
    );
    for (when, held) in [("paused", c.paused_bytes), ("after 1 s", c.held_at_unpause)] {
        assert!(
            held as f64 >= 0.8 * c.running_bytes as f64 && held >= want,
            "a paused container keeps its memory: {held} of {} bytes {when}",
            c.running_bytes
        );
    }
    assert!(c.frozen >= Duration::from_secs(1));
    assert!(c.pause > Duration::ZERO && c.unpause > Duration::ZERO);
    if let Some(cpu) = c.frozen_cpu {
        assert!(cpu <= Duration::from_millis(2), "frozen, yet used {cpu:?}");
    }
    let code = p
        .wait(Duration::from_secs(120))
        .expect("unpaused container ends");
    assert_eq!(
        code,
        0,
        "unpaused run failed: {}",
        p.stderr().unwrap_or_default()
    );
    let got = lines_of(run.app, &[&dir("p").join("out/out")]);
    assert_eq!(got.len(), expected.len(), "every window after the unpause");
    assert!(
        got == expected,
        "unpaused output differs from the uninterrupted run's"
    );
    assert_eq!(
        pcg.memory_bytes().expect("read"),
        None,
        "the exited container's cgroup is gone"
    );

    // Checkpointed: the process is gone, its memory with it.
    let (k, kcg) = started(&name("ckpt"), &spec("k"), &t);
    let held = wait_for_memory(&k, &kcg, want, Duration::from_secs(60));
    let took = k.checkpoint(&root, "ck").expect("docker checkpoint create");
    let after = kcg.memory_bytes().expect("read");
    let image_bytes = mlsim_emu::ckpt::archive::measure(&k.checkpoint_dir(&root, "ck"))
        .expect("image size")
        .raw_bytes;
    eprintln!(
        "docker checkpoint: {:.1} ms; held {:.1} MiB running, after: {}; image {:.1} MiB",
        took.as_secs_f64() * 1e3,
        held as f64 / MIB,
        after.map_or("cgroup gone".to_string(), |b| format!(
            "{:.1} MiB",
            b as f64 / MIB
        )),
        image_bytes as f64 / MIB
    );
    assert!(
        after.is_none_or(|b| (b as f64) < 0.05 * held as f64),
        "a checkpointed container releases its memory: {after:?} of {held} bytes"
    );
    assert!(
        image_bytes as f64 >= 0.5 * want as f64,
        "the memory went to the image folder ({image_bytes} bytes)"
    );
    assert_ne!(k.state().expect("state").status, "running");
}

/// `mlsim emu checkpoints --methods pause`'s samples (taxi): pause and unpause times, nothing
/// written, the memory the frozen container held.
#[test]
fn pause_samples_time_pause_and_unpause_and_write_nothing() {
    let Some(_guard) = docker_ready("pause samples") else {
        return;
    };
    let t = TestRun::new("ckpt-pause-samples").expect("test run");
    let mut plan = Plan::new(
        vec![App::Taxi],
        vec![mlsim_core::methods::named("pause")],
        2,
    );
    plan.exec_min = Duration::from_millis(200);
    plan.exec_max = Duration::from_millis(600);
    plan.items.insert(App::Taxi, 8000);
    let mut seen = 0;
    let m = sample::measure(&plan, binaries(), t.ledger(), &t.dir().join("s"), |_| {
        seen += 1
    })
    .expect("pause samples");
    assert_eq!((m.samples.len(), seen), (2, 2));
    for s in &m.samples {
        eprintln!(
            "pause sample: pause {:?}, unpause {:?}, held {:.1} MiB, {:?} items",
            s.checkpoint,
            s.restore,
            s.raw_bytes as f64 / MIB,
            s.items_done
        );
        assert_eq!(s.method.name(), "pause");
        assert_eq!(s.size_bytes, 0, "a pause writes nothing");
        assert!(s.raw_bytes >= 1 << 20, "a running taxi holds > 1 MiB");
        assert!(s.checkpoint > Duration::ZERO && s.restore > Duration::ZERO);
        assert!(s.checkpoint < Duration::from_secs(5) && s.restore < Duration::from_secs(5));
        assert!(s.exec_before >= s.setup + Duration::from_millis(200));
        assert!(s.items_done.is_some_and(|n| n < 8000), "{:?}", s.items_done);
    }
}
