//! Record assembly: the `runs.csv` row of one run, whatever backend ran it.

use crate::spec::RunPlan;
use mlsim_core::backend::RunKind;
use mlsim_core::record::RunRecord;
use mlsim_core::scenario::Scenario;

/// The `runs.csv` row of run `plan` of `sc` at a point with swept values `params`. A mixed
/// workload's app is its apps joined by `+`; its `items` is empty
/// (the folder's `items_<app>` columns give them per class). A serverless run leaves app,
/// method, placement and items empty: they are the protocol's.
pub fn run_record(
    kind: RunKind,
    plan: &RunPlan,
    params: &[(String, String)],
    sc: &Scenario,
    status: String,
    events: u64,
) -> RunRecord {
    if kind == RunKind::Serverless {
        // The protocol's app, method, placement, r_limit and items do not apply to the
        // serverless study (its functions, policy and swept keys are its own columns): empty
        // (r_limit_s `inf`, no limit), not the protocol defaults.
        return RunRecord {
            run: plan.run,
            point: plan.point,
            replication: plan.replication,
            seed: plan.seed,
            r_limit_s: None,
            items: None,
            params: params_text(params),
            status,
            events,
            ..RunRecord::default()
        };
    }
    RunRecord {
        run: plan.run,
        point: plan.point,
        replication: plan.replication,
        seed: plan.seed,
        app: sc
            .workloads
            .iter()
            .map(|w| w.app.name.as_str())
            .collect::<Vec<_>>()
            .join("+"),
        method: sc.checkpoint.method.name().into(),
        placement: sc.placement.name().into(),
        r_limit_s: sc.checkpoint.r_limit.map(|d| d.as_secs_f64()),
        items: (sc.workloads.len() == 1).then(|| sc.workloads[0].items),
        params: params_text(params),
        status,
        events,
    }
}

/// The swept values as `runs.csv`'s `params` packs them: `key=value` joined by `;`.
fn params_text(params: &[(String, String)]) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(";")
}
