//! # Ride hailing ("find a taxi"), Sec. IV-A2 of the paper
//!
//! Taxi drop-off points and times come from NYC TLC trip records (or a seeded synthetic stand-in);
//! for each ride request, the available taxi whose drop-off point is nearest **by shortest driving
//! distance on a street graph** is assigned, among taxis whose drop-off time is within 5 minutes
//! of the request. The taxi's position and free time are then updated with the trip's driving
//! time, and the shared state records the assignment so that no taxi is given to two riders at
//! once. Requests are queued and processed in batches.
//!
//! The files it reads (street networks, TLC trips, taxi zones) are read by `mlsim-datasets`;
//! [`geo`], [`trips`] and [`zones`] are re-exported from there.
//!
//! - [`graph`]: the street graph (CSR, both directions) and nearest-node lookup.
//! - [`dijkstra`]: one reverse Dijkstra per request with early exit once all candidates are
//!   settled.
//! - [`grid`]: the built-in documented Manhattan-like grid (no download needed).
//! - [`load`]: a street graph from a file (`.graphml`/`.osm.pbf`).
//! - [`place`]: uniform point placement in a taxi zone.
//! - [`workload`]: the [`Resumable`](crate::checkpoint::Resumable) ride-hailing program.

pub mod dijkstra;
mod error;
pub mod graph;
pub mod grid;
pub mod load;
pub mod place;
pub mod workload;

pub use mlsim_datasets::{geo, trips, zones};

pub use error::TaxiError;
pub use graph::StreetGraph;
pub use workload::{Assignment, Request, Taxi, TaxiConfig, TaxiInput, TaxiState, TaxiWorkload};
