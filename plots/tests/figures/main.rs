//! Integration tests of mlsim-plots: figures drawn from hand-made records, checked through
//! their SVG, their PNG and the files `draw` writes.

mod boxes;
mod common;
mod compare;
mod files;
mod lines;
mod png;
mod serverless;
mod sizes;
