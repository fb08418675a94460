//! Pause: `docker pause` freezes the function's container (the cgroup freezer) while it blocks,
//! and `docker unpause` thaws it when its next event comes (seed 000, Karhula et al.,
//! EdgeSys'19). Nothing is written and nothing moves: the frozen processes keep all their
//! memory, so a paused function still counts against the BBU's memory, and it can only resume
//! where it is. Its cost table holds the pause time (`checkpoint`) and the unpause time
//! (`restore`), measured by `mlsim emu checkpoints --methods pause`; they do not grow with the
//! memory held (`per_mib_ms = 0` unless a measurement says otherwise).
//!
//! Pause is a way to suspend a blocked function in the suspend study (`kind = "suspend"`); it
//! cannot vacate a BBU for C-RAN (the process stays), so protocol runs refuse it.

use crate::method::{Captures, Dash, Look, MethodDef, Rgb};

/// Frozen in place (orange, dotted).
pub const DEF: MethodDef = MethodDef {
    name: "pause",
    aliases: &["docker_pause"],
    label: "pause",
    look: Look {
        line: Rgb(230, 159, 0),
        dash: Dash::Dotted,
        width: 2,
        bar: Rgb(230, 159, 0),
        box_fill: Rgb(180, 120, 0),
        box_edge: Rgb(100, 65, 0),
        box_median: Rgb(255, 255, 255),
    },
    cost_table: Some("pause"),
    captures: Captures::FrozenInPlace,
    restores_process: true,
    stops_at_safe_points: false,
    resumes_elsewhere: false,
    frees_memory: false,
};

#[cfg(test)]
mod tests {
    use crate::methods::named;

    /// A pause keeps the memory and the place; the checkpoint methods free the memory and can
    /// move; long-running never suspends.
    #[test]
    fn a_pause_keeps_memory_and_place() {
        let p = named("pause").def();
        assert!(!p.frees_memory() && !p.resumes_elsewhere() && p.checkpoints());
        assert_eq!(named("docker_pause"), named("pause"));
        for m in ["criu", "docker", "microlambda"] {
            let d = named(m).def();
            assert!(d.frees_memory() && d.resumes_elsewhere(), "{m}");
        }
        assert!(!named("long_running").def().frees_memory());
    }
}
