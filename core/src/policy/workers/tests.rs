use super::*;
use crate::policies::{ForecastAware, LeastLoaded, Nearest, TransferAware};
use crate::policy::{Placement, PlacementView};
use crate::rng::RngStreams;
use crate::time::SimTime;
use proptest::prelude::*;

fn w(b: u32, cores: u32, speed: f64, running: u32, queued: u32, cran: u32) -> WorkerView {
    WorkerView {
        bbu: BbuId(b),
        free_cores: rules::offered_cores(cores, cran, 0, running),
        running,
        queued,
        speed,
        cores,
        cran_cores: cran,
        ..Default::default()
    }
}

#[test]
fn walks_by_spare_then_speed_then_index_and_follows_updates() {
    // Spare = cores − C-RAN − running − queued (free cores at least 0):
    //   BBU 1: 4 − 1 − 0 − 0 = 3, speed 1;   BBU 2: 4 − 0 − 1 − 0 = 3, speed 2;
    //   BBU 5: 8 − 2 − 6 − 3 = −3, speed 1;  BBU 7: 4 − 1 − 0 − 0 = 3, speed 1.
    let ws = [
        w(1, 4, 1.0, 0, 0, 1),
        w(2, 4, 2.0, 1, 0, 0),
        w(5, 8, 1.0, 6, 3, 2),
        w(7, 4, 1.0, 0, 0, 1),
    ];
    let mut x = Workers::from_views(&ws);
    x.check();
    let order: Vec<(i64, u32)> = x.by_spare().map(|(s, p)| (s, ws[p].bbu.0)).collect();
    // Spare 3: the faster BBU 2 first, then 1 and 7 by index; then BBU 5 at −3.
    assert_eq!(order, vec![(3, 2), (3, 1), (3, 7), (-3, 5)]);
    assert_eq!(x.top_spare(), Some(3));
    // BBU 5's queue drains and C-RAN leaves it: 8 − 0 − 6 − 0 = 2. BBU 2 gets 3 more running:
    // 4 − 0 − 4 = 0.
    x.update(
        BbuId(5),
        WorkerState {
            running: 6,
            ..Default::default()
        },
    );
    x.update(
        BbuId(2),
        WorkerState {
            running: 4,
            ..Default::default()
        },
    );
    x.check();
    let order: Vec<(i64, u32)> = x.by_spare().map(|(s, p)| (s, ws[p].bbu.0)).collect();
    assert_eq!(order, vec![(3, 1), (3, 7), (2, 5), (0, 2)]);
    let same: Vec<usize> = x.with_spare(3).collect();
    assert_eq!(same, vec![0, 3]);
    // A BBU that is not a worker is ignored.
    x.update(
        BbuId(3),
        WorkerState {
            running: 9,
            ..Default::default()
        },
    );
    x.check();
    assert_eq!(x.position(BbuId(3)), None);
    // Warmth is per app.
    x.set_warm(BbuId(7), 2, true);
    assert!(x.warm(3, 2) && !x.warm(3, 0) && !x.warm(0, 2));
}

#[test]
fn least_loaded_prefers_a_warm_worker_behind_a_cold_one_of_equal_spare_and_speed() {
    // BBUs 1 and 2 both have 3 spare cores at speed 1; only BBU 2 is warm. The walk meets BBU 1
    // first; its bound (3, 1, warm, 1) still beats nothing, so BBU 2 is looked at and wins.
    let mut a = w(1, 4, 1.0, 1, 0, 0);
    let mut b = w(2, 4, 1.0, 1, 0, 0);
    a.warm = false;
    b.warm = true;
    let ws = [a, b];
    let index = Workers::from_views(&ws);
    let view = PlacementView {
        workers: &index,
        ..PlacementView::empty()
    };
    let mut rng = RngStreams::new(1).stream("p");
    assert_eq!(LeastLoaded.place(&view, &mut rng), BbuId(2));
    assert_eq!(LeastLoaded.scan(&view), Some(BbuId(2)));
}

/// One worker's generated attributes: cores, speed, running, queued, C-RAN, announced, warm,
/// latency.
type Gen = (u32, u8, u32, u32, u32, u32, bool, u8);

fn views(g: &[Gen]) -> Vec<WorkerView> {
    g.iter()
        .enumerate()
        .map(|(i, &(cores, sp, running, queued, cran, ann, warm, lat))| {
            let cran = cran.min(cores);
            let ann = ann.min(cores);
            WorkerView {
                bbu: BbuId(2 * i as u32 + 1),
                free_cores: rules::offered_cores(cores, cran, ann, running),
                running,
                queued,
                warm,
                speed: [0.8, 1.0, 1.25, 1.5][sp as usize % 4],
                cores,
                cran_cores: cran,
                announced_cran_cores: ann,
                load: f64::from(cran) / f64::from(cores),
                latency_ns: u64::from(lat % 4) * 1_000_000,
                bandwidth_bps: if lat % 2 == 0 { 1e9 } else { 1e8 },
            }
        })
        .collect()
}

fn gen_worker() -> impl Strategy<Value = Gen> {
    (
        1u32..=8,
        0u8..4,
        0u32..10,
        0u32..6,
        0u32..9,
        0u32..9,
        any::<bool>(),
        0u8..4,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// After any sequence of state changes, the index walks the workers in the order a sort
    /// gives, and every indexed policy chooses what a scan of all workers chooses.
    #[test]
    fn index_and_scans_agree(
        start in prop::collection::vec(gen_worker(), 1..140),
        changes in prop::collection::vec((0usize..140, gen_worker()), 0..60),
        work_s in 0u64..400,
        payload in prop::sample::select(vec![0u64, 1_000, 100_000, 10_000_000]),
        previous in 0usize..160,
        loads in prop::collection::vec((0usize..140, 0u64..30, 0.0f64..1.0), 0..80),
    ) {
        let mut ws = views(&start);
        let mut index = Workers::from_views(&ws);
        let mut fa = ForecastAware::new(0.5, 0.3, 120.0);
        let mut sorted_loads = loads.clone();
        sorted_loads.sort_by_key(|l| l.1);
        // Samples up to 40 s, each told at its time or up to 20 s ahead of it (as the
        // simulator tells the samples it skips); decisions at 30 s.
        for (k, (i, t, l)) in sorted_loads.into_iter().enumerate() {
            let at = SimTime(t * 1_000_000_000 + (k as u64 % 3) * 5_000_000_000);
            let told = SimTime(at.0.saturating_sub((k as u64 % 5) * 5_000_000_000));
            fa.observe_load(ws[i % ws.len()].bbu, told, at, l);
        }
        let mut rng = RngStreams::new(3).stream("p");
        for step in 0..=changes.len() {
            index.check();
            let mut want: Vec<(i64, u64, u32)> = ws
                .iter()
                .map(|w| (
                    -(i64::from(w.free_cores) - i64::from(w.queued)),
                    u64::MAX - w.speed.to_bits(),
                    w.bbu.0,
                ))
                .collect();
            want.sort();
            let got: Vec<(i64, u64, u32)> = index
                .by_spare()
                .map(|(s, p)| (-s, u64::MAX - ws[p].speed.to_bits(), ws[p].bbu.0))
                .collect();
            prop_assert_eq!(got, want);
            let view = PlacementView {
                workers: &index,
                now: SimTime(30_000_000_000),
                remaining_work_ns: work_s * 1_000_000_000,
                payload_bytes: payload,
                previous: ws.get(previous).map(|w| w.bbu),
                ..PlacementView::empty()
            };
            for (i, v) in view.iter().enumerate() {
                prop_assert_eq!(v, ws[i]);
            }
            prop_assert_eq!(Some(fa.place(&view, &mut rng)), fa.scan(&view));
            prop_assert_eq!(Some(LeastLoaded.place(&view, &mut rng)), LeastLoaded.scan(&view));
            prop_assert_eq!(Some(Nearest.place(&view, &mut rng)), Nearest.scan(&view));
            prop_assert_eq!(
                Some(TransferAware.place(&view, &mut rng)),
                TransferAware.scan(&view)
            );
            if let Some((i, g)) = changes.get(step) {
                let i = i % ws.len();
                let mut nv = views(&[*g])[0];
                nv.bbu = ws[i].bbu;
                nv.speed = ws[i].speed;
                nv.cores = ws[i].cores;
                nv.latency_ns = ws[i].latency_ns;
                nv.bandwidth_bps = ws[i].bandwidth_bps;
                nv.cran_cores = nv.cran_cores.min(nv.cores);
                nv.announced_cran_cores = nv.announced_cran_cores.min(nv.cores);
                nv.free_cores = rules::offered_cores(
                    nv.cores, nv.cran_cores, nv.announced_cran_cores, nv.running,
                );
                ws[i] = nv;
                index.update(nv.bbu, WorkerState::of(&nv));
                index.set_warm(nv.bbu, 0, nv.warm);
            }
        }
    }
}
