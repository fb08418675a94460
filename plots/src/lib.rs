//! Figures from records.
