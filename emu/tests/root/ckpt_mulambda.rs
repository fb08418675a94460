//! μλ checkpoint on one worker, state through a real redis-server, resume on another worker:
//! the outputs of both runs together equal an uninterrupted run's.

use std::time::Duration;

use mlsim_emu::ckpt::mulambda::{FirstRun, Worker};
use mlsim_emu::ckpt::netns::BareNetns;
use mlsim_emu::ckpt::store::{RedisServer, RedisStore, StateStore};
use mlsim_emu::testing::{TestRun, require_root_env, require_tool};

use crate::ckpt_common::{lines_of, reference, taxi};

#[test]
fn mulambda_checkpoint_resumed_on_another_worker_through_redis_gives_the_uninterrupted_output() {
    let Some(_guard) = require_root_env("μλ checkpoint -> resume on another worker via Redis")
    else {
        return;
    };
    if require_tool("μλ via Redis", "redis-server").is_none() {
        return;
    }
    let t = TestRun::new("ckpt-mulambda").expect("test run");
    let run = taxi(8000);
    let expected = reference(&run, t.dir());
    let redis = RedisServer::start(t.ledger(), &t.dir().join("redis"), None, None).expect("redis");
    let a = BareNetns::add(t.ledger(), "mua").expect("netns a");
    let b = BareNetns::add(t.ledger(), "mub").expect("netns b");
    let worker = |ns: &BareNetns, name: &str| Worker {
        netns: Some(ns.path()),
        store_netns: None,
        dir: t.dir().join(name),
        store: redis.addr(),
    };
    let key = format!("mlsim:{}:taxi", t.ledger().run_id());
    let first = worker(&a, "a")
        .run_until_checkpoint(
            &run,
            Duration::from_millis(700),
            &t.dir().join("out.a"),
            &key,
            t.ledger(),
            Duration::from_secs(60),
        )
        .expect("first run");
    let FirstRun::Checkpointed(c) = first else {
        panic!("the first run finished before its deadline");
    };
    assert!(c.size_bytes > 0 && c.size_bytes < 1 << 20, "{c:?}");
    let stored = RedisStore::connect(redis.addr())
        .and_then(|mut s| s.get(&key))
        .expect("GET")
        .expect("state in redis");
    assert_eq!(
        stored.len() as u64,
        c.size_bytes,
        "the state file's bytes are in Redis"
    );
    let partial = lines_of(run.app, &[&t.dir().join("out.a")]).len();
    assert!(
        partial > 0 && partial < expected.len(),
        "{partial} items before the checkpoint"
    );

    let (mut p, restore) = worker(&b, "b")
        .resume(&run, &key, &t.dir().join("out.b"), t.ledger())
        .expect("resume on b");
    let status = p.wait(Duration::from_secs(60)).expect("resumed run ends");
    assert!(
        status.is_some_and(|s| s.success()),
        "resumed run failed: {status:?}"
    );
    let got = lines_of(run.app, &[&t.dir().join("out.a"), &t.dir().join("out.b")]);
    assert_eq!(got.len(), expected.len());
    assert!(
        got == expected,
        "first + resumed output differs from the uninterrupted run's"
    );
    eprintln!(
        "μλ: checkpoint {:?}, {} B, upload {:?}, restore {restore:?}, {partial} items before",
        c.checkpoint_time, c.size_bytes, c.upload
    );
}

/// The same over a topology: the state goes from worker host `w0` over its link to the store
/// host's redis-server and from there over another link to worker host `w1`.
#[test]
fn mulambda_migration_between_topology_hosts_through_the_store_host() {
    use mlsim_emu::topo::{HostSpec, LinkSpec, Topology, TopologySpec};
    let Some(_guard) = require_root_env("μλ migration over a topology via the store host") else {
        return;
    };
    if require_tool("μλ via Redis", "redis-server").is_none() {
        return;
    }
    let t = TestRun::new("ckpt-mulambda-topo").expect("test run");
    let run = taxi(8000);
    let expected = reference(&run, t.dir());
    let link = |a: &str| LinkSpec {
        a: a.into(),
        b: "store".into(),
        rate_bps: None,
        delay: Duration::ZERO,
        loss: 0.0,
    };
    let spec = TopologySpec {
        hosts: ["store", "w0", "w1"]
            .map(|n| HostSpec { name: n.into() })
            .to_vec(),
        switches: Vec::new(),
        links: vec![link("w0"), link("w1")],
    };
    let topo = Topology::up(&spec, t.ledger()).expect("topology");
    let host = |n: &str| topo.host(n).expect("host");
    let store_addr = std::net::SocketAddr::from((host("store").addr(), 6379));
    let redis = RedisServer::start(
        t.ledger(),
        &t.dir().join("redis"),
        Some(host("store").netns_path()),
        Some(store_addr),
    )
    .expect("redis in the store host");
    let worker = |n: &str| Worker {
        netns: Some(host(n).netns_path()),
        store_netns: Some(host(n).netns_path()),
        dir: t.dir().join(n),
        store: redis.addr(),
    };
    let key = format!("mlsim:{}:taxi-topo", t.ledger().run_id());
    let FirstRun::Checkpointed(c) = worker("w0")
        .run_until_checkpoint(
            &run,
            Duration::from_millis(700),
            &t.dir().join("out.a"),
            &key,
            t.ledger(),
            Duration::from_secs(60),
        )
        .expect("first run on w0")
    else {
        panic!("the first run finished before its deadline");
    };
    let (mut p, restore) = worker("w1")
        .resume(&run, &key, &t.dir().join("out.b"), t.ledger())
        .expect("resume on w1");
    let status = p.wait(Duration::from_secs(60)).expect("resumed run ends");
    assert!(
        status.is_some_and(|s| s.success()),
        "resumed run failed: {status:?}"
    );
    let got = lines_of(run.app, &[&t.dir().join("out.a"), &t.dir().join("out.b")]);
    assert!(
        got == expected,
        "w0 + w1 output differs from the uninterrupted run's"
    );
    drop(redis);
    topo.down().expect("topology down");
    eprintln!(
        "μλ over the topology: {} B, upload {:?}, restore {restore:?}",
        c.size_bytes, c.upload
    );
}
