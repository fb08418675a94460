//! CRIU dump of a running workload in one host namespace, restore from the root namespace into
//! another host namespace: the final output equals an uninterrupted run's.

use std::time::Duration;

use mlsim_emu::ckpt::netns::{BareNetns, inode};
use mlsim_emu::ckpt::proc::Proc;
use mlsim_emu::ckpt::workload::RunArgs;
use mlsim_emu::ckpt::{archive, criu};
use mlsim_emu::testing::{TestRun, require_root_env, require_tool};

use crate::ckpt_common::{lines_of, reference, taxi};

#[test]
fn criu_dump_restore_into_another_host_namespace_gives_the_uninterrupted_output() {
    let Some(_guard) = require_root_env("CRIU dump -> restore in another host namespace") else {
        return;
    };
    if require_tool("CRIU migration", "criu").is_none() {
        return;
    }
    let t = TestRun::new("ckpt-criu").expect("test run");
    let run = taxi(8000);
    let expected = reference(&run, t.dir());
    let a = BareNetns::add(t.ledger(), "cra").expect("netns a");
    let b = BareNetns::add(t.ledger(), "crb").expect("netns b");

    let out = t.dir().join("migrated.out");
    let launch = run.launch(
        &RunArgs {
            output: Some(&out),
            ..RunArgs::default()
        },
        Some(a.path()),
        &t.dir().join("w"),
    );
    let mut p = Proc::spawn(&launch, t.ledger()).expect("spawn in a");
    std::thread::sleep(Duration::from_millis(700));
    assert!(
        p.try_wait().expect("wait").is_none(),
        "still running at the dump"
    );
    let pid_ns = std::fs::metadata(format!("/proc/{}/ns/net", p.pid()))
        .map(|m| std::os::unix::fs::MetadataExt::ino(&m))
        .expect("ns of the workload");
    assert_eq!(pid_ns, inode(&a.path()).expect("inode a"), "runs in host a");

    let dump = criu::dump(
        p.pid(),
        Some(&a.path()),
        &t.dir().join("images"),
        &t.dir().join("work"),
    )
    .expect("criu dump");
    p.wait(Duration::from_secs(10))
        .expect("dumped process is gone");
    assert!(dump.size.raw_bytes > 100_000, "{:?}", dump.size);
    assert!(
        dump.size.compressed_bytes < dump.size.raw_bytes,
        "{:?}",
        dump.size
    );
    assert_eq!(
        archive::raw_size(&dump.images).expect("size"),
        dump.size.raw_bytes
    );
    let partial = lines_of(run.app, &[&out]).len();
    assert!(
        partial < expected.len(),
        "dumped before the end ({partial} lines)"
    );

    let r =
        criu::restore(&dump.images, Some(&b.path()), &t.dir().join("work")).expect("criu restore");
    t.ledger().record_process(r.proc.pid()).expect("ledger");
    let mut restored = r.proc;
    let ns_now = std::fs::metadata(format!("/proc/{}/ns/net", restored.pid()))
        .map(|m| std::os::unix::fs::MetadataExt::ino(&m));
    let status = restored
        .wait(Duration::from_secs(60))
        .expect("restored run ends");
    assert!(
        status.is_none_or(|s| s.success()),
        "restored run failed: {status:?}"
    );
    if let Ok(ns) = ns_now {
        assert_eq!(
            ns,
            inode(&b.path()).expect("inode b"),
            "restored into host b"
        );
    }
    let got = lines_of(run.app, &[&out]);
    assert_eq!(got.len(), expected.len());
    assert!(
        got == expected,
        "migrated output differs from the uninterrupted run's"
    );
    let err = std::fs::read_to_string(&launch.stderr).expect("stderr");
    assert!(err.contains("\"event\":\"finished\""), "{err}");
    eprintln!(
        "criu: dump {:?}, {} B raw, {} B lz4; restore {:?}; {partial} of {} items before the dump",
        dump.checkpoint_time,
        dump.size.raw_bytes,
        dump.size.compressed_bytes,
        r.restore_time,
        expected.len()
    );
}
