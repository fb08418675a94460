//! # Ride hailing ("find a taxi"), Sec. IV-A2 of the paper
//!
//! Taxi drop-off points and times come from NYC TLC trip records (or a seeded synthetic stand-in);
//! for each ride request, the available taxi whose drop-off point is nearest **by shortest driving
//! distance on a street graph** is assigned, among taxis whose drop-off time is within 5 minutes
//! of the request. The taxi's position and free time are then updated with the trip's driving
//! time, and the shared state records the assignment so that no taxi is given to two riders at
//! once. Requests are queued and processed in batches.
//!
//! - [`geo`]: WGS 84 → UTM projection (metres), polygons and point-in-polygon.
//! - [`graph`]: the street graph (CSR, both directions) and nearest-node lookup.
//! - [`dijkstra`]: one reverse Dijkstra per request with early exit once all candidates are
//!   settled.
//! - [`grid`]: the built-in documented Manhattan-like grid (no download needed).
//! - [`graphml`]: OSMnx GraphML import (real city networks).
//! - [`pbf`]: OpenStreetMap `.osm.pbf` import (any city extract), with [`drive`] deciding which
//!   ways cars may drive and in which direction.
//! - [`trips`]: TLC trip CSV reader and the synthetic trip generator.
//! - `trips_parquet` (cargo feature `parquet`): TLC monthly Parquet files, into the same trips.
//! - [`load`]: picks the reader by file name (`.graphml`/`.osm.pbf`, `.csv`/`.parquet`).
//! - [`zones`]: TLC taxi-zone polygons (pyhailing GeoJSON) and point placement in them.
//! - [`workload`]: the [`Resumable`](crate::checkpoint::Resumable) ride-hailing program.

pub mod dijkstra;
pub mod drive;
mod error;
pub mod geo;
pub mod graph;
pub mod graphml;
pub mod grid;
pub mod load;
pub mod pbf;
pub mod trips;
#[cfg(feature = "parquet")]
pub mod trips_parquet;
pub mod workload;
pub mod zones;

pub use error::TaxiError;
pub use graph::StreetGraph;
pub use workload::{Assignment, Request, Taxi, TaxiConfig, TaxiInput, TaxiState, TaxiWorkload};
