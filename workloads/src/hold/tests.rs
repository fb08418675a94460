//! Unit tests of the hold process's pieces.
use super::*;

fn filled(len: usize, seed: u64) -> Vec<u8> {
    let mut v = vec![0u8; len];
    fill(&mut v, seed);
    v
}

#[test]
fn splitmix64_matches_the_reference_stream() {
    // Vigna's splitmix64.c with x = 0.
    let mut r = SplitMix64::new(0);
    assert_eq!(r.next_u64(), 0xe220_a839_7b1d_cdaf);
    assert_eq!(r.next_u64(), 0x6e78_9e6a_a1b9_65f4);
}

#[test]
fn fnv1a_of_one_page_is_the_reference_hash_of_its_first_byte() {
    // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c; bytes after the first of the page do not count.
    let mut page = vec![7u8; PAGE];
    page[0] = b'a';
    assert_eq!(page_checksum(&page), 0xaf63_dc4c_8601_ec8c);
    assert_eq!(page_checksum(&[]), 0xcbf2_9ce4_8422_2325);
    // A partial second page counts.
    page.push(b'b');
    assert_ne!(page_checksum(&page), 0xaf63_dc4c_8601_ec8c);
}

#[test]
fn fill_and_checksum_are_deterministic_per_seed_and_differ_across_seeds() {
    let len = 64 * PAGE + 5;
    let a = filled(len, 42);
    assert_eq!(a, filled(len, 42));
    assert_eq!(page_checksum(&a), page_checksum(&filled(len, 42)));
    let b = filled(len, 43);
    assert_ne!(a, b);
    assert_ne!(page_checksum(&a), page_checksum(&b));
    // The last partial word is filled too, and a prefix does not depend on the length.
    assert_ne!(&a[len - 5..], &[0u8; 5]);
    assert_eq!(&filled(100, 42)[..], &a[..100]);
    // Incompressible: every byte value occurs, none dominates.
    let mut counts = [0u32; 256];
    a.iter().for_each(|&b| counts[usize::from(b)] += 1);
    let (lo, hi) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
    assert!(*lo > 0 && *hi < 2 * (len as u32 / 256), "{lo} {hi}");
}

#[test]
fn held_memory_has_the_length_and_checksum_of_its_seed() {
    let h = HeldMemory::build(10 * PAGE as u64 + 1, 9).unwrap();
    assert_eq!(h.len(), 10 * PAGE as u64 + 1);
    assert_eq!(h.checksum(), page_checksum(&filled(10 * PAGE + 1, 9)));
    assert!(HeldMemory::build(0, 9).unwrap().is_empty());
    assert!(matches!(
        HeldMemory::build(u64::MAX, 9),
        Err(HoldError::Alloc { .. })
    ));
}

#[test]
fn event_files_parse_strictly() {
    assert_eq!(parse_event("work_ns=20000000"), Ok(20_000_000));
    assert_eq!(parse_event("work_ns=0\n"), Ok(0));
    assert_eq!(parse_event("work_ns=7\r\n"), Ok(7));
    assert_eq!(parse_event(&format!("work_ns={}", u64::MAX)), Ok(u64::MAX));
    for bad in [
        "",
        "\n",
        "work_ns=",
        "work_ns=abc",
        "work_ns=-1",
        "work_ns=+5",
        "work_ns= 5",
        "work_ns=5 ",
        "work_ns=5\n\n",
        "work_ns=5\nwork_ns=6",
        "WORK_NS=5",
        "work=5",
        "20000000",
        "{\"work_ns\":5}",
    ] {
        let e = parse_event(bad).unwrap_err();
        assert!(
            e.contains("expected `work_ns=<nanoseconds>`"),
            "{bad:?}: {e}"
        );
    }
    let e = parse_event("work_ns=18446744073709551616").unwrap_err();
    assert!(e.contains("more than"), "{e}");
}

#[test]
fn state_files_parse_strictly_and_round_trip() {
    let s = parse_state(r#"{"served":3,"seed":5,"memory_bytes":67108864}"#).unwrap();
    assert_eq!(
        s,
        HoldState {
            served: 3,
            seed: 5,
            memory_bytes: 64 << 20,
            buffer_bytes: None
        }
    );
    let full = HoldState {
        buffer_bytes: Some(12345),
        ..s.clone()
    };
    let text = serde_json::to_string(&full).unwrap();
    assert_eq!(
        text,
        r#"{"served":3,"seed":5,"memory_bytes":67108864,"buffer_bytes":12345}"#
    );
    assert_eq!(parse_state(&format!("{text}\n")), Ok(full));
    assert_eq!(
        serde_json::to_string(&s).unwrap(),
        r#"{"served":3,"seed":5,"memory_bytes":67108864}"#
    );
    for bad in [
        "",
        "served=3",
        r#"{"served":3,"seed":5}"#,
        r#"{"served":-1,"seed":5,"memory_bytes":1}"#,
        r#"{"served":1.5,"seed":5,"memory_bytes":1}"#,
        r#"{"served":"1","seed":5,"memory_bytes":1}"#,
        r#"{"served":1,"seed":5,"memory_bytes":1,"extra":0}"#,
        r#"{"served":1,"seed":5,"memory_bytes":1} {}"#,
    ] {
        let e = parse_state(bad).unwrap_err();
        assert!(e.contains("expected one JSON object"), "{bad:?}: {e}");
    }
}

#[test]
fn a_state_of_another_run_is_refused_naming_the_field() {
    let cfg = HoldConfig {
        memory_bytes: 100,
        dir: PathBuf::from("d"),
        seed: 1,
        resume: true,
    };
    let p = Path::new("d/state");
    let ok = HoldState {
        served: 2,
        seed: 1,
        memory_bytes: 100,
        buffer_bytes: None,
    };
    check_state(&ok, &cfg, p).unwrap();
    let e = check_state(
        &HoldState {
            seed: 2,
            ..ok.clone()
        },
        &cfg,
        p,
    )
    .unwrap_err();
    assert!(e.to_string().contains("d/state: seed is 2"), "{e}");
    assert_eq!(e.exit_code(), 2);
    let e = check_state(
        &HoldState {
            memory_bytes: 99,
            ..ok
        },
        &cfg,
        p,
    )
    .unwrap_err();
    assert!(e.to_string().contains("memory_bytes is 99"), "{e}");
}

#[test]
fn cpu_meter_sums_forward_steps_only() {
    let mut m = CpuMeter::new(1_000);
    assert_eq!(m.observe(1_500), 500);
    // A restored thread's clock starts lower: no step back, no stall.
    assert_eq!(m.observe(200), 500);
    assert_eq!(m.observe(700), 1_000);
}

#[test]
fn a_burst_uses_at_least_its_work_in_thread_cpu_time() {
    let h = HeldMemory::build(8 * PAGE as u64, 3).unwrap();
    let (sum, cpu) = burst(&h, 5_000_000).unwrap();
    assert_eq!(sum, h.checksum());
    assert!((5_000_000..1_000_000_000).contains(&cpu), "cpu_ns {cpu}");
}

#[test]
fn vm_rss_is_read_in_bytes() {
    let status = "Name:\tx\nVmHWM:\t  9 kB\nVmRSS:\t  1234 kB\n";
    assert_eq!(parse_vm_rss(status), Some(1234 * 1024));
    assert_eq!(parse_vm_rss("VmRSS: x kB\n"), None);
    assert_eq!(parse_vm_rss("Name: x\n"), None);
    assert!(resident_bytes().unwrap() > 0);
}

#[test]
fn atomic_writes_leave_no_temporary() {
    let d = tempfile::tempdir().unwrap();
    write_atomic(d.path(), "ready", b"one").unwrap();
    write_atomic(d.path(), "ready", b"two").unwrap();
    assert_eq!(fs::read(d.path().join("ready")).unwrap(), b"two");
    assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1);
}

#[test]
fn inputs_are_read_small_and_as_text() {
    let d = tempfile::tempdir().unwrap();
    assert_eq!(read_small(&d.path().join("none")).unwrap(), None);
    let big = d.path().join("big");
    fs::write(&big, vec![b'1'; MAX_INPUT_BYTES as usize + 1]).unwrap();
    let e = read_small(&big).unwrap_err();
    assert!(matches!(e, HoldError::Malformed { .. }) && e.to_string().contains("big"));
    let bin = d.path().join("bin");
    fs::write(&bin, [0xff, 0xfe]).unwrap();
    assert!(
        read_small(&bin)
            .unwrap_err()
            .to_string()
            .contains("not UTF-8")
    );
}

#[test]
fn a_missing_dir_is_named() {
    let cfg = HoldConfig {
        memory_bytes: 0,
        dir: PathBuf::from("/nonexistent-hold-dir/x"),
        seed: 1,
        resume: false,
    };
    let e = run(&cfg).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(
        e.to_string().contains("--dir /nonexistent-hold-dir/x"),
        "{e}"
    );
}
