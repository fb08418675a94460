//! The state store: μλ state bytes under a key, on a real `redis-server`.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::CkptError;
use super::proc::{Launch, Proc};
use crate::agent::resp::{Resp, RespError};
use crate::ledger::Ledger;

/// The arguments of a private, non-persistent `redis-server` (no snapshots, no AOF, no
/// daemonizing) listening on `binds` at `port`, with its working folder `dir`.
pub fn redis_server_args(binds: &[String], port: u16, dir: &Path) -> Vec<std::ffi::OsString> {
    let mut a: Vec<std::ffi::OsString> =
        vec!["--port".into(), port.to_string().into(), "--bind".into()];
    a.extend(binds.iter().map(Into::into));
    for x in [
        "--save",
        "",
        "--appendonly",
        "no",
        "--protected-mode",
        "no",
        "--daemonize",
        "no",
        "--dir",
    ] {
        a.push(x.into());
    }
    a.push(dir.as_os_str().to_owned());
    a
}

/// Where checkpoint states are kept between a worker that checkpoints and one that resumes.
pub trait StateStore {
    /// Stores `bytes` under `key` (replacing).
    fn put(&mut self, key: &str, bytes: &[u8]) -> Result<(), CkptError>;
    /// The bytes under `key`, if any.
    fn get(&mut self, key: &str) -> Result<Option<Vec<u8>>, CkptError>;
    /// Removes `key`.
    fn delete(&mut self, key: &str) -> Result<(), CkptError>;
}

/// A [`StateStore`] on Redis: `SET`/`GET`/`DEL` over the agents' RESP client
/// ([`crate::agent::resp::Resp`]); three binary-safe commands need no client library (the
/// `redis` crate would add an URL parser and ~50 packages).
pub struct RedisStore {
    conn: Resp,
}

fn redis_err(e: RespError) -> CkptError {
    match e {
        RespError::Io(e) => CkptError::io("redis connection")(e),
        RespError::Server(m) => CkptError::Redis(format!("redis error reply: {m}")),
        other => CkptError::Redis(other.to_string()),
    }
}

impl RedisStore {
    /// Connects to `addr` from the calling thread's network namespace (one attempt).
    pub fn connect(addr: SocketAddr) -> Result<RedisStore, CkptError> {
        let conn = Resp::connect(addr, Duration::ZERO).map_err(redis_err)?;
        conn.set_read_timeout(Some(Duration::from_secs(30)))
            .map_err(redis_err)?;
        Ok(RedisStore { conn })
    }

    /// `PING`: the server answers.
    pub fn ping(&mut self) -> Result<(), CkptError> {
        self.conn.call(&[b"PING"]).map(drop).map_err(redis_err)
    }
}

impl StateStore for RedisStore {
    fn put(&mut self, key: &str, bytes: &[u8]) -> Result<(), CkptError> {
        self.conn.set(key, bytes).map(drop).map_err(redis_err)
    }
    fn get(&mut self, key: &str) -> Result<Option<Vec<u8>>, CkptError> {
        self.conn.get(key).map(|(v, _)| v).map_err(redis_err)
    }
    fn delete(&mut self, key: &str) -> Result<(), CkptError> {
        self.conn.del(key).map(drop).map_err(redis_err)
    }
}

/// A private `redis-server` (no persistence: `--save '' --appendonly no`), killed on drop.
pub struct RedisServer {
    proc: Proc,
    addr: SocketAddr,
}

/// A free TCP port on loopback (bound and released; a small race is possible).
fn free_port() -> Result<u16, CkptError> {
    let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(CkptError::io("127.0.0.1:0"))?;
    Ok(l.local_addr().map_err(CkptError::io("127.0.0.1:0"))?.port())
}

impl RedisServer {
    /// Starts one listening on `bind` inside `netns` (`None`: this namespace, on 127.0.0.1 and a
    /// free port; `Some`: a fixed port 6379 at `bind`), with its files in `dir`; waits until it
    /// answers `PING`.
    pub fn start(
        ledger: &Ledger,
        dir: &Path,
        netns: Option<PathBuf>,
        bind: Option<SocketAddr>,
    ) -> Result<RedisServer, CkptError> {
        let addr = match bind {
            Some(a) => a,
            None => SocketAddr::from((Ipv4Addr::LOCALHOST, free_port()?)),
        };
        std::fs::create_dir_all(dir).map_err(CkptError::io(dir))?;
        let launch = Launch {
            argv: std::iter::once("redis-server".into())
                .chain(redis_server_args(
                    &[addr.ip().to_string()],
                    addr.port(),
                    dir,
                ))
                .collect(),
            env: Vec::new(),
            netns: netns.clone(),
            stdout: dir.join("redis.log"),
            stderr: dir.join("redis.err"),
        };
        let mut proc = Proc::spawn(&launch, ledger)?;
        let t = Instant::now();
        loop {
            let ping = super::netns::run_in(netns.as_deref(), || RedisStore::connect(addr)?.ping());
            match ping {
                Ok(()) => return Ok(RedisServer { proc, addr }),
                Err(e) => {
                    if let Some(status) = proc.try_wait()? {
                        let log =
                            std::fs::read_to_string(dir.join("redis.log")).unwrap_or_default();
                        return Err(CkptError::Command {
                            command: "redis-server".into(),
                            status: format!("{status:?}"),
                            detail: super::proc::tail(&log, 800),
                        });
                    }
                    if t.elapsed() > Duration::from_secs(10) {
                        return Err(CkptError::Timeout {
                            what: format!("redis-server at {addr} ({e})"),
                            secs: 10.0,
                        });
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        }
    }

    /// Its address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `redis-server --version`'s version, e.g. `7.0.15`.
    pub fn version() -> Result<String, CkptError> {
        let out =
            super::proc::run_checked(std::process::Command::new("redis-server").arg("--version"))?;
        let s = String::from_utf8_lossy(&out.stdout);
        Ok(s.split_whitespace()
            .find_map(|w| w.strip_prefix("v="))
            .unwrap_or("")
            .to_string())
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.proc.kill();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Read, Write};

    #[test]
    fn replies_of_a_scripted_server_parse() {
        // A one-shot fake server (unit test only) answering three commands in RESP2.
        let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
        let addr = l.local_addr().expect("addr");
        let server = std::thread::spawn(move || {
            let (mut s, _) = l.accept().expect("accept");
            let mut r = BufReader::new(s.try_clone().expect("clone"));
            let mut got = Vec::new();
            for reply in [
                &b"+OK\r\n"[..],
                b"$3\r\na\r\n\r\n",
                b"$-1\r\n",
                b"-ERR nope\r\n",
            ] {
                let mut line = String::new();
                r.read_line(&mut line).expect("read");
                let n: usize = line.trim()[1..].parse().expect("array");
                for _ in 0..n {
                    let mut len = String::new();
                    r.read_line(&mut len).expect("len");
                    let mut b = vec![0; len.trim()[1..].parse::<usize>().expect("n") + 2];
                    r.read_exact(&mut b).expect("bulk");
                    got.push(b[..b.len() - 2].to_vec());
                }
                s.write_all(reply).expect("reply");
            }
            got
        });
        let mut c = RedisStore::connect(addr).expect("connect");
        c.put("k", b"\x00\r\n").expect("SET");
        assert_eq!(
            c.get("k").expect("GET"),
            Some(b"a\r\n".to_vec()),
            "binary-safe bulk"
        );
        assert_eq!(c.get("missing").expect("GET"), None);
        assert!(matches!(c.delete("k"), Err(CkptError::Redis(m)) if m.contains("nope")));
        let got = server.join().expect("server");
        assert_eq!(
            got[0..3],
            [b"SET".to_vec(), b"k".to_vec(), b"\x00\r\n".to_vec()]
        );
    }
}
