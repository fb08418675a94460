//! The real files the workloads read: the TLC sample, the pyhailing zones and the systole
//! recordings (installed by scripts/setup-workloads.sh), and the Midtown Manhattan GraphML of the
//! shared data folder. Each test skips loudly when its file is absent (fails under
//! `MLSIM_REQUIRE_DATA=1`).

use mlsim_datasets::data::{SYSTOLE_DIR, TAXI_ZONES, TLC_SAMPLE};
use mlsim_datasets::testing::{MIDTOWN_GRAPHML, data_file, shared_data};
use mlsim_datasets::{npy, read_street_network, read_trips_file, zones};

#[test]
fn tlc_sample_and_manhattan_zones() {
    let (Some(csv), Some(z)) = (data_file(TLC_SAMPLE), data_file(TAXI_ZONES)) else {
        return;
    };
    let t = read_trips_file(&csv).unwrap();
    // 10,000 rows; the few with a drop-off before the pick-up are skipped.
    assert_eq!(t.trips.len() as u64 + t.skipped, 10_000);
    assert!(t.trips.len() > 9_000, "{} trips", t.trips.len());
    let z = zones::read_zones(&z).unwrap();
    assert_eq!(z.by_id.len(), 61);
    // pyhailing's zones are in UTM 18N km, read as metres: Manhattan lies near 585 km E, 4,510 km N.
    let p = z.by_id.values().next().unwrap().parts[0].rings[0][0];
    assert!(
        (570_000.0..600_000.0).contains(&p.x) && (4_490_000.0..4_530_000.0).contains(&p.y),
        "{p:?}"
    );
}

#[test]
fn systole_recordings_are_two_equal_1000_hz_channels() {
    let Some(dir) = data_file(SYSTOLE_DIR) else {
        return;
    };
    let ecg = npy::read_npy_f64(&dir.join("Task1_ECG.npy")).unwrap();
    let rsp = npy::read_npy_f64(&dir.join("Task1_Respiration.npy")).unwrap();
    assert_eq!(ecg.len(), rsp.len());
    // 25.6 min at 1,000 Hz is about 1.5 million samples.
    assert!((1_400_000..1_700_000).contains(&ecg.len()), "{}", ecg.len());
    assert!(ecg.iter().chain(&rsp).all(|x| x.is_finite()));
}

#[test]
fn midtown_graphml_has_388_nodes_and_632_edges() {
    let Some(p) = shared_data(MIDTOWN_GRAPHML) else {
        return;
    };
    let g = read_street_network(&p).unwrap();
    assert_eq!((g.points.len(), g.edges.len()), (388, 632));
    let total: f64 = g.edges.iter().map(|e| e.2).sum();
    assert!(
        total > 50_000.0 && total < 200_000.0,
        "total street length {total} m"
    );
}
