//! The one error type of the crate: every failure names the file or figure it concerns.

use std::path::PathBuf;

/// Why a figure could not be drawn or written.
///
/// Every variant names the file or the figure concerned, and says what is wrong, so that the
/// CLI can print it as is.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// An input CSV the figure needs is not in the result folder.
    #[error("{}: not found; {figure} needs it (does the result folder come from an experiment that writes it?)", path.display())]
    MissingCsv {
        /// The CSV that was looked for.
        path: PathBuf,
        /// The figure that needs it (`fig4`, ...).
        figure: &'static str,
    },
    /// An input file exists but could not be read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A row of an input CSV does not fit the record schema.
    #[error("{}:{line}: malformed row: {message}", path.display())]
    MalformedRow {
        /// The CSV file.
        path: PathBuf,
        /// 1-based line number of the row in the file (the header is line 1).
        line: u64,
        /// What is wrong with it (column and reason where known).
        message: String,
    },
    /// An input CSV lacks columns the figure reads (e.g. the `summary.csv` of a study other
    /// than the one the figure is of).
    #[error("{}: no column {}; {figure} needs the summary.csv of a serverless study (experiment kind \"serverless\")", path.display(), columns.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", "))]
    MissingColumns {
        /// The CSV file.
        path: PathBuf,
        /// The figure (`serverless-tradeoff`, ...).
        figure: &'static str,
        /// The columns it lacks, in the order the figure reads them (boxed: errors stay small).
        columns: Box<[String]>,
    },
    /// The records hold nothing this figure can show.
    #[error("{figure}: no data to draw: {reason}")]
    NoData {
        /// The figure (`fig4`, ...).
        figure: &'static str,
        /// What was missing.
        reason: String,
    },
    /// The chart library failed while drawing.
    #[error("{figure}: drawing failed: {message}")]
    Draw {
        /// The figure.
        figure: &'static str,
        /// The library's message.
        message: String,
    },
    /// The figure cannot be laid out at the print size asked for with legible text.
    #[error(
        "{figure} cannot be drawn {size}: its panels need a layout at least {min_px} px wide, where its tick labels would print at {label_pt:.1} pt (under the {min_pt} pt kept); use --figure-size two-column (or screen) for it"
    )]
    TooNarrow {
        /// The figure.
        figure: &'static str,
        /// The print size asked for (`one-column`).
        size: &'static str,
        /// The narrowest layout of its panels \[px\].
        min_px: u32,
        /// The printed size of its tick labels at that width \[pt\].
        label_pt: f64,
        /// The smallest printed label size kept \[pt\].
        min_pt: f64,
    },
    /// At the print size asked for, the figure's panels stack taller than a page.
    #[error(
        "{figure} cannot be drawn {size}: its panels, stacked to fit the width, would print {height_pt:.0} pt high (a page's text is {max_pt:.0} pt); use --figure-size two-column (or screen) for it"
    )]
    TooTall {
        /// The figure.
        figure: &'static str,
        /// The print size asked for (`one-column`).
        size: &'static str,
        /// Its printed height \[pt\].
        height_pt: f64,
        /// The tallest printed figure \[pt\].
        max_pt: f64,
    },
    /// The SVG could not be rasterised to PNG.
    #[error("{figure}: cannot render the PNG: {message}")]
    Raster {
        /// The figure.
        figure: &'static str,
        /// What went wrong.
        message: String,
    },
    /// An output file could not be written.
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        /// The file that was being written.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
}

impl PlotError {
    /// Wraps a chart library error for `figure`.
    pub(crate) fn draw(figure: &'static str, err: impl std::fmt::Display) -> Self {
        Self::Draw {
            figure,
            message: err.to_string(),
        }
    }

    /// A [`PlotError::NoData`] for `figure`.
    pub(crate) fn no_data(figure: &'static str, reason: impl Into<String>) -> Self {
        Self::NoData {
            figure,
            reason: reason.into(),
        }
    }
}
