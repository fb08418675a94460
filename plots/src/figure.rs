//! The figures this crate draws, by name.

use std::fmt;

/// A figure: the paper's Section IV-C (Figs. 4–7) or the placement-policy study.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Figure {
    /// Fig. 4: checkpoint time box plots per app, μλ vs CRIU (from `checkpoints.csv`).
    Fig4,
    /// Fig. 5: checkpoint size box plots per app, μλ vs CRIU (from `checkpoints.csv`).
    Fig5,
    /// Fig. 6: mean execution time vs items, one panel per app (from `requests.csv`).
    Fig6,
    /// Fig. 7: mean network load vs items, one panel per app (from `requests.csv`).
    Fig7,
    /// Completion-time CDFs, one line per placement policy, one panel per method and r_limit
    /// (from `requests.csv` and `runs.csv`).
    Cdf,
    /// Placement-policy metrics as bar-chart small multiples (from `requests.csv`, `runs.csv`
    /// and `bbus.csv`).
    Policies,
    /// The suspend study: functions deployed and share of events served over device memory,
    /// one line per suspend method (from `memory.csv`, `events.csv` and `runs.csv`).
    SuspendFit,
    /// The suspend study: wake-latency CDFs, one panel per device memory, one line per suspend
    /// method (from `events.csv`, `memory.csv` and `runs.csv`).
    SuspendWake,
    /// The suspend study: memory-time, disk-time, bytes written, suspend and wake times and
    /// memory waits per method and device memory, as bars (from `memory.csv`, `functions.csv`
    /// and `runs.csv`).
    SuspendCost,
    /// The serverless study: idle memory-time of warm instances against the 99th-percentile
    /// start delay, one marker per sweep point, one panel per scenario (from `summary.csv`).
    ServerlessTradeoff,
    /// The serverless study: the share of invocations that waited for a cold start per policy,
    /// as bars grouped by scenario (from `summary.csv`).
    ServerlessCold,
}

impl Figure {
    /// Every figure: the paper's in paper order, then the policy study's, the suspend study's
    /// and the serverless study's.
    pub const ALL: [Figure; 11] = [
        Figure::Fig4,
        Figure::Fig5,
        Figure::Fig6,
        Figure::Fig7,
        Figure::Cdf,
        Figure::Policies,
        Figure::SuspendFit,
        Figure::SuspendWake,
        Figure::SuspendCost,
        Figure::ServerlessTradeoff,
        Figure::ServerlessCold,
    ];

    /// The figure called `s` (`fig4` ... `fig7`, `cdf`, `policies`, `suspend-fit`,
    /// `suspend-wake`, `suspend-cost`, `serverless-tradeoff`, `serverless-cold`; case and
    /// surrounding space ignored).
    pub fn from_name(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(s))
    }

    /// The figure's name, also the stem of its output files (`fig4` → `fig4.svg`, `fig4.png`).
    pub fn name(&self) -> &'static str {
        match self {
            Figure::Fig4 => "fig4",
            Figure::Fig5 => "fig5",
            Figure::Fig6 => "fig6",
            Figure::Fig7 => "fig7",
            Figure::Cdf => "cdf",
            Figure::Policies => "policies",
            Figure::SuspendFit => "suspend-fit",
            Figure::SuspendWake => "suspend-wake",
            Figure::SuspendCost => "suspend-cost",
            Figure::ServerlessTradeoff => "serverless-tradeoff",
            Figure::ServerlessCold => "serverless-cold",
        }
    }

    /// The title drawn at the top of the figure.
    pub fn title(&self) -> &'static str {
        match self {
            Figure::Fig4 => "Checkpoint time",
            Figure::Fig5 => "Checkpoint size",
            Figure::Fig6 => "Execution time",
            Figure::Fig7 => "Network load",
            Figure::Cdf => "Completion time by placement policy",
            Figure::Policies => "Placement policies",
            Figure::SuspendFit => "Functions that fit in device memory",
            Figure::SuspendWake => "Wake latency",
            Figure::SuspendCost => "Cost of suspending",
            Figure::ServerlessTradeoff => "Idle memory against start delay",
            Figure::ServerlessCold => "Cold starts",
        }
    }

    /// The main CSV of a result folder the figure is drawn from.
    pub fn input(&self) -> &'static str {
        self.inputs()[0]
    }

    /// Every CSV of a result folder the figure reads, the main one first.
    pub fn inputs(&self) -> &'static [&'static str] {
        match self {
            Figure::Fig4 | Figure::Fig5 => &["checkpoints.csv"],
            Figure::Fig6 | Figure::Fig7 => &["requests.csv"],
            Figure::Cdf => &["requests.csv", "runs.csv"],
            Figure::Policies => &["requests.csv", "runs.csv", "bbus.csv"],
            Figure::SuspendFit => &["memory.csv", "events.csv", "runs.csv"],
            Figure::SuspendWake => &["events.csv", "memory.csv", "runs.csv"],
            Figure::SuspendCost => &["memory.csv", "functions.csv", "runs.csv"],
            Figure::ServerlessTradeoff | Figure::ServerlessCold => &["summary.csv"],
        }
    }

    /// Size of the figure \[px\]: (width, height). The policy figures, `suspend-wake`,
    /// `suspend-cost` and the serverless figures grow with their number of panels or groups;
    /// this is their size for a typical study (the serverless ones: two scenarios of the six
    /// policies).
    pub fn size(&self) -> (u32, u32) {
        match self {
            Figure::Fig4 | Figure::Fig5 => (900, 600),
            Figure::Fig6 | Figure::Fig7 => (1600, 600),
            Figure::Cdf => (1400, 560),
            Figure::Policies => (1800, 1250),
            Figure::SuspendFit => (1500, 620),
            Figure::SuspendWake => (1990, 560),
            Figure::SuspendCost => (1800, 900),
            Figure::ServerlessTradeoff => (1380, 575),
            Figure::ServerlessCold => (900, 600),
        }
    }
}

impl fmt::Display for Figure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for fig in Figure::ALL {
            assert_eq!(Figure::from_name(fig.name()), Some(fig));
        }
        assert_eq!(Figure::from_name(" FIG6 "), Some(Figure::Fig6));
        assert_eq!(Figure::from_name("policies"), Some(Figure::Policies));
        assert_eq!(Figure::Cdf.inputs(), ["requests.csv", "runs.csv"]);
        assert_eq!(Figure::from_name("Suspend-Wake"), Some(Figure::SuspendWake));
        assert_eq!(Figure::SuspendCost.input(), "memory.csv");
        assert_eq!(
            Figure::from_name("serverless-tradeoff"),
            Some(Figure::ServerlessTradeoff)
        );
        assert_eq!(Figure::ServerlessCold.inputs(), ["summary.csv"]);
        assert_eq!(Figure::ALL.last(), Some(&Figure::ServerlessCold));
        assert_eq!(Figure::from_name("fig8"), None);
        assert_eq!(Figure::from_name(""), None);
    }
}
