//! The `parquet` feature of mlsim-workloads forwards to mlsim-datasets' Parquet reader: with it,
//! the binary reads `--trips FILE.parquet` (here a file that is not Parquet, so the reader's own
//! error shows); without it, the binary says which feature to enable. The reader itself is
//! tested in mlsim-datasets (`cargo test -p mlsim-datasets --features parquet`).

use std::process::Command;

fn run_with_parquet_trips() -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("yellow_tripdata_2024-01.parquet");
    std::fs::write(&p, "tpep_pickup_datetime\n").unwrap();
    let z = dir.path().join("zones.geojson");
    std::fs::write(&z, r#"{"features":[]}"#).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_mlsim-workload"))
        .args(["run", "taxi", "--output", "/dev/null", "--trips"])
        .arg(&p)
        .arg("--zones")
        .arg(&z)
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[cfg(feature = "parquet")]
#[test]
fn with_the_feature_the_binary_reads_parquet() {
    let (code, err) = run_with_parquet_trips();
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("yellow_tripdata_2024-01.parquet")
            && err.contains("not a readable Parquet file"),
        "{err}"
    );
}

#[cfg(not(feature = "parquet"))]
#[test]
fn without_the_feature_the_binary_says_how_to_enable_it() {
    let (code, err) = run_with_parquet_trips();
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--features parquet"), "{err}");
}
