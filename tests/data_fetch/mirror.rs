//! The test mirror: a plain HTTP/1.1 responder on 127.0.0.1 (one thread per connection),
//! written by hand so a test decides exactly at which byte a connection closes.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// A mirror serving `/data.tar.zst` (with `Range`) and, if given, `/data.tar.zst.sha256`.
pub struct Mirror {
    pub archive: Vec<u8>,
    pub sidecar: Option<String>,
    /// The next archive request is answered with the full length but closed after this many bytes.
    pub cut_next_at: Mutex<Option<usize>>,
    pub honour_range: AtomicBool,
    /// The `Range` header of each archive request.
    pub ranges: Mutex<Vec<Option<String>>>,
}

impl Mirror {
    pub fn new(archive: Vec<u8>, sidecar: Option<String>) -> Arc<Mirror> {
        Arc::new(Mirror {
            archive,
            sidecar,
            cut_next_at: Mutex::new(None),
            honour_range: AtomicBool::new(true),
            ranges: Mutex::new(Vec::new()),
        })
    }

    /// Starts serving on a free loopback port; returns the archive's URL.
    pub fn start(self: &Arc<Mirror>) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("address");
        let mirror = self.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mirror = mirror.clone();
                std::thread::spawn(move || {
                    let _ = mirror.answer(stream);
                });
            }
        });
        format!("http://{addr}/data.tar.zst")
    }

    fn answer(&self, mut stream: TcpStream) -> std::io::Result<()> {
        let mut reader = BufReader::new(stream.try_clone()?);
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
        let mut range = None;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header)? == 0 || header == "\r\n" {
                break;
            }
            if let Some((k, v)) = header.split_once(':') {
                if k.eq_ignore_ascii_case("range") {
                    range = Some(v.trim().to_string());
                }
            }
        }
        let len = self.archive.len();
        let respond = |stream: &mut TcpStream, status: &str, extra: &str, body: &[u8]| {
            write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n",
                body.len()
            )?;
            stream.write_all(body)?;
            stream.flush()
        };
        match path.as_str() {
            "/data.tar.zst.sha256" => match &self.sidecar {
                Some(s) => respond(&mut stream, "200 OK", "", s.as_bytes()),
                None => respond(&mut stream, "404 Not Found", "", b""),
            },
            "/data.tar.zst" => {
                self.ranges.lock().unwrap().push(range.clone());
                if let Some(cut) = self.cut_next_at.lock().unwrap().take() {
                    write!(stream, "HTTP/1.1 200 OK\r\nContent-Length: {len}\r\n\r\n")?;
                    stream.write_all(&self.archive[..cut])?;
                    stream.flush()?;
                    return stream.shutdown(std::net::Shutdown::Both);
                }
                let start = range
                    .filter(|_| self.honour_range.load(Ordering::SeqCst))
                    .and_then(|r| r.strip_prefix("bytes=")?.strip_suffix('-')?.parse().ok());
                match start {
                    None => respond(&mut stream, "200 OK", "", &self.archive),
                    Some(s) if s >= len => respond(
                        &mut stream,
                        "416 Range Not Satisfiable",
                        &format!("Content-Range: bytes */{len}\r\n"),
                        b"",
                    ),
                    Some(s) => respond(
                        &mut stream,
                        "206 Partial Content",
                        &format!("Content-Range: bytes {s}-{}/{len}\r\n", len - 1),
                        &self.archive[s..],
                    ),
                }
            }
            _ => respond(&mut stream, "404 Not Found", "", b""),
        }
    }
}
