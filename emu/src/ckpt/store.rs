//! The state store: μλ state bytes under a key, on a real `redis-server`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::CkptError;
use super::proc::{Launch, Proc};
use crate::ledger::Ledger;

/// Where checkpoint states are kept between a worker that checkpoints and one that resumes.
pub trait StateStore {
    /// Stores `bytes` under `key` (replacing).
    fn put(&mut self, key: &str, bytes: &[u8]) -> Result<(), CkptError>;
    /// The bytes under `key`, if any.
    fn get(&mut self, key: &str) -> Result<Option<Vec<u8>>, CkptError>;
    /// Removes `key`.
    fn delete(&mut self, key: &str) -> Result<(), CkptError>;
}

/// A [`StateStore`] on Redis: `SET`/`GET`/`DEL` in RESP2 over one blocking `TcpStream`.
///
/// Three binary-safe commands need no client library (the `redis` crate would add an URL parser
/// and ~50 packages); the agents' byte-counting client ([`crate::agent`]) is a separate concern.
pub struct RedisStore {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

/// RESP2 array of bulk strings.
fn encode(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn protocol(what: String) -> CkptError {
    CkptError::Redis(what)
}

impl RedisStore {
    /// Connects to `addr` from the calling thread's network namespace.
    pub fn connect(addr: SocketAddr) -> Result<RedisStore, CkptError> {
        let io = CkptError::io(format!("redis://{addr}"));
        let s = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).map_err(io)?;
        let io = || CkptError::io(format!("redis://{addr}"));
        s.set_nodelay(true).map_err(io())?;
        s.set_read_timeout(Some(Duration::from_secs(30)))
            .map_err(io())?;
        Ok(RedisStore {
            reader: BufReader::new(s.try_clone().map_err(io())?),
            writer: s,
        })
    }

    /// Sends one command and reads its reply: `Ok(Some(bytes))` for a bulk string, `Ok(None)` for
    /// the null bulk string, `Ok(Some(line))` for a status or integer reply.
    pub fn call(&mut self, args: &[&[u8]]) -> Result<Option<Vec<u8>>, CkptError> {
        let io = || CkptError::io("redis connection");
        self.writer.write_all(&encode(args)).map_err(io())?;
        let mut line = String::new();
        self.reader.read_line(&mut line).map_err(io())?;
        let line = line.trim_end_matches(['\r', '\n']);
        let (kind, rest) = line.split_at(line.len().min(1));
        match kind {
            "+" | ":" => Ok(Some(rest.as_bytes().to_vec())),
            "-" => Err(protocol(format!("redis error reply: {rest}"))),
            "$" => {
                let n: i64 = rest
                    .parse()
                    .map_err(|_| protocol(format!("bad bulk length {rest:?}")))?;
                if n < 0 {
                    return Ok(None);
                }
                let mut buf = vec![0u8; n as usize + 2];
                self.reader.read_exact(&mut buf).map_err(io())?;
                buf.truncate(n as usize);
                Ok(Some(buf))
            }
            _ => Err(protocol(format!("unexpected reply {line:?}"))),
        }
    }
}

impl StateStore for RedisStore {
    fn put(&mut self, key: &str, bytes: &[u8]) -> Result<(), CkptError> {
        self.call(&[b"SET", key.as_bytes(), bytes]).map(drop)
    }
    fn get(&mut self, key: &str) -> Result<Option<Vec<u8>>, CkptError> {
        self.call(&[b"GET", key.as_bytes()])
    }
    fn delete(&mut self, key: &str) -> Result<(), CkptError> {
        self.call(&[b"DEL", key.as_bytes()]).map(drop)
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
            argv: [
                "redis-server",
                "--bind",
                &addr.ip().to_string(),
                "--port",
                &addr.port().to_string(),
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "no",
                "--daemonize",
                "no",
                "--dir",
            ]
            .iter()
            .map(Into::into)
            .chain([dir.as_os_str().to_owned()])
            .collect(),
            env: Vec::new(),
            netns: netns.clone(),
            stdout: dir.join("redis.log"),
            stderr: dir.join("redis.err"),
        };
        let mut proc = Proc::spawn(&launch, ledger)?;
        let t = Instant::now();
        loop {
            let ping = super::netns::run_in(netns.as_deref(), || {
                RedisStore::connect(addr)?.call(&[b"PING"]).map(drop)
            });
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
