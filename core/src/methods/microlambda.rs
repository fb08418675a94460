//! MicroLambda (μλ): the timeout tracker injects a checkpoint that runs at the next safe point
//! and serialises only the program state (seed 001, Sec. III-C); a continuation on any BBU
//! starts the program again from that state.

use crate::method::{Captures, Dash, Look, MethodDef, Rgb};

/// Program-state checkpoints at safe points (red, dotted).
pub const DEF: MethodDef = MethodDef {
    name: "microlambda",
    aliases: &["mulambda", "μλ"],
    label: "μλ",
    look: Look {
        line: Rgb(213, 94, 0),
        dash: Dash::Dotted,
        width: 3,
        bar: Rgb(213, 94, 0),
        box_fill: Rgb(242, 180, 140),
        box_edge: Rgb(140, 60, 0),
        box_median: Rgb(140, 60, 0),
    },
    cost_table: Some("microlambda"),
    captures: Captures::ProgramState,
    restores_process: false,
    stops_at_safe_points: true,
    resumes_elsewhere: true,
    frees_memory: true,
};
