//! The manager → worker calls of steps 3 (install) and 4 (invoke): HTTP/1.1 `POST` with a
//! `Content-Length` body, one request per connection, on `std::net`.
//!
//! Why not `tiny_http`/`hyper`: the agents need exactly one verb, bodies of known length, no
//! keep-alive, no TLS and no async runtime, and they must count the bytes each call puts on the
//! wire (step 3 and 4 network load). This is ~120 lines of std with those counts built in, and
//! the messages are real HTTP/1.1 that `curl` can talk to.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

/// Largest body accepted \[bytes\] (a CRIU image set can be tens of MB).
pub const MAX_BODY: usize = 1 << 30;

/// An HTTP exchange that failed.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// Socket trouble.
    #[error("http I/O: {0}")]
    Io(#[from] std::io::Error),
    /// Not the HTTP this module speaks.
    #[error("http protocol: {0}")]
    Protocol(String),
}

/// A parsed request.
#[derive(Debug)]
pub struct Request {
    /// The path, e.g. `/invoke`.
    pub path: String,
    /// The body.
    pub body: Vec<u8>,
    /// Bytes of the whole request as received (head + body) \[bytes\].
    pub wire_bytes: u64,
}

/// Reads one request from a stream.
pub fn read_request(stream: &TcpStream) -> Result<Request, HttpError> {
    let mut r = BufReader::new(stream);
    let mut line = String::new();
    let mut wire = r.read_line(&mut line)? as u64;
    let mut parts = line.split_whitespace();
    let (Some(method), Some(path)) = (parts.next(), parts.next()) else {
        return Err(HttpError::Protocol(format!("bad request line {line:?}")));
    };
    if method != "POST" {
        return Err(HttpError::Protocol(format!(
            "only POST is served, got {method}"
        )));
    }
    let path = path.to_string();
    let (len, head) = read_headers(&mut r)?;
    wire += head;
    let mut body = vec![0u8; len];
    r.read_exact(&mut body)?;
    wire += len as u64;
    Ok(Request {
        path,
        body,
        wire_bytes: wire,
    })
}

fn read_headers(r: &mut impl BufRead) -> Result<(usize, u64), HttpError> {
    let mut len = 0usize;
    let mut wire = 0u64;
    loop {
        let mut h = String::new();
        let n = r.read_line(&mut h)?;
        if n == 0 {
            return Err(HttpError::Protocol(
                "connection closed in the headers".into(),
            ));
        }
        wire += n as u64;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            len = v
                .trim()
                .parse()
                .map_err(|_| HttpError::Protocol(format!("bad Content-Length {v:?}")))?;
            if len > MAX_BODY {
                return Err(HttpError::Protocol(format!(
                    "body of {len} bytes is too large"
                )));
            }
        }
    }
    Ok((len, wire))
}

/// Writes a response; returns its size \[bytes\].
pub fn respond(mut stream: &TcpStream, status: u16, body: &[u8]) -> Result<u64, HttpError> {
    let reason = match status {
        200 => "OK",
        202 => "Accepted",
        400 => "Bad Request",
        404 => "Not Found",
        _ => "Error",
    };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()?;
    Ok((head.len() + body.len()) as u64)
}

/// The answer to a [`post`].
#[derive(Debug)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Body.
    pub body: Vec<u8>,
    /// Bytes sent (request) \[bytes\].
    pub sent: u64,
    /// Bytes received (response) \[bytes\].
    pub received: u64,
}

/// `POST path` with `body` to `addr`, waiting at most `timeout` for each socket operation.
pub fn post(
    addr: SocketAddr,
    path: &str,
    body: &[u8],
    timeout: Duration,
) -> Result<Response, HttpError> {
    let mut s = TcpStream::connect_timeout(&addr, timeout)?;
    s.set_nodelay(true)?;
    s.set_read_timeout(Some(timeout))?;
    s.set_write_timeout(Some(timeout))?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes())?;
    s.write_all(body)?;
    s.flush()?;
    let mut r = BufReader::new(&s);
    let mut line = String::new();
    let mut received = r.read_line(&mut line)? as u64;
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| HttpError::Protocol(format!("bad status line {line:?}")))?;
    let (len, head_in) = read_headers(&mut r)?;
    received += head_in;
    let mut out = vec![0u8; len];
    r.read_exact(&mut out)?;
    received += len as u64;
    Ok(Response {
        status,
        body: out,
        sent: (head.len() + body.len()) as u64,
        received,
    })
}

/// Serves requests on `listener` forever, one thread per connection, answering with what
/// `handler` returns (status, body).
pub fn serve<F>(listener: TcpListener, handler: F)
where
    F: Fn(Request) -> (u16, Vec<u8>) + Send + Sync + 'static,
{
    let handler = std::sync::Arc::new(handler);
    for conn in listener.incoming() {
        let Ok(stream) = conn else { continue };
        let h = handler.clone();
        std::thread::spawn(move || {
            let _ = stream.set_nodelay(true);
            match read_request(&stream) {
                Ok(req) => {
                    let (status, body) = h(req);
                    let _ = respond(&stream, status, &body);
                }
                Err(e) => {
                    let _ = respond(
                        &stream,
                        400,
                        format!("{{\"error\":{:?}}}", e.to_string()).as_bytes(),
                    );
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn post_round_trip_counts_bytes() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        std::thread::spawn(move || {
            serve(l, |req| {
                let mut b = req.path.into_bytes();
                b.extend_from_slice(&req.body);
                (202, b)
            })
        });
        let r = post(addr, "/invoke", b"{\"x\":1}", Duration::from_secs(5)).unwrap();
        assert_eq!(r.status, 202);
        assert_eq!(r.body, b"/invoke{\"x\":1}");
        assert!(r.sent > 7 && r.received > 14);
    }
}
