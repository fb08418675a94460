//! One shard of one window: the stress program split over several workers (the paper's
//! "parallelize the feature extraction in Step 1 among multiple Workers").
//!
//! Window `w`'s new stretch is cut into the stream-aligned pieces of
//! [`StressWorkload::pieces`]; shard `s` of `k` detects the events of the contiguous pieces
//! `⌊s·n/k⌋..⌊(s+1)·n/k⌋` and emits them as a [`ShardPart`] (one JSON line). Shard 0 then runs
//! the join: it waits for the other shards' parts (files `part-<s>.json` in its parts folder,
//! put there by whoever moves them, e.g. the emulation's worker from Redis), merges all pieces
//! in stream order into the carried [`StressState`] of window `w − 1` and computes the
//! features, the SVM decision and the state for window `w + 1` (written to the carry-out file).
//! Pieces are processed exactly as in the unsharded program, so the window's
//! [`StressOutput`] is the same, byte for byte.
//!
//! Safe points (μλ): after the detection, while shard 0 waits for parts (every
//! [`WAIT_SLICE`]), and after the join. The [`ShardState`] holds the detected events and, after
//! the join, the carried state, so a resumed shard continues where it stopped.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::StressError;
use super::workload::{StressOutput, StressState, StressWorkload};
use crate::checkpoint::{Resumable, Step};

/// Longest wait for missing parts inside one step, so that a checkpoint request is seen.
pub const WAIT_SLICE: Duration = Duration::from_millis(20);

/// Which shard of which window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardId {
    /// Window (0-based).
    pub window: u32,
    /// This shard (0 runs the join).
    pub shard: u32,
    /// Shards of the window (≥ 1).
    pub shards: u32,
}

/// The events a shard detected: one JSON line, its output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardPart {
    /// Window.
    pub window: u32,
    /// Shard.
    pub shard: u32,
    /// The pieces `[a, b)` (sample indices) it processed, in stream order.
    pub pieces: Vec<(u64, u64)>,
    /// R-peaks and breaths (absolute sample indices) of each piece.
    pub events: Vec<(Vec<u64>, Vec<u64>)>,
}

/// The μλ state of a shard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardState {
    /// Fingerprint of the recording.
    pub input_fingerprint: u64,
    /// Which shard.
    pub id: ShardId,
    /// This shard's detected part, once detected.
    pub part: Option<ShardPart>,
    /// Shard 0, after the join: the program state for the next window.
    pub carry: Option<StressState>,
}

/// What a shard's step produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ShardOutput {
    /// A shard other than 0 detected its part (its output line).
    Part(ShardPart),
    /// Shard 0 joined the window: the window's output line.
    Window(StressOutput),
    /// A safe point without output (shard 0's detection done, or still waiting for parts).
    Progress,
}

/// Where a shard's files are.
#[derive(Debug, Clone, Default)]
pub struct ShardFiles {
    /// Shard 0: the folder the other shards' `part-<s>.json` appear in.
    pub parts: Option<PathBuf>,
    /// Shard 0, window > 0: the state after window − 1 (a state file of app `stress`).
    pub carry_in: Option<StressState>,
    /// Shard 0: where the state after this window is written (a state file of app `stress`).
    pub carry_out: Option<PathBuf>,
}

/// Contiguous piece range of shard `s` of `k` among `n` pieces.
pub fn piece_range(n: usize, s: u32, k: u32) -> std::ops::Range<usize> {
    let k = k.max(1) as usize;
    let s = s as usize;
    (s * n / k)..((s + 1) * n / k)
}

/// File name of shard `s`'s part in shard 0's parts folder.
pub fn part_file(s: u32) -> String {
    format!("part-{s}.json")
}

/// One shard of one window of the stress program.
pub struct ShardWorkload {
    w: StressWorkload,
    files: ShardFiles,
    state: ShardState,
}

impl std::fmt::Debug for ShardWorkload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShardWorkload")
            .field("state", &self.state)
            .finish()
    }
}

impl ShardWorkload {
    /// Shard `id` of the recording of `w` (a workload at its start).
    pub fn new(w: StressWorkload, id: ShardId, files: ShardFiles) -> Result<Self, StressError> {
        if id.shards == 0 || id.shard >= id.shards {
            return Err(StressError::Input(format!(
                "shard {} of {} does not exist",
                id.shard, id.shards
            )));
        }
        if id.window >= w.input().windows() {
            return Err(StressError::Input(format!(
                "window {} is beyond the recording's {} windows",
                id.window,
                w.input().windows()
            )));
        }
        if id.shard == 0 {
            if id.window > 0 && files.carry_in.is_none() {
                return Err(StressError::Input(format!(
                    "shard 0 of window {} needs the state after window {} (--carry-in)",
                    id.window,
                    id.window - 1
                )));
            }
            if id.shards > 1 && files.parts.is_none() {
                return Err(StressError::Input(
                    "shard 0 of several needs the folder of the other shards' parts (--parts)"
                        .into(),
                ));
            }
            if let Some(c) = &files.carry_in
                && (c.next_window != id.window || c.input_fingerprint != w.input().fingerprint())
            {
                return Err(StressError::StateMismatch(format!(
                    "the carried state is for window {} (of another recording: {}), not window {}",
                    c.next_window,
                    c.input_fingerprint != w.input().fingerprint(),
                    id.window
                )));
            }
        }
        let state = ShardState {
            input_fingerprint: w.input().fingerprint(),
            id,
            part: None,
            carry: None,
        };
        Ok(Self { w, files, state })
    }

    /// Where window `k`'s new stretch starts: the end of window `k − 1` (0 for the first).
    fn start(&self, k: u32) -> usize {
        if k == 0 { 0 } else { self.w.stretch_end(k - 1) }
    }

    fn detect(&self) -> ShardPart {
        let id = self.state.id;
        let all = self.w.pieces(self.start(id.window), id.window);
        let mine = all[piece_range(all.len(), id.shard, id.shards)].to_vec();
        let events = self.w.detect(&mine);
        ShardPart {
            window: id.window,
            shard: id.shard,
            pieces: mine.iter().map(|&(a, b)| (a as u64, b as u64)).collect(),
            events,
        }
    }

    /// The other shards' parts, if all are in the parts folder (after at most [`WAIT_SLICE`]).
    fn gather(&self) -> Result<Option<Vec<ShardPart>>, StressError> {
        let id = self.state.id;
        let Some(dir) = &self.files.parts else {
            return Ok(Some(Vec::new()));
        };
        let t0 = Instant::now();
        loop {
            let mut parts = Vec::new();
            for s in 1..id.shards {
                match read_part(dir, s)? {
                    Some(p) if p.window == id.window && p.shard == s => parts.push(p),
                    Some(p) => {
                        return Err(StressError::Input(format!(
                            "{} holds window {} shard {}, not window {} shard {s}",
                            dir.join(part_file(s)).display(),
                            p.window,
                            p.shard,
                            id.window
                        )));
                    }
                    None => break,
                }
            }
            if parts.len() + 1 == id.shards as usize {
                return Ok(Some(parts));
            }
            if t0.elapsed() >= WAIT_SLICE {
                return Ok(None);
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

/// Shard `s`'s part in `dir`, if it is there (a complete JSON line).
fn read_part(dir: &Path, s: u32) -> Result<Option<ShardPart>, StressError> {
    let path = dir.join(part_file(s));
    match std::fs::read_to_string(&path) {
        Ok(text) if text.ends_with('\n') => serde_json::from_str(text.trim_end())
            .map(Some)
            .map_err(|e| StressError::Data {
                path,
                reason: e.to_string(),
            }),
        Ok(_) => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(StressError::Io { path, source }),
    }
}

impl Resumable for ShardWorkload {
    const APP: &'static str = "stress-shard";
    type State = ShardState;
    type Output = ShardOutput;
    type Error = StressError;

    fn step(&mut self) -> Result<Step<ShardOutput>, StressError> {
        let id = self.state.id;
        if self.state.part.is_none() {
            let part = self.detect();
            self.state.part = Some(part.clone());
            return Ok(Step::Item(if id.shard == 0 {
                ShardOutput::Progress
            } else {
                ShardOutput::Part(part)
            }));
        }
        if id.shard != 0 {
            return Ok(Step::Done);
        }
        if let Some(carry) = &self.state.carry {
            if let Some(p) = &self.files.carry_out {
                crate::checkpoint::save_state(
                    StressWorkload::APP,
                    carry,
                    p,
                    crate::checkpoint::Codec::default(),
                )
                .map_err(|e| StressError::Input(format!("write the carried state: {e}")))?;
            }
            return Ok(Step::Done);
        }
        let Some(others) = self.gather()? else {
            return Ok(Step::Item(ShardOutput::Progress));
        };
        let own = self
            .state
            .part
            .clone()
            .map(|p| p.events)
            .unwrap_or_default();
        let mut pieces = own;
        for p in others {
            pieces.extend(p.events);
        }
        let mut state = self
            .files
            .carry_in
            .clone()
            .unwrap_or_else(|| StressState::empty(self.w.input().fingerprint()));
        let out = self.w.join(&mut state, id.window, pieces);
        self.state.carry = Some(state);
        Ok(Step::Item(ShardOutput::Window(out)))
    }

    fn state(&self) -> &ShardState {
        &self.state
    }

    fn restore(&mut self, state: ShardState) -> Result<(), StressError> {
        if state.input_fingerprint != self.state.input_fingerprint {
            return Err(StressError::StateMismatch(
                "the shard state was written for a different recording".into(),
            ));
        }
        if state.id != self.state.id {
            return Err(StressError::StateMismatch(format!(
                "the shard state is of {:?}, this run is {:?}",
                state.id, self.state.id
            )));
        }
        self.state = state;
        Ok(())
    }

    fn items_done(&self) -> Option<u64> {
        Some(u64::from(self.state.part.is_some()) + u64::from(self.state.carry.is_some()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apps::StressOptions;
    use crate::checkpoint::{CheckpointRequest, RunOutcome, Runner, load_state};

    fn build(windows: u32) -> StressWorkload {
        StressOptions {
            blocks: 1,
            block_s: 200.0,
            items: Some(windows),
            train_per_class: 20,
            ..StressOptions::default()
        }
        .build()
        .unwrap()
    }

    #[test]
    fn pieces_are_split_contiguously() {
        assert_eq!(piece_range(4, 0, 2), 0..2);
        assert_eq!(piece_range(4, 1, 2), 2..4);
        assert_eq!(piece_range(2, 0, 3), 0..0);
        assert_eq!(piece_range(2, 2, 3), 1..2);
        let all: Vec<usize> = (0..3).flat_map(|s| piece_range(5, s, 3)).collect();
        assert_eq!(all, vec![0, 1, 2, 3, 4]);
    }

    /// Runs window by window with `k` shards (shard 0 last, after the parts are written, shard 0
    /// checkpointed and resumed once after its detection) and returns the output lines.
    fn sharded(windows: u32, k: u32, dir: &Path) -> Vec<String> {
        let mut carry: Option<StressState> = None;
        let mut lines = Vec::new();
        for w in 0..windows {
            let parts = dir.join(format!("w{w}"));
            std::fs::create_dir_all(&parts).unwrap();
            for s in 1..k {
                let id = ShardId {
                    window: w,
                    shard: s,
                    shards: k,
                };
                let mut sw = ShardWorkload::new(build(windows), id, ShardFiles::default()).unwrap();
                let mut out = String::new();
                let r = Runner::new(CheckpointRequest::new(), dir.join("x.ckpt"));
                let end = r
                    .run(&mut sw, |o| {
                        out.push_str(&serde_json::to_string(&o).unwrap());
                        out.push('\n');
                        Ok(())
                    })
                    .unwrap();
                assert_eq!(end, RunOutcome::Finished { items: 1 });
                std::fs::write(parts.join(part_file(s)), out).unwrap();
            }
            let carry_out = dir.join(format!("carry-{w}"));
            let files = || ShardFiles {
                parts: Some(parts.clone()),
                carry_in: carry.clone(),
                carry_out: Some(carry_out.clone()),
            };
            let id = ShardId {
                window: w,
                shard: 0,
                shards: k,
            };
            let ck = dir.join("s0.ckpt");
            let mut first = ShardWorkload::new(build(windows), id, files()).unwrap();
            let r = Runner::new(CheckpointRequest::new(), &ck).checkpoint_after_items(Some(1));
            assert!(matches!(
                r.run(&mut first, |o| {
                    assert_eq!(o, ShardOutput::Progress);
                    Ok(())
                })
                .unwrap(),
                RunOutcome::Checkpointed(_)
            ));
            let mut second = ShardWorkload::new(build(windows), id, files()).unwrap();
            second
                .restore(load_state::<ShardWorkload>(&ck).unwrap())
                .unwrap();
            Runner::new(CheckpointRequest::new(), &ck)
                .run(&mut second, |o| {
                    if let ShardOutput::Window(o) = o {
                        lines.push(serde_json::to_string(&o).unwrap());
                    }
                    Ok(())
                })
                .unwrap();
            carry = Some(load_state::<StressWorkload>(&carry_out).unwrap());
        }
        lines
    }

    #[test]
    fn sharded_windows_equal_the_unsharded_program() {
        let windows = 3;
        let mut plain = build(windows);
        let mut expect = Vec::new();
        Runner::new(
            CheckpointRequest::new(),
            std::env::temp_dir().join("unused.ckpt"),
        )
        .run(&mut plain, |o| {
            expect.push(serde_json::to_string(&o).unwrap());
            Ok(())
        })
        .unwrap();
        assert_eq!(expect.len(), 3);
        for k in [1, 2, 3] {
            let dir = tempfile::tempdir().unwrap();
            assert_eq!(sharded(windows, k, dir.path()), expect, "{k} shards");
        }
    }
}
