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
        line: Rgb(214, 39, 40),
        dash: Dash::Dotted,
        width: 3,
        bar: Rgb(214, 39, 40),
        box_fill: Rgb(244, 143, 143),
        box_edge: Rgb(150, 30, 30),
        box_median: Rgb(150, 30, 30),
    },
    cost_table: Some("microlambda"),
    captures: Captures::ProgramState,
    restores_process: false,
    stops_at_safe_points: true,
    resumes_elsewhere: true,
    frees_memory: true,
};
