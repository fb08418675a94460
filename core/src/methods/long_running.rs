//! Long-running: no runtime limit and no checkpoints (the paper's baseline).

use crate::method::{Captures, Dash, Look, MethodDef, Rgb};

/// Never checkpoints.
pub const DEF: MethodDef = MethodDef {
    name: "long_running",
    aliases: &[],
    label: "long-running",
    look: Look {
        line: Rgb(0, 0, 0),
        dash: Dash::Solid,
        width: 2,
        bar: Rgb(70, 70, 70),
        box_fill: Rgb(70, 70, 70),
        box_edge: Rgb(0, 0, 0),
        box_median: Rgb(255, 255, 255),
    },
    cost_table: None,
    captures: Captures::Nothing,
    restores_process: false,
    stops_at_safe_points: false,
    resumes_elsewhere: false,
    frees_memory: false,
};
