//! Docker: the tracker checkpoints the whole workload *container* (`docker checkpoint create`,
//! CRIU underneath) and a new container on the next BBU starts from it
//! (`docker start --checkpoint`). Like CRIU it captures the resident memory at any instant and
//! brings back the whole process; its cost model is its own (dockerd and containerd add a
//! fixed cost and a slower per-MiB path than a native CRIU dump, see `mlsim emu checkpoints`).

use crate::method::{Captures, Dash, Look, MethodDef, Rgb};

/// Whole-container checkpoints (green, dashed).
pub const DEF: MethodDef = MethodDef {
    name: "docker",
    aliases: &[],
    label: "Docker",
    look: Look {
        line: Rgb(0, 158, 115),
        dash: Dash::Dashed,
        width: 2,
        bar: Rgb(0, 158, 115),
        box_fill: Rgb(0, 100, 75),
        box_edge: Rgb(0, 50, 35),
        box_median: Rgb(255, 255, 255),
    },
    cost_table: Some("docker"),
    captures: Captures::ContainerImage,
    restores_process: true,
    stops_at_safe_points: false,
    resumes_elsewhere: true,
    frees_memory: true,
};
