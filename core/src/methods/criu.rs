//! CRIU: the tracker dumps the whole process (its resident memory) from outside, at any
//! instant (seed 001, Sec. IV-B); a restore on another BBU brings the process back.

use crate::method::{Captures, Dash, Look, MethodDef, Rgb};

/// Whole-process dumps (blue, dashed).
pub const DEF: MethodDef = MethodDef {
    name: "criu",
    aliases: &[],
    label: "CRIU",
    look: Look {
        line: Rgb(0, 114, 178),
        dash: Dash::Dashed,
        width: 2,
        bar: Rgb(0, 114, 178),
        box_fill: Rgb(0, 70, 115),
        box_edge: Rgb(0, 35, 60),
        box_median: Rgb(255, 255, 255),
    },
    cost_table: Some("criu"),
    captures: Captures::ProcessImage,
    restores_process: true,
    stops_at_safe_points: false,
    resumes_elsewhere: true,
    frees_memory: true,
};

#[cfg(test)]
mod tests {
    use crate::SimDuration;
    use crate::methods::named;
    use crate::scenario::{AppModel, SizeModel};

    fn app() -> AppModel {
        let size = |base| SizeModel {
            base,
            per_item: 0,
            max: base,
        };
        AppModel {
            name: "a".into(),
            item_label: "items".into(),
            item_time: crate::scenario::TimeDist::Constant(SimDuration::from_secs(1)),
            setup: None,
            segments: 1,
            shards: 1,
            join_time: SimDuration::ZERO,
            input_bytes_per_item: 0,
            first_item_extra_bytes: 0,
            output_bytes_per_item: 0,
            state: size(10),
            state_compression: 0.5,
            rss: size(1000),
            setup_rss: Some(5000),
            image_compression: 0.25,
            size_cv: 0.0,
        }
    }

    /// CRIU and Docker capture the process image (rss 1000 B, ratio 0.25), μλ and long-running
    /// the state (10 B, 0.5); during the set-up only a whole-process method captures
    /// `setup_rss` (5000 B).
    #[test]
    fn each_method_captures_what_it_should() {
        let a = app();
        let (mu, criu, docker, long) = (
            named("microlambda").def(),
            named("criu").def(),
            named("docker").def(),
            named("long_running").def(),
        );
        assert_eq!(criu.captured(&a).0.at(3), 1000);
        assert_eq!(criu.captured(&a).1, 0.25);
        assert_eq!(docker.captured(&a), criu.captured(&a));
        assert_eq!(mu.captured(&a).0.at(3), 10);
        assert_eq!(mu.captured(&a).1, 0.5);
        assert_eq!(long.captured(&a), mu.captured(&a));
        assert_eq!(criu.captured_bytes(&a, 0, true), 5000);
        assert_eq!(docker.captured_bytes(&a, 0, true), 5000);
        assert_eq!(criu.captured_bytes(&a, 0, false), 1000);
        assert_eq!(mu.captured_bytes(&a, 0, true), 10);
        assert!(mu.stops_at_safe_points() && !criu.stops_at_safe_points());
        assert!(criu.restores_process() && docker.restores_process() && !mu.restores_process());
        assert!(!docker.stops_at_safe_points());
        assert!(mu.resumes_elsewhere() && criu.resumes_elsewhere() && docker.resumes_elsewhere());
    }
}
