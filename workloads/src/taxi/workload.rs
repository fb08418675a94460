//! The ride-hailing program: inputs, μλ state, and one request per safe point.
//!
//! Semantics (documented choices where the paper is silent):
//! - The **fleet** is a list of taxi drop-offs (node, time). The **requests** are ride requests
//!   (time, pick-up node, destination node), sorted by time.
//! - Requests are queued and processed in **batches** of [`TaxiConfig::batch_size`]: a batch is
//!   served when its last request has arrived, so every request of a batch is served at that
//!   time (the queueing delay the paper's batching implies). Within a batch, requests are served
//!   in arrival order, one per [`step`](crate::checkpoint::Resumable::step) (the safe points).
//! - A taxi is a **candidate** for a request at time *t* if its drop-off time is within
//!   [`TaxiConfig::window_s`] (5 min) of *t* and it is not serving another rider at the service
//!   time. Among candidates the nearest by **shortest driving distance to the rider** wins (one
//!   reverse Dijkstra from the rider's node, stopped once all candidates are settled); ties go
//!   to the lower taxi id. No candidate: the request is forwarded to the cloud (`taxi: None`).
//! - The chosen taxi drives to the rider and then to the destination at
//!   [`TaxiConfig::speed_mps`] (pyhailing's mean Manhattan taxi speed, 0.0063 km/s); its position
//!   becomes the destination, its free time the drop-off, and the state records the rider, so it
//!   is never given to two riders at once; after that drop-off it can be hailed again.

use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::dijkstra::Dijkstra;
use super::geo::Point;
use super::trips::TripRecord;
use super::zones::Zones;
use super::{StreetGraph, TaxiError};
use crate::checkpoint::{Resumable, Step};

/// Parameters of the ride-hailing program.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaxiConfig {
    /// Candidate window: drop-off within this of the request \[s\] (paper: 5 min).
    pub window_s: f64,
    /// Driving speed \[m/s\] (pyhailing `speeds.csv` mean, 0.0063 km/s ≈ 22.7 km/h).
    pub speed_mps: f64,
    /// Requests per batch.
    pub batch_size: u32,
}

impl Default for TaxiConfig {
    fn default() -> Self {
        Self {
            window_s: 300.0,
            speed_mps: 6.3,
            batch_size: 16,
        }
    }
}

/// A taxi: where and when it is (or will be) free. Part of the μλ state.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Taxi {
    /// Node of its (next) drop-off.
    pub node: u32,
    /// Time of its (next) drop-off \[s\].
    pub free_at_s: f64,
    /// The request it was last assigned to, if any.
    pub rider: Option<u32>,
}

/// A ride request (input, not state).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// Request id (index in time order).
    pub id: u32,
    /// Arrival time \[s\].
    pub t_s: f64,
    /// Pick-up node.
    pub node: u32,
    /// Destination node.
    pub dest: u32,
}

/// Everything ride hailing reads: the working set, rebuilt on resume.
#[derive(Debug, Clone)]
pub struct TaxiInput {
    /// The street graph (strongly connected).
    pub graph: StreetGraph,
    /// The initial fleet.
    pub fleet: Vec<Taxi>,
    /// Requests sorted by time.
    pub requests: Vec<Request>,
    /// Where the trips came from, for reports.
    pub source: String,
}

impl TaxiInput {
    /// A seeded synthetic input on `graph`: `taxis` drop-offs at uniform nodes and times in
    /// `[0, horizon_s)`, `requests` Poisson-like arrivals (uniform times, sorted) with uniform
    /// pick-up and destination nodes.
    pub fn synthetic(
        graph: StreetGraph,
        taxis: usize,
        requests: usize,
        horizon_s: f64,
        seed: u64,
    ) -> Result<Self, TaxiError> {
        if taxis == 0 || requests == 0 || horizon_s.is_nan() || horizon_s <= 0.0 {
            return Err(TaxiError::NoInput(
                "synthetic input needs taxis > 0, requests > 0 and a positive horizon".into(),
            ));
        }
        let graph = graph.largest_scc();
        let n = graph.node_count() as u32;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let fleet = (0..taxis)
            .map(|_| Taxi {
                node: rng.random_range(0..n),
                free_at_s: rng.random::<f64>() * horizon_s,
                rider: None,
            })
            .collect();
        let mut times: Vec<f64> = (0..requests)
            .map(|_| rng.random::<f64>() * horizon_s)
            .collect();
        times.sort_by(f64::total_cmp);
        let requests = times
            .into_iter()
            .enumerate()
            .map(|(i, t)| Request {
                id: i as u32,
                t_s: t,
                node: rng.random_range(0..n),
                dest: rng.random_range(0..n),
            })
            .collect();
        Ok(Self {
            graph,
            fleet,
            requests,
            source: format!("synthetic (seed {seed})"),
        })
    }

    /// Real input from TLC trips: even-numbered trips give the fleet (their drop-off zone and
    /// time), odd-numbered trips the requests (pick-up zone and time, drop-off zone as
    /// destination). Points are drawn uniformly inside the zone polygons (seeded) and snapped to
    /// the nearest graph node; points farther than `max_snap_m` from the graph, and zones not in
    /// `zones` (outside Manhattan for pyhailing), are dropped.
    pub fn from_trips(
        graph: StreetGraph,
        trips: &[TripRecord],
        zones: &Zones,
        max_snap_m: f64,
        seed: u64,
        source: &str,
    ) -> Result<Self, TaxiError> {
        let graph = graph.largest_scc();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let place = |zone: u16, rng: &mut rand_chacha::ChaCha8Rng| -> Option<u32> {
            let p: Point = super::place::sample_in(zones.by_id.get(&zone)?, rng)?;
            let (node, d) = graph.nearest_node(p);
            (d <= max_snap_m).then_some(node)
        };
        let mut fleet = Vec::new();
        let mut reqs = Vec::new();
        for (i, t) in trips.iter().enumerate() {
            if i % 2 == 0 {
                if let Some(node) = place(t.do_zone, &mut rng) {
                    fleet.push(Taxi {
                        node,
                        free_at_s: f64::from(t.dropoff_s),
                        rider: None,
                    });
                }
            } else if let (Some(a), Some(b)) =
                (place(t.pu_zone, &mut rng), place(t.do_zone, &mut rng))
            {
                reqs.push((f64::from(t.pickup_s), a, b));
            }
        }
        if fleet.is_empty() || reqs.is_empty() {
            return Err(TaxiError::NoInput(format!(
                "{} taxis and {} requests fall inside the street graph ({}); use a graph that covers the zones or a larger --max-snap-m",
                fleet.len(),
                reqs.len(),
                graph.source
            )));
        }
        reqs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let requests = reqs
            .into_iter()
            .enumerate()
            .map(|(i, (t, a, b))| Request {
                id: i as u32,
                t_s: t,
                node: a,
                dest: b,
            })
            .collect();
        Ok(Self {
            graph,
            fleet,
            requests,
            source: source.to_owned(),
        })
    }

    /// Keep only the first `n` requests.
    pub fn truncate_requests(&mut self, n: usize) {
        self.requests.truncate(n);
    }

    /// A fingerprint of the input (FNV-1a over sizes and requests), stored in the state so that
    /// resuming against different inputs is refused.
    pub fn fingerprint(&self) -> u64 {
        let mut h = mlsim_core::fnv::Fnv1a::new();
        let mut eat = |x: u64| {
            h.u64(x);
        };
        eat(self.graph.node_count() as u64);
        eat(self.graph.edge_count() as u64);
        eat(self.fleet.len() as u64);
        eat(self.requests.len() as u64);
        for r in &self.requests {
            eat(r.t_s.to_bits());
            eat(u64::from(r.node) << 32 | u64::from(r.dest));
        }
        h.finish()
    }
}

/// The μλ program state of ride hailing: the fleet as it evolves (positions, free times,
/// assignments) and the index of the next request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaxiState {
    /// Fingerprint of the input this state belongs to.
    pub input_fingerprint: u64,
    /// Next request to serve.
    pub next_request: u32,
    /// The fleet.
    pub taxis: Vec<Taxi>,
    /// Requests served by a taxi so far.
    pub served: u32,
}

/// The output for one request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    /// Request id.
    pub request: u32,
    /// Batch number.
    pub batch: u32,
    /// The taxi assigned, or `None` when no candidate can reach the rider (forward to cloud).
    pub taxi: Option<u32>,
    /// Number of candidate taxis considered.
    pub candidates: u32,
    /// Driving distance taxi → rider \[m\] (0 when unassigned).
    pub pickup_distance_m: f64,
    /// Driving distance rider → destination \[m\] (0 when unassigned).
    pub trip_distance_m: f64,
    /// When the taxi starts driving to the rider \[s\] (batch service time or its drop-off).
    pub start_s: f64,
    /// Arrival at the destination, the taxi's new free time \[s\].
    pub dropoff_s: f64,
}

/// The ride-hailing workload.
#[derive(Debug, Clone)]
pub struct TaxiWorkload {
    input: TaxiInput,
    config: TaxiConfig,
    state: TaxiState,
    dijkstra: Dijkstra,
    candidates: Vec<u32>,
    nodes: Vec<u32>,
}

impl TaxiWorkload {
    /// A workload at its start.
    pub fn new(input: TaxiInput, config: TaxiConfig) -> Result<Self, TaxiError> {
        // NaN speeds and windows are refused too.
        if config.batch_size == 0
            || config.speed_mps.is_nan()
            || config.speed_mps <= 0.0
            || config.window_s.is_nan()
            || config.window_s < 0.0
        {
            return Err(TaxiError::NoInput(
                "batch size and speed must be positive, window non-negative".into(),
            ));
        }
        let state = TaxiState {
            input_fingerprint: input.fingerprint(),
            next_request: 0,
            taxis: input.fleet.clone(),
            served: 0,
        };
        let dijkstra = Dijkstra::new(input.graph.node_count());
        Ok(Self {
            input,
            config,
            state,
            dijkstra,
            candidates: Vec::new(),
            nodes: Vec::new(),
        })
    }

    /// The input.
    pub fn input(&self) -> &TaxiInput {
        &self.input
    }

    fn service_time(&self, i: usize) -> f64 {
        let b = self.config.batch_size as usize;
        let last = ((i / b + 1) * b).min(self.input.requests.len()) - 1;
        self.input.requests[last].t_s
    }
}

impl Resumable for TaxiWorkload {
    const APP: &'static str = "taxi";
    type State = TaxiState;
    type Output = Assignment;
    type Error = TaxiError;

    fn step(&mut self) -> Result<Step<Assignment>, TaxiError> {
        let i = self.state.next_request as usize;
        let Some(&req) = self.input.requests.get(i) else {
            return Ok(Step::Done);
        };
        let ts = self.service_time(i);
        let window = self.config.window_s;
        self.candidates.clear();
        self.nodes.clear();
        for (k, t) in self.state.taxis.iter().enumerate() {
            let in_window = (t.free_at_s - req.t_s).abs() <= window;
            let not_busy = t.rider.is_none() || t.free_at_s <= ts;
            if in_window && not_busy {
                self.candidates.push(k as u32);
                self.nodes.push(t.node);
            }
        }
        let g = &self.input.graph;
        let dists = self
            .dijkstra
            .distances_to(&g.reverse, req.node, &self.nodes);
        let best = self
            .candidates
            .iter()
            .zip(&dists)
            .filter(|(_, d)| d.is_finite())
            .min_by(|a, b| a.1.total_cmp(b.1).then(a.0.cmp(b.0)))
            .map(|(&k, &d)| (k, d));
        let batch = (i / self.config.batch_size as usize) as u32;
        let out = match best {
            None => Assignment {
                request: req.id,
                batch,
                taxi: None,
                candidates: self.candidates.len() as u32,
                pickup_distance_m: 0.0,
                trip_distance_m: 0.0,
                start_s: ts,
                dropoff_s: ts,
            },
            Some((k, d_pick)) => {
                let d_trip = self.dijkstra.distance(&g.forward, req.node, req.dest);
                if !d_trip.is_finite() {
                    return Err(TaxiError::Graph(format!(
                        "destination node {} unreachable from {}",
                        req.dest, req.node
                    )));
                }
                let taxi = &mut self.state.taxis[k as usize];
                let start = ts.max(taxi.free_at_s);
                let dropoff = start + (d_pick + d_trip) / self.config.speed_mps;
                *taxi = Taxi {
                    node: req.dest,
                    free_at_s: dropoff,
                    rider: Some(req.id),
                };
                self.state.served += 1;
                Assignment {
                    request: req.id,
                    batch,
                    taxi: Some(k),
                    candidates: self.candidates.len() as u32,
                    pickup_distance_m: d_pick,
                    trip_distance_m: d_trip,
                    start_s: start,
                    dropoff_s: dropoff,
                }
            }
        };
        self.state.next_request += 1;
        Ok(Step::Item(out))
    }

    fn state(&self) -> &TaxiState {
        &self.state
    }

    fn restore(&mut self, state: TaxiState) -> Result<(), TaxiError> {
        if state.input_fingerprint != self.input.fingerprint() {
            return Err(TaxiError::StateMismatch(
                "the state was written for different trips, fleet or street graph".into(),
            ));
        }
        if state.taxis.len() != self.input.fleet.len()
            || state.next_request as usize > self.input.requests.len()
        {
            return Err(TaxiError::StateMismatch(format!(
                "{} taxis / request {} do not fit this input",
                state.taxis.len(),
                state.next_request
            )));
        }
        let n = self.input.graph.node_count() as u32;
        if state
            .taxis
            .iter()
            .any(|t| t.node >= n || !t.free_at_s.is_finite())
        {
            return Err(TaxiError::StateMismatch(
                "a taxi is outside the street graph".into(),
            ));
        }
        self.state = state;
        Ok(())
    }

    fn items_done(&self) -> Option<u64> {
        Some(u64::from(self.state.next_request))
    }
}
