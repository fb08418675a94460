//! A minimal Redis client (RESP2 over one `TcpStream`) that counts every byte it moves.
//!
//! Why not the `redis` crate: the agents need five commands (`SET`, `GET`, `DEL`, `PUBLISH`,
//! `SUBSCRIBE`), blocking I/O, and the exact number of bytes each protocol step puts on the
//! wire (the paper's network load, attributed per step). A hand-written RESP2 encoder/decoder
//! is ~150 lines, has no async runtime, and its byte counts are the TCP payload of each
//! command and reply, exactly.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// A Redis reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// `+OK` and friends.
    Status(String),
    /// `-ERR ...`.
    Error(String),
    /// `:n`.
    Int(i64),
    /// `$n` bulk string, `None` for the null bulk string.
    Bulk(Option<Vec<u8>>),
    /// `*n` array, `None` for the null array.
    Array(Option<Vec<Reply>>),
}

/// What can go wrong talking to Redis.
#[derive(Debug, thiserror::Error)]
pub enum RespError {
    /// Socket trouble (connect, read, write, timeout).
    #[error("redis I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The server answered something that is not RESP2.
    #[error("redis protocol: {0}")]
    Protocol(String),
    /// The server answered with an error reply.
    #[error("redis error reply: {0}")]
    Server(String),
}

/// One connection to Redis with byte counters.
pub struct Resp {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    /// Bytes written to the socket so far \[bytes\].
    pub sent: u64,
    /// Bytes read from the socket so far \[bytes\].
    pub received: u64,
}

/// Encodes a command as a RESP2 array of bulk strings.
pub fn encode(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

impl Resp {
    /// Connects, retrying for up to `wait` (the server may still be starting).
    pub fn connect(addr: SocketAddr, wait: Duration) -> Result<Resp, RespError> {
        let t0 = std::time::Instant::now();
        let stream = loop {
            match TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
                Ok(s) => break s,
                Err(e) if t0.elapsed() < wait => {
                    let _ = e;
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => return Err(e.into()),
            }
        };
        stream.set_nodelay(true)?;
        Ok(Resp {
            reader: BufReader::new(stream.try_clone()?),
            writer: stream,
            sent: 0,
            received: 0,
        })
    }

    /// Sets a read timeout (`None`: block forever).
    pub fn set_read_timeout(&self, t: Option<Duration>) -> Result<(), RespError> {
        Ok(self.writer.set_read_timeout(t)?)
    }

    /// Sends a command, returns (reply, bytes sent, bytes received) of this exchange.
    pub fn call(&mut self, args: &[&[u8]]) -> Result<(Reply, u64, u64), RespError> {
        let cmd = encode(args);
        self.writer.write_all(&cmd)?;
        self.sent += cmd.len() as u64;
        let before = self.received;
        let r = self.read_reply()?;
        if let Reply::Error(e) = &r {
            return Err(RespError::Server(e.clone()));
        }
        Ok((r, cmd.len() as u64, self.received - before))
    }

    /// Sends a command without reading a reply (for `SUBSCRIBE`); returns the bytes sent.
    pub fn send(&mut self, args: &[&[u8]]) -> Result<u64, RespError> {
        let cmd = encode(args);
        self.writer.write_all(&cmd)?;
        self.sent += cmd.len() as u64;
        Ok(cmd.len() as u64)
    }

    /// `SET key value`; returns the bytes of the exchange (sent + received).
    pub fn set(&mut self, key: &str, value: &[u8]) -> Result<u64, RespError> {
        let (_, s, r) = self.call(&[b"SET", key.as_bytes(), value])?;
        Ok(s + r)
    }

    /// `GET key`; returns the value (if any) and the bytes of the exchange.
    pub fn get(&mut self, key: &str) -> Result<(Option<Vec<u8>>, u64), RespError> {
        match self.call(&[b"GET", key.as_bytes()])? {
            (Reply::Bulk(v), s, r) => Ok((v, s + r)),
            (other, ..) => Err(RespError::Protocol(format!("GET answered {other:?}"))),
        }
    }

    /// `DEL key`.
    pub fn del(&mut self, key: &str) -> Result<u64, RespError> {
        let (_, s, r) = self.call(&[b"DEL", key.as_bytes()])?;
        Ok(s + r)
    }

    /// `PUBLISH channel message`; returns the bytes of the exchange.
    pub fn publish(&mut self, channel: &str, msg: &[u8]) -> Result<u64, RespError> {
        let (_, s, r) = self.call(&[b"PUBLISH", channel.as_bytes(), msg])?;
        Ok(s + r)
    }

    /// `SUBSCRIBE` to channels and waits for every confirmation.
    pub fn subscribe(&mut self, channels: &[&str]) -> Result<(), RespError> {
        let mut args: Vec<&[u8]> = vec![b"SUBSCRIBE"];
        args.extend(channels.iter().map(|c| c.as_bytes()));
        self.send(&args)?;
        for _ in channels {
            match self.read_reply()? {
                Reply::Array(Some(v))
                    if v.first() == Some(&Reply::Bulk(Some(b"subscribe".to_vec()))) => {}
                other => {
                    return Err(RespError::Protocol(format!("SUBSCRIBE answered {other:?}")));
                }
            }
        }
        Ok(())
    }

    /// Waits for the next pub/sub message: (channel, payload, bytes of the push frame).
    /// A read timeout surfaces as `RespError::Io` of kind `WouldBlock`/`TimedOut`.
    pub fn next_message(&mut self) -> Result<(String, Vec<u8>, u64), RespError> {
        loop {
            let before = self.received;
            let r = self.read_reply()?;
            let n = self.received - before;
            if let Reply::Array(Some(v)) = r
                && v.len() == 3
                && v[0] == Reply::Bulk(Some(b"message".to_vec()))
                && let (Reply::Bulk(Some(ch)), Reply::Bulk(Some(payload))) = (&v[1], &v[2])
            {
                return Ok((String::from_utf8_lossy(ch).into_owned(), payload.clone(), n));
            }
        }
    }

    fn line(&mut self) -> Result<String, RespError> {
        let mut buf = Vec::new();
        let n = self.reader.read_until(b'\n', &mut buf)?;
        if n == 0 {
            return Err(RespError::Io(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "redis closed the connection",
            )));
        }
        self.received += n as u64;
        if !buf.ends_with(b"\r\n") {
            return Err(RespError::Protocol("line without CRLF".into()));
        }
        buf.truncate(buf.len() - 2);
        String::from_utf8(buf).map_err(|_| RespError::Protocol("non-UTF-8 header".into()))
    }

    fn read_reply(&mut self) -> Result<Reply, RespError> {
        let line = self.line()?;
        let (kind, rest) = line.split_at(line.len().min(1));
        let num = || {
            rest.parse::<i64>()
                .map_err(|_| RespError::Protocol(format!("bad length {rest:?}")))
        };
        Ok(match kind {
            "+" => Reply::Status(rest.to_string()),
            "-" => Reply::Error(rest.to_string()),
            ":" => Reply::Int(num()?),
            "$" => {
                let n = num()?;
                if n < 0 {
                    Reply::Bulk(None)
                } else {
                    let mut buf = vec![0u8; n as usize + 2];
                    self.reader.read_exact(&mut buf)?;
                    self.received += buf.len() as u64;
                    buf.truncate(n as usize);
                    Reply::Bulk(Some(buf))
                }
            }
            "*" => {
                let n = num()?;
                if n < 0 {
                    Reply::Array(None)
                } else {
                    let mut v = Vec::with_capacity(n.min(1024) as usize);
                    for _ in 0..n {
                        v.push(self.read_reply()?);
                    }
                    Reply::Array(Some(v))
                }
            }
            _ => return Err(RespError::Protocol(format!("unknown reply {line:?}"))),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn encodes_commands_as_bulk_arrays() {
        assert_eq!(
            encode(&[b"SET", b"k", b"v1"]),
            b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nv1\r\n"
        );
    }

    /// A scripted fake server (unit-test mock): answers with canned bytes.
    #[test]
    fn parses_replies_and_counts_bytes() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            let mut buf = [0u8; 256];
            let n = s.read(&mut buf).unwrap();
            assert!(buf[..n].starts_with(b"*2\r\n$3\r\nGET"));
            s.write_all(b"$5\r\nhello\r\n").unwrap();
            let _ = s.read(&mut buf).unwrap();
            s.write_all(b"*3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n")
                .unwrap();
            s.write_all(b"*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$2\r\nhi\r\n")
                .unwrap();
        });
        let mut r = Resp::connect(addr, Duration::from_secs(1)).unwrap();
        let (v, bytes) = r.get("key").unwrap();
        assert_eq!(v.as_deref(), Some(&b"hello"[..]));
        assert_eq!(bytes, 22 + 11);
        r.subscribe(&["c"]).unwrap();
        let (ch, msg, n) = r.next_message().unwrap();
        assert_eq!((ch.as_str(), msg.as_slice()), ("c", &b"hi"[..]));
        assert_eq!(n, 32);
        server.join().unwrap();
    }
}
