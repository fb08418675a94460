//! Docker checkpoint of a workload container, restored into ANOTHER container: the final output
//! equals an uninterrupted run's.

use std::time::Duration;

use mlsim_emu::ckpt::docker::{self, Container};
use mlsim_emu::ckpt::sample::{build_image, container_spec};
use mlsim_emu::testing::{TestRun, require_root_env, require_tool};

use crate::ckpt_common::{binaries, lines_of, reference, taxi};

/// What both tests start from: root and docker checked (else a loud skip), a test run, a taxi
/// run of `items` items, its uninterrupted output and its image.
struct Setup {
    _guard: mlsim_emu::testing::RootGuard,
    t: TestRun,
    run: mlsim_emu::ckpt::WorkloadRun,
    expected: Vec<String>,
    image: String,
    root: std::path::PathBuf,
}

fn setup(what: &str, name: &str, items: u64) -> Option<Setup> {
    let guard = require_root_env(what)?;
    require_tool("docker migration", "docker")?;
    if let Err(e) = docker::versions() {
        mlsim_emu::testing::skip("docker migration", &e.to_string());
        return None;
    }
    let t = TestRun::new(name).expect("test run");
    let run = taxi(items);
    let expected = reference(&run, t.dir());
    let image =
        build_image(run.app, binaries(), &t.dir().join("rootfs"), t.ledger()).expect("image");
    let root = docker::root_dir().expect("docker root");
    Some(Setup {
        _guard: guard,
        t,
        run,
        expected,
        image,
        root,
    })
}

#[test]
fn docker_checkpoint_restored_into_another_container_gives_the_uninterrupted_output() {
    let Some(Setup {
        _guard,
        t,
        run,
        expected,
        image,
        root,
    }) = setup(
        "docker checkpoint -> restore into another container",
        "ckpt-docker",
        8000,
    )
    else {
        return;
    };
    std::fs::create_dir_all(t.dir().join("out")).expect("out dir");
    let spec = container_spec(&run, &image, t.dir());
    let name = |s: &str| mlsim_emu::names::container(t.ledger().run_id(), s);

    let src = Container::create(&name("src"), &spec, t.ledger()).expect("create src");
    src.start().expect("start src");
    std::thread::sleep(Duration::from_millis(900));
    let checkpoint = src
        .checkpoint(&root, "ck")
        .expect("docker checkpoint create");
    let out = t.dir().join("out/out");
    let partial = lines_of(run.app, &[&out]).len();
    assert!(
        partial < expected.len(),
        "checkpointed before the end ({partial} lines)"
    );

    let dst = Container::create(&name("dst"), &spec, t.ledger()).expect("create dst");
    assert_ne!(dst.id(), src.id());
    let restore = dst
        .start_from(&src, &root, "ck")
        .expect("docker start --checkpoint");
    let code = dst
        .wait(Duration::from_secs(60))
        .expect("restored container ends");
    assert_eq!(
        code,
        0,
        "restored run failed: {}",
        dst.stderr().unwrap_or_default()
    );
    let got = lines_of(run.app, &[&out]);
    assert_eq!(got.len(), expected.len());
    assert!(
        got == expected,
        "migrated output differs from the uninterrupted run's"
    );
    assert!(
        dst.stderr()
            .unwrap_or_default()
            .contains("\"event\":\"finished\""),
        "the restored process (in dst) finished the run"
    );
    // containerd's copies of the images (one per checkpoint, one per restore) are gone.
    let tmp = docker::leftovers::containerd_temp_dir();
    let ours = std::collections::BTreeSet::from([src.id().to_string(), dst.id().to_string()]);
    let leaked: Vec<_> = std::fs::read_dir(&tmp)
        .expect("containerd's temp dir")
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(docker::leftovers::PREFIX)
        })
        .filter(|e| !docker::leftovers::ids_of(&e.path()).is_disjoint(&ours))
        .map(|e| e.path())
        .collect();
    assert!(leaked.is_empty(), "containerd leftovers remain: {leaked:?}");
    eprintln!("docker: checkpoint {checkpoint:?}, restore {restore:?}, {partial} items before");
}

/// Two restores of ONE checkpoint at the same time, into two containers: both start and both
/// finish the run. Without [`docker::RESTORE_NONCE`] the two folders dockerd uploads are the
/// same bytes (same images, copied within the same second), and the second upload fails with
/// "content sha256:…: already exists" (moby/moby#42900: the failure the project's CI hit)
/// while the first restore holds its copy in containerd's content store.
#[test]
fn two_restores_of_one_checkpoint_at_once_both_finish() {
    let Some(Setup {
        _guard,
        t,
        run,
        expected,
        image,
        root,
    }) = setup(
        "docker: two restores of one checkpoint at once",
        "ckpt-docker-twice",
        6000,
    )
    else {
        return;
    };
    let name = |s: &str| mlsim_emu::names::container(t.ledger().run_id(), s);
    let dir = |s: &str| t.dir().join(s);
    std::fs::create_dir_all(dir("src").join("out")).expect("out dir");

    let src = Container::create(
        &name("src"),
        &container_spec(&run, &image, &dir("src")),
        t.ledger(),
    )
    .expect("create src");
    src.start().expect("start src");
    std::thread::sleep(Duration::from_millis(700));
    src.checkpoint(&root, "ck")
        .expect("docker checkpoint create");

    // Each restore gets its own copy of the output file as it was at the checkpoint.
    let dsts: Vec<Container> = ["a", "b"]
        .iter()
        .map(|s| {
            std::fs::create_dir_all(dir(s).join("out")).expect("out dir");
            std::fs::copy(dir("src").join("out/out"), dir(s).join("out/out")).expect("copy out");
            Container::create(&name(s), &container_spec(&run, &image, &dir(s)), t.ledger())
                .expect("create dst")
        })
        .collect();
    let started: Vec<_> = std::thread::scope(|sc| {
        let handles: Vec<_> = dsts
            .iter()
            .map(|d| sc.spawn(|| d.start_from(&src, &root, "ck")))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect()
    });
    for (d, s) in dsts.iter().zip(&started) {
        assert!(s.is_ok(), "restore into {} failed: {s:?}", d.id());
    }
    let nonces: Vec<String> = dsts
        .iter()
        .map(|d| {
            std::fs::read_to_string(d.checkpoint_dir(&root, "ck").join(docker::RESTORE_NONCE))
                .expect("the restore nonce is in the folder dockerd uploaded")
        })
        .collect();
    assert_ne!(nonces[0], nonces[1], "the two uploads differ");
    for (d, s) in dsts.iter().zip(["a", "b"]) {
        let code = d
            .wait(Duration::from_secs(60))
            .expect("restored container ends");
        assert_eq!(
            code,
            0,
            "restored run failed: {}",
            d.stderr().unwrap_or_default()
        );
        let got = lines_of(run.app, &[&dir(s).join("out/out")]);
        assert!(
            got == expected,
            "restore {s}: output differs from the uninterrupted run's ({} vs {} lines)",
            got.len(),
            expected.len()
        );
    }
}
