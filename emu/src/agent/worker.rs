//! The worker (one per worker BBU host): installs λ(f) (step 3), runs invocations (step 4)
//! under the timeout tracker, and stores the result in Redis (step 5).
//!
//! Every process it starts (the workloads; CRIU-restored ones are adopted) is recorded in the
//! worker's own ledger (`DIR/emu-ledger.jsonl`, registered in the global index), so
//! `mlsim emu clean` finds them even if the whole run was SIGKILLed.

pub mod admission;
mod container;
pub mod invoke;
mod shard;
pub mod timeline;

use super::http::{Request, serve};
use super::protocol::{EVENTS, InstallMsg, InstallReply, InvokeMsg, WorkerConfig};
use super::resp::Resp;
use super::{AgentError, since};
use crate::ledger::Ledger;
use std::collections::HashMap;
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// File in a worker's folder with the number of invocations holding one of its BBU's cores
/// (read by the C-RAN driver, [`crate::run::cran`]).
pub const HOLDING: &str = "holding";

/// Shared state of a worker.
pub struct Worker {
    /// Its configuration.
    pub cfg: WorkerConfig,
    /// Its ledger.
    pub ledger: Ledger,
    /// Installed λ(f) packages: app → installed program.
    installed: Mutex<HashMap<String, PathBuf>>,
    /// Method "docker": the container image of each installed app (`repo:tag`) and dockerd's
    /// root folder (where checkpoints live).
    images: Mutex<HashMap<String, String>>,
    docker_root: Mutex<Option<PathBuf>>,
    /// The BBU's cores as the simulator hands them out (if the config has the C-RAN load).
    admission: Option<Arc<admission::Admission>>,
}

impl Worker {
    /// The installed program of `app`, if installed.
    pub fn installed(&self, app: &str) -> Option<PathBuf> {
        self.installed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(app)
            .cloned()
    }

    /// The container image of `app` and dockerd's root folder (method "docker").
    pub fn image(&self, app: &str) -> Option<(String, PathBuf)> {
        let tag = self
            .images
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(app)
            .cloned()?;
        let root = self
            .docker_root
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()?;
        Some((tag, root))
    }

    /// Method "docker": assembles `app`'s root file system (its program `bin`, the libraries,
    /// face's models) and imports it as `mlsim-<worker ledger id>-workload:<hash>`, an image of
    /// this worker alone (recorded in its ledger, removed with it), so no other run or worker
    /// can remove it from under a container.
    fn install_image(&self, app: &str, bin: &std::path::Path) -> Result<(), AgentError> {
        let a = crate::ckpt::App::parse(app)
            .ok_or_else(|| AgentError::Other(format!("unknown app {app}")))?;
        let bins = crate::ckpt::Binaries {
            workload: bin.to_path_buf(),
            face: Some(bin.to_path_buf()),
        };
        let docker =
            |e: crate::ckpt::CkptError| AgentError::Other(format!("docker image of {app}: {e}"));
        crate::ckpt::docker::versions().map_err(docker)?;
        let root = crate::ckpt::docker::root_dir().map_err(docker)?;
        let repo = format!(
            "{}workload",
            crate::names::container(self.ledger.run_id(), "")
        );
        let tag = crate::ckpt::sample::build_image_as(
            a,
            &bins,
            &self.cfg.dir.join(format!("rootfs-{app}")),
            &repo,
            &self.ledger,
        )
        .map_err(docker)?;
        *self.docker_root.lock().unwrap_or_else(|p| p.into_inner()) = Some(root);
        self.images
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(app.to_string(), tag);
        Ok(())
    }

    /// Step 3: installs λ(f) of `app`: copies its program into this worker's package folder
    /// and runs it once (`--version`, which loads it and its libraries from disk). Returns the
    /// time taken \[ns\]; 0 if it was installed already.
    pub fn install(&self, app: &str) -> Result<u64, AgentError> {
        if self.installed(app).is_some() {
            return Ok(0);
        }
        let t = Instant::now();
        let src = match app {
            "face" => self
                .cfg
                .face_bin
                .clone()
                .ok_or_else(|| AgentError::Other("mlsim-face is not built".into()))?,
            _ => self.cfg.workload_bin.clone(),
        };
        let pkg = self.cfg.dir.join("pkg").join(app);
        std::fs::create_dir_all(&pkg)
            .map_err(AgentError::io(format!("mkdir {}", pkg.display())))?;
        let name = src
            .file_name()
            .map(PathBuf::from)
            .unwrap_or_else(|| "lambda".into());
        let dst = pkg.join(name);
        std::fs::copy(&src, &dst).map_err(AgentError::io(format!(
            "copy {} to {}",
            src.display(),
            dst.display()
        )))?;
        // Just written: another thread's child may still hold the copy's descriptor.
        let st = crate::sys::retry_text_busy(|| {
            std::process::Command::new(&dst)
                .arg("--version")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
        })
        .map_err(AgentError::io(format!("run {}", dst.display())))?;
        if !st.success() {
            return Err(AgentError::Other(format!(
                "{} --version: {st}",
                dst.display()
            )));
        }
        if self.cfg.docker {
            self.install_image(app, &src)?;
        }
        self.installed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(app.to_string(), dst);
        Ok(t.elapsed().as_nanos() as u64)
    }
}

/// Splits an invoke body: JSON line, input, state.
pub fn split_invoke(body: &[u8]) -> Result<(InvokeMsg, &[u8], &[u8]), AgentError> {
    let nl = body
        .iter()
        .position(|b| *b == b'\n')
        .ok_or_else(|| AgentError::Other("invoke body without header line".into()))?;
    let msg: InvokeMsg =
        serde_json::from_slice(&body[..nl]).map_err(AgentError::json("invoke header"))?;
    let rest = &body[nl + 1..];
    let (il, sl) = (msg.input_len as usize, msg.state_len as usize);
    if rest.len() != il + sl {
        return Err(AgentError::Other(format!(
            "invoke body has {} bytes after the header, expected {il} + {sl}",
            rest.len()
        )));
    }
    let (input, state) = rest.split_at(il);
    Ok((msg, input, state))
}

/// Builds an invoke body (JSON line, input, state).
pub fn join_invoke(msg: &InvokeMsg, input: &[u8], state: &[u8]) -> Result<Vec<u8>, AgentError> {
    let mut body = serde_json::to_vec(msg).map_err(AgentError::json("invoke header"))?;
    body.push(b'\n');
    body.extend_from_slice(input);
    body.extend_from_slice(state);
    Ok(body)
}

/// Runs the worker until it is killed.
pub fn run(cfg: &WorkerConfig) -> Result<(), AgentError> {
    std::fs::create_dir_all(&cfg.dir)
        .map_err(AgentError::io(format!("mkdir {}", cfg.dir.display())))?;
    let ledger =
        Ledger::create(&cfg.dir).map_err(|e| AgentError::Other(format!("worker ledger: {e}")))?;
    crate::ckpt::proc::become_subreaper();
    let listener =
        TcpListener::bind(cfg.listen).map_err(AgentError::io(format!("bind {}", cfg.listen)))?;
    // Check that Redis is reachable before declaring ourselves ready.
    drop(Resp::connect(cfg.common.redis, Duration::from_secs(20))?);
    let w = Arc::new(Worker {
        cfg: cfg.clone(),
        ledger,
        installed: Mutex::new(HashMap::new()),
        images: Mutex::new(HashMap::new()),
        docker_root: Mutex::new(None),
        admission: cfg.cran.as_ref().map(|c| {
            let (_, first) = timeline::source(&c.load, c.seed, cfg.bbu);
            let cran = mlsim_core::rules::cran_cores(first, c.cores);
            Arc::new(
                admission::Admission::new(c.cores, cran)
                    .with_memory(c.memory_bytes)
                    .publish_to(cfg.dir.join(HOLDING)),
            )
        }),
    });
    if let (Some(a), Some(c)) = (w.admission.clone(), cfg.cran.clone()) {
        // C-RAN's notices and load changes, replayed from the same load process as the
        // C-RAN driver's.
        let (bbu, epoch) = (cfg.bbu, cfg.common.epoch_unix_ns);
        let log = cfg.dir.join("cran.jsonl");
        std::thread::spawn(move || {
            let mut f = std::fs::File::create(&log).ok();
            a.drive(&c, bbu, epoch, |line| {
                if let Some(f) = f.as_mut() {
                    use std::io::Write;
                    let _ = writeln!(f, "{line}");
                }
            });
        });
    }
    let ready = cfg.dir.join("ready");
    std::fs::write(&ready, b"").map_err(AgentError::io(format!("write {}", ready.display())))?;
    serve(listener, move |req: Request| handle(&w, req));
    Ok(())
}

fn handle(w: &Arc<Worker>, req: Request) -> (u16, Vec<u8>) {
    let invoked_ns = since(w.cfg.common.epoch_unix_ns);
    match req.path.as_str() {
        "/install" => {
            let reply = match serde_json::from_slice::<InstallMsg>(&req.body) {
                Ok(m) => match w.install(&m.app) {
                    Ok(ns) => InstallReply {
                        install_ns: ns,
                        error: None,
                    },
                    Err(e) => InstallReply {
                        install_ns: 0,
                        error: Some(e.to_string()),
                    },
                },
                Err(e) => InstallReply {
                    install_ns: 0,
                    error: Some(format!("bad install message: {e}")),
                },
            };
            let status = if reply.error.is_some() { 400 } else { 200 };
            (status, serde_json::to_vec(&reply).unwrap_or_default())
        }
        "/invoke" => match split_invoke(&req.body) {
            Ok((msg, input, state)) => {
                let (input, state) = (input.to_vec(), state.to_vec());
                let w = w.clone();
                std::thread::spawn(move || {
                    // Wait for a core (FIFO), then run under the tracker.
                    let epoch = w.cfg.common.epoch_unix_ns;
                    let (ticket, flag, core) = match &w.admission {
                        Some(a) => {
                            let (t, f, c) = a.admit_needing(msg.rss_bytes, || since(epoch));
                            (Some(t), f, Some(c))
                        }
                        None => (None, admission::EvictFlag::default(), None),
                    };
                    let mut ev = invoke::execute(&w, &msg, &input, &state, invoked_ns, &flag, core);
                    if let (Some(a), Some(t)) = (&w.admission, ticket) {
                        a.release(t);
                    }
                    ev.event.evicted = flag.deadline().is_some();
                    if let Err(e) = invoke::store(&w, &msg, ev) {
                        eprintln!(
                            "worker bbu{}: cannot store the result of {}/{}/{}: {e}",
                            w.cfg.bbu, msg.req, msg.task, msg.inv
                        );
                    }
                });
                (202, b"{}".to_vec())
            }
            Err(e) => (
                400,
                format!("{{\"error\":{:?}}}", e.to_string()).into_bytes(),
            ),
        },
        _ => (404, b"{}".to_vec()),
    }
}

/// Publishes an event on the events channel (used by [`invoke::store`]).
pub fn publish_event(r: &mut Resp, body: &[u8]) -> Result<u64, AgentError> {
    Ok(r.publish(EVENTS, body)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invoke_bodies_round_trip() {
        let m = InvokeMsg {
            req: 1,
            task: 0,
            inv: 2,
            app: "taxi".into(),
            items: 10,
            seed: 3,
            method: mlsim_core::methods::named("microlambda"),
            r_limit_ns: Some(2_000_000_000),
            lead_ns: 50_000_000,
            input_len: 3,
            state_len: 2,
            sent_ns: 5,
            cold_start: false,
            rss_bytes: 5 << 20,
            shard: None,
        };
        let b = join_invoke(&m, b"abc", b"\n\n").unwrap();
        let (m2, i, s) = split_invoke(&b).unwrap();
        assert_eq!((m2, i, s), (m.clone(), &b"abc"[..], &b"\n\n"[..]));
        assert!(split_invoke(&b[..b.len() - 1]).is_err());
    }
}
