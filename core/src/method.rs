//! Checkpoint methods: how a task vacates a BBU, as one definition per method ([`MethodDef`],
//! one file each in [`crate::methods`], listed once in [`crate::methods::ALL`]).
//!
//! A definition is data: the spec and record name, the legend label, colours and line style,
//! the model file's cost table, what a checkpoint captures and what a restore brings back. The
//! spec reader, the calibration, the simulator, the emulation and the figures all read it, so a
//! new method (a pause, a suspend to disk, a layered container migration) is its own file plus
//! one entry in the registry, not a `match` in every crate.

use crate::scenario::{AppModel, SizeModel};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A colour as red, green and blue (0–255).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rgb(pub u8, pub u8, pub u8);

/// How a method's lines are stroked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dash {
    /// Continuous.
    Solid,
    /// Round dots.
    Dotted,
    /// Dashes.
    Dashed,
}

/// How the figures draw a method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Look {
    /// Colour of its lines and markers.
    pub line: Rgb,
    /// Stroke of its lines.
    pub dash: Dash,
    /// Width of its lines \[px\].
    pub width: u32,
    /// Base colour of its bars (several runtime limits get lighter shades of it).
    pub bar: Rgb,
    /// Fill of its (simulation) boxes.
    pub box_fill: Rgb,
    /// Edge of its (simulation) boxes.
    pub box_edge: Rgb,
    /// Median line of its (simulation) boxes.
    pub box_median: Rgb,
}

/// What a checkpoint captures, which decides its size and how the emulation performs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Captures {
    /// Nothing: the method never checkpoints.
    Nothing,
    /// The program state the program serialises itself (μλ), sized by
    /// [`AppModel::state`] and compressed by [`AppModel::state_compression`].
    ProgramState,
    /// The whole process image (its resident memory, CRIU), sized by [`AppModel::rss`] and
    /// compressed by [`AppModel::image_compression`].
    ProcessImage,
    /// The whole workload container (a process image inside a container runtime, Docker), sized
    /// as [`Captures::ProcessImage`].
    ContainerImage,
    /// Nothing written: the container's processes are frozen where they are (`docker pause`,
    /// the cgroup freezer) and keep all their memory; a resume thaws them on the same BBU.
    FrozenInPlace,
}

/// One checkpoint or vacate method. Built only by the method's own file in
/// [`crate::methods`]; read through the accessors.
#[derive(Debug, PartialEq, Eq)]
pub struct MethodDef {
    pub(crate) name: &'static str,
    pub(crate) aliases: &'static [&'static str],
    pub(crate) label: &'static str,
    pub(crate) look: Look,
    pub(crate) cost_table: Option<&'static str>,
    pub(crate) captures: Captures,
    pub(crate) restores_process: bool,
    pub(crate) stops_at_safe_points: bool,
    pub(crate) resumes_elsewhere: bool,
    pub(crate) frees_memory: bool,
}

impl MethodDef {
    /// The name used in specs, records and on the command line (`microlambda`).
    pub fn name(&self) -> &'static str {
        self.name
    }
    /// Other spellings accepted when reading (older sample files' `mulambda`); never written.
    pub fn aliases(&self) -> &'static [&'static str] {
        self.aliases
    }
    /// The name in figure legends and captions (`μλ`).
    pub fn label(&self) -> &'static str {
        self.label
    }
    /// Colours and line style in the figures.
    pub fn look(&self) -> &Look {
        &self.look
    }
    /// The key of its cost table in a model file (`[methods.<key>]`, with `checkpoint` and
    /// `restore`); `None` for a method that never checkpoints (no runtime limit applies).
    pub fn cost_table(&self) -> Option<&'static str> {
        self.cost_table
    }
    /// Whether the method checkpoints (and so takes a runtime limit and a cost model).
    pub fn checkpoints(&self) -> bool {
        self.cost_table.is_some()
    }
    /// What a checkpoint captures.
    pub fn captures(&self) -> Captures {
        self.captures
    }
    /// Whether a restore brings back the whole process (CRIU), so that a continuation skips the
    /// program's set-up ([`AppModel::setup`]); a state-only restore (μλ) starts the program
    /// again and pays it.
    pub fn restores_process(&self) -> bool {
        self.restores_process
    }
    /// Whether checkpointing can only begin at a safe point of the program (μλ: between
    /// interpreter-level steps, never inside a native call) rather than at any instant (CRIU).
    pub fn stops_at_safe_points(&self) -> bool {
        self.stops_at_safe_points
    }
    /// Whether a continuation can run on another BBU than the one that checkpointed (a
    /// migration); `false` for a method that can only resume where it stopped (a pause).
    pub fn resumes_elsewhere(&self) -> bool {
        self.resumes_elsewhere
    }
    /// Whether a suspended function's resident memory is released once the suspend is done
    /// (a checkpoint to disk: CRIU, Docker, μλ) or kept for as long as it is suspended (a
    /// pause). Read by the suspend study (seed 000); `false` for a method that never suspends.
    pub fn frees_memory(&self) -> bool {
        self.frees_memory
    }
    /// What a checkpoint captures of `app`: its size as progress goes (raw bytes) and the
    /// compressed/raw ratio of what is stored.
    pub fn captured(&self, app: &AppModel) -> (SizeModel, f64) {
        match self.captures {
            Captures::Nothing | Captures::ProgramState | Captures::FrozenInPlace => {
                (app.state, app.state_compression)
            }
            Captures::ProcessImage | Captures::ContainerImage => (app.rss, app.image_compression),
        }
    }
    /// Raw bytes a checkpoint captures after `items_done` items; `in_setup`: taken during the
    /// program's set-up (only a whole-process method can dump then), which captures
    /// [`AppModel::setup_rss`] when the model gives it.
    pub fn captured_bytes(&self, app: &AppModel, items_done: u32, in_setup: bool) -> u64 {
        match app.setup_rss {
            Some(bytes) if in_setup && self.restores_process => bytes,
            _ => self.captured(app).0.at(items_done),
        }
    }
    /// Its handle (position in [`crate::methods::ALL`]).
    pub fn id(&self) -> MethodId {
        crate::methods::ALL
            .iter()
            .position(|d| d.name == self.name)
            .map_or(MethodId(0), |i| MethodId(i as u8))
    }
}

/// A method by its position in [`crate::methods::ALL`]: cheap to copy, compare and hash, and
/// ordered as the figures order methods (the registry's order). Serialized as its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MethodId(u8);

impl MethodId {
    /// The method named `s` (its name or an alias), if any.
    pub fn parse(s: &str) -> Option<MethodId> {
        crate::methods::ALL
            .iter()
            .position(|d| d.name == s || d.aliases.contains(&s))
            .map(|i| MethodId(i as u8))
    }
    /// Its definition.
    pub fn def(self) -> &'static MethodDef {
        crate::methods::ALL[usize::from(self.0)]
    }
    /// Its name in specs and records.
    pub fn name(self) -> &'static str {
        self.def().name
    }
    /// Its label in figure legends.
    pub fn label(self) -> &'static str {
        self.def().label
    }
    /// Every method, in registry (figure) order.
    pub fn all() -> impl Iterator<Item = MethodId> {
        (0..crate::methods::ALL.len()).map(|i| MethodId(i as u8))
    }
    /// Every method's name, in registry order, joined by `sep` (for error messages).
    pub fn names(sep: &str) -> String {
        let names: Vec<&str> = crate::methods::ALL.iter().map(|d| d.name).collect();
        names.join(sep)
    }
}

impl std::fmt::Display for MethodId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for MethodId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for MethodId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        MethodId::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown method {s:?} (one of {})",
                MethodId::names(", ")
            ))
        })
    }
}
