//! M/M/c: Poisson arrivals, exponential service, long-running, no network cost, no C-RAN load.
//! The mean response time must match the Erlang-C value.

use crate::common::*;
use mlsim_core::SimDuration;
use mlsim_core::scenario::{Arrival, Method, TimeDist};

/// c = 2 cores, λ = 1.5/s, μ = 1/s: a = λ/μ = 1.5, ρ = a/c = 0.75.
/// Erlang C = (a^c/c!)/(1−ρ) / (Σ_{k<c} a^k/k! + (a^c/c!)/(1−ρ)) = 4.5 / (1 + 1.5 + 4.5) = 9/14.
/// W = C/(cμ − λ) + 1/μ = (9/14)/0.5 + 1 = 16/7 ≈ 2.285714 s.
///
/// 400 000 requests after a warm-up of 2 000, in 20 batches of 19 900: the batch means are close
/// to independent (each batch is ~13 000 s long against a relaxation time of seconds), so a t
/// interval over them is justified. t(0.9995, 19 df) = 3.883 gives a 99.9 % interval; the test
/// also checks that the interval is tight (< 4 % of W: M/M/1 or no queueing would be off by
/// far more), so it could fail.
#[test]
fn mean_response_time_matches_erlang_c() {
    let mut sc = oracle(Method::long_running(), None);
    sc.seed = 2024;
    let zero = link(SimDuration::ZERO, 1e12);
    sc.topology.radio = zero;
    sc.topology.wired = zero;
    sc.topology.local = zero;
    sc.topology.bbus[1].cores = 2;
    sc.protocol = mlsim_core::scenario::Protocol {
        header_bytes: 0,
        request_bytes: 0,
        notify_bytes: 0,
        install_bytes: 0,
        invoke_bytes: 0,
        cold_start: SimDuration::ZERO,
    };
    let app = &mut sc.workloads[0].app;
    app.input_bytes_per_item = 0;
    app.output_bytes_per_item = 0;
    app.item_time = TimeDist::Exponential(SimDuration::from_secs(1));
    sc.workloads[0].items = 1;
    sc.workloads[0].requests = 400_000;
    sc.workloads[0].arrival = Arrival::Poisson { rate_per_s: 1.5 };
    let r = run(&sc);
    assert!(r.requests.iter().all(|q| q.status == "ok"));
    let mut times: Vec<(u32, f64)> = r
        .requests
        .iter()
        .map(|q| (q.request, q.exec_time_s))
        .collect();
    times.sort_by_key(|t| t.0);
    let kept: Vec<f64> = times[2000..].iter().map(|t| t.1).collect();
    let batches = 20;
    let size = kept.len() / batches;
    let means: Vec<f64> = (0..batches)
        .map(|b| kept[b * size..(b + 1) * size].iter().sum::<f64>() / size as f64)
        .collect();
    let mean = means.iter().sum::<f64>() / batches as f64;
    let sd = (means.iter().map(|m| (m - mean).powi(2)).sum::<f64>() / (batches - 1) as f64).sqrt();
    let half = 3.883 * sd / (batches as f64).sqrt();
    let w = 16.0 / 7.0;
    assert!(half < 0.04 * w, "interval too wide to be a test: ±{half}");
    assert!(
        (mean - w).abs() <= half,
        "mean {mean} vs Erlang-C {w} (±{half})"
    );
}
