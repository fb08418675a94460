//! Figures from records: the paper's Figs. 4–7 and the placement-policy study's figures,
//! drawn from the CSVs of a result folder.
//!
//! This crate reads only the record schema of [`mlsim_core::record`] (never simulator or
//! emulator internals), so simulated and emulated results draw alike. Every figure is a pure
//! function from records to an SVG string ([`checkpoint_time_svg`], [`checkpoint_size_svg`],
//! [`execution_time_svg`], [`network_load_svg`]), which is what the tests snapshot; [`draw`]
//! adds the file layer: read the CSV, render SVG and PNG, write both atomically.
//!
//! - Fig. 4 / Fig. 5: box plots (median, quartiles, whiskers at 1.5 IQR, outliers) of
//!   checkpoint time \[ms\] / size \[bytes, decimal units\] per app, μλ (light red) beside CRIU
//!   (dark blue), log y axis.
//! - Fig. 6 / Fig. 7: one panel per app, mean execution time \[s\] / network load \[bytes\] of
//!   successful requests over items; long-running black solid, μλ red dotted, CRIU blue
//!   dashed, one marker per r_limit, 95 % confidence bars over replications (mean ± t(0.975, n − 1)·s/√n
//!   of the per-replication means, n ≥ 2 replications; [`mlsim_core::stats`]); when both
//!   sim and emu records are present, emu series have hollow markers and `(emu)` labels.
//! - `cdf` ([`completion_cdf_svg`]): completion-time CDFs, one panel per method and r_limit,
//!   one line per placement policy, log time axis \[s\].
//! - `policies` ([`policy_metrics_svg`]): the [`policy_rows`] comparison as bar-chart small
//!   multiples (mean, p95, p99 completion time with 95 % CIs across replications; misses, lost
//!   work, migrations, evictions, bytes per request; C-RAN waits per run).
//!
//! - `suspend-fit` ([`suspend_fit_svg`]), `suspend-wake` ([`suspend_wake_svg`]),
//!   `suspend-cost` ([`suspend_cost_svg`]): the suspend study (seed 000; `memory.csv`,
//!   `events.csv`, `functions.csv`), per suspend method and device memory: functions deployed
//!   and share of events served over memory ([`fit_points`]), wake-latency CDFs with unserved
//!   events in the denominator ([`wake_curves`]), and memory-time, disk-time, bytes written,
//!   suspend and wake times and memory waits as bars ([`cost_rows`]); means over replications
//!   with 95 % CIs.
//!
//! - `serverless-tradeoff` ([`serverless_tradeoff_svg`]), `serverless-cold`
//!   ([`serverless_cold_svg`]): the serverless study, from its `summary.csv`
//!   ([`read_serverless_summary`], [`ServerlessPoint`]), per keep-alive / prewarm policy
//!   (Okabe–Ito colours and a marker shape each) and scenario (the swept parameters other than
//!   the policy's): idle memory-time of warm instances \[GiB·s\] against the 99th-percentile
//!   start delay \[s\], one panel per scenario, and the share of invocations that waited for a
//!   cold start as bars grouped by scenario; 95 % CIs over replications.
//!
//! - `compare` ([`sim_emu_scatter_svg`], for `mlsim compare`): per grid point the simulator's
//!   mean execution time and network bytes over the emulation's, log-log, with y = x ± 5 %;
//!   and Figs. 4 and 5 with simulated and measured boxes side by side and the paper's reported
//!   bounds ([`checkpoint_time_compare_svg`], [`checkpoint_size_compare_svg`], [`PAPER_TIME_MS`]).
//!
//! Output is deterministic: the same records give byte-identical SVG. Charts are laid out by
//! plotters (SVG backend only) and the PNG is that SVG rasterised by resvg with an embedded
//! font, all pure Rust: no system libraries or fonts are needed.

#![warn(missing_docs)]

mod apps;
mod bars;
mod boxplot;
mod canvas;
mod cdf;
mod compare_scatter;
mod dash;
mod error;
mod figure;
mod font;
mod input;
mod legend;
mod linechart;
mod method;
mod output;
mod paper_ranges;
mod pdf;
mod policy_stats;
mod policy_style;
mod raster;
mod residuals;
mod scale;
mod series;
mod serverless_cold;
mod serverless_stats;
mod serverless_tradeoff;
mod size;
mod stats;
mod style;
mod suspend_cost;
mod suspend_fit;
mod suspend_stats;
mod suspend_wake;
mod units;

pub use bars::policy_metrics_svg;
pub use boxplot::{
    checkpoint_size_compare_svg, checkpoint_size_svg, checkpoint_time_compare_svg,
    checkpoint_time_svg,
};
pub use cdf::completion_cdf_svg;
pub use compare_scatter::{COMPARE_BAND, COMPARE_FIGURE, SimEmuPoint, sim_emu_scatter_svg};
pub use error::PlotError;
pub use figure::Figure;
pub use input::{
    RecordStream, read_bbus, read_checkpoints, read_events, read_functions, read_memory,
    read_requests, read_runs, read_serverless_summary, stream_requests,
};
pub use linechart::{execution_time_svg, network_load_svg};
pub use mlsim_core::stats::{RepCi, t975};
pub use output::{draw, svg_from_dir, svg_from_dir_at};
pub use paper_ranges::{PAPER_SIZE_BYTES, PAPER_TIME_MS, PaperBound, Relation};
pub use pdf::svg_to_pdf;
pub use policy_stats::{PolicyRow, placement_label, policy_rows};
pub use raster::svg_to_png;
pub use residuals::{ResidualPanel, residuals_svg, svg_png};
pub use serverless_cold::serverless_cold_svg;
pub use serverless_stats::{SERVERLESS_COLUMNS, ServerlessPoint};
pub use serverless_tradeoff::serverless_tradeoff_svg;
pub use size::{FigureSize, MIN_LABEL_PT, PRINT_DPI, max_layout_width, with_size};
pub use stats::BoxStats;
pub use suspend_cost::suspend_cost_svg;
pub use suspend_fit::suspend_fit_svg;
pub use suspend_stats::{CostRow, FitPoint, WakeCurve, cost_rows, fit_points, wake_curves};
pub use suspend_wake::suspend_wake_svg;
