//! HTTP(S) download of the archive into one file, resumed with a `Range` request when a part
//! is already there (a server that ignores it, or answers 416, starts the file over), and of
//! its `.sha256` companion.

use super::{DataError, Progress};
use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

/// What a download did.
#[derive(Debug, Clone, Copy)]
pub struct Downloaded {
    /// Size of the complete file.
    pub bytes: u64,
    /// Bytes that were already there and not downloaded again.
    pub resumed_from: u64,
}

/// The HTTP client: no status is an error (answers are handled here), no overall time limit
/// (a big archive on a slow link), but 30 s to connect and 60 s without a byte at most.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_per_read(Some(Duration::from_secs(60)))
        .user_agent(concat!("london-atlas/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// The SHA-256 published beside the archive as `<url>.sha256` (`sha256sum` format), or `None`
/// when the mirror has none (any 4xx).
pub fn sidecar(agent: &ureq::Agent, url: &str) -> Result<Option<String>, DataError> {
    let url = format!("{url}.sha256");
    let response = agent.get(&url).call().map_err(|error| DataError::Http {
        url: url.clone(),
        error,
    })?;
    let status = response.status().as_u16();
    if (400..500).contains(&status) {
        return Ok(None);
    }
    if status != 200 {
        return Err(DataError::Status { url, status });
    }
    let text = response
        .into_body()
        .with_config()
        .limit(4096)
        .read_to_string()
        .map_err(|error| DataError::Http {
            url: url.clone(),
            error,
        })?;
    let digest = text.split_whitespace().next().unwrap_or_default();
    if digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(Some(digest.to_ascii_lowercase()))
    } else {
        Err(DataError::Corrupt {
            entry: url,
            message: "not a SHA-256 line".into(),
        })
    }
}

/// Downloads `url` into `dest`, continuing from the bytes already in `dest`.
pub fn download(
    agent: &ureq::Agent,
    url: &str,
    dest: &Path,
    progress: &mut Progress,
) -> Result<Downloaded, DataError> {
    let http = |error| DataError::Http {
        url: url.to_string(),
        error,
    };
    // At most twice: a resume the server refuses starts over once.
    for _ in 0..2 {
        let have = std::fs::metadata(dest).map(|m| m.len()).unwrap_or(0);
        let mut request = agent.get(url);
        if have > 0 {
            request = request.header("Range", format!("bytes={have}-"));
        }
        let response = request.call().map_err(http)?;
        let status = response.status().as_u16();
        let content_range = response
            .headers()
            .get("content-range")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_content_range);
        let (start, total) = match (status, content_range) {
            (206, Some((start, total))) if start == have => (have, total),
            (200, _) => (0, response.body().content_length()),
            (416, Some((_, Some(total)))) if have > 0 && total == have => {
                // The part is already the whole file.
                return Ok(Downloaded {
                    bytes: have,
                    resumed_from: have,
                });
            }
            (206 | 416, _) => {
                progress.say(&format!(
                    "the mirror cannot resume the download at byte {have}: starting over"
                ));
                std::fs::remove_file(dest).map_err(DataError::io(dest))?;
                continue;
            }
            _ => {
                return Err(DataError::Status {
                    url: url.to_string(),
                    status,
                })
            }
        };
        if start > 0 {
            progress.say(&format!("resuming the download at byte {start}"));
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .append(start > 0)
            .truncate(start == 0)
            .open(dest)
            .map_err(DataError::io(dest))?;
        let mut out = std::io::BufWriter::new(file);
        let mut body = response.into_body().into_reader();
        progress.start(total, start);
        let result = copy(&mut body, &mut out, dest, start, progress);
        progress.finish();
        out.flush().map_err(DataError::io(dest))?;
        let got = match result {
            Ok(got) => got,
            Err(CopyError::Read(got, e)) => return Err(interrupted(url, got, total, e)),
            Err(CopyError::Write(e)) => return Err(e),
        };
        if total.is_some_and(|t| got != t) {
            return Err(interrupted(
                url,
                got,
                total,
                "the connection closed early".into(),
            ));
        }
        out.get_ref().sync_all().map_err(DataError::io(dest))?;
        return Ok(Downloaded {
            bytes: got,
            resumed_from: start,
        });
    }
    Err(DataError::Status {
        url: url.to_string(),
        status: 416,
    })
}

enum CopyError {
    /// The body failed after this many bytes of the file.
    Read(u64, String),
    Write(DataError),
}

fn copy(
    body: &mut impl Read,
    out: &mut impl Write,
    dest: &Path,
    mut got: u64,
    progress: &mut Progress,
) -> Result<u64, CopyError> {
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = match body.read(&mut buf) {
            Ok(0) => return Ok(got),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(CopyError::Read(got, e.to_string())),
        };
        out.write_all(&buf[..n])
            .map_err(|e| CopyError::Write(DataError::io(dest)(e)))?;
        got += n as u64;
        progress.advance(n as u64);
    }
}

fn interrupted(url: &str, got: u64, total: Option<u64>, message: String) -> DataError {
    DataError::Interrupted {
        url: url.to_string(),
        got,
        total: total.map_or_else(|| "an unknown number of".into(), |t| t.to_string()),
        message,
    }
}

/// `bytes START-END/TOTAL` or `bytes */TOTAL` → (START, TOTAL); `*` gives START 0.
fn parse_content_range(value: &str) -> Option<(u64, Option<u64>)> {
    let rest = value.trim().strip_prefix("bytes")?.trim_start();
    let (range, total) = rest.split_once('/')?;
    let total = total.trim().parse().ok();
    let start = match range.trim() {
        "*" => 0,
        r => r.split_once('-')?.0.trim().parse().ok()?,
    };
    Some((start, total))
}

#[cfg(test)]
mod tests {
    use super::parse_content_range;

    #[test]
    fn content_ranges_parse() {
        assert_eq!(
            parse_content_range("bytes 100-199/200"),
            Some((100, Some(200)))
        );
        assert_eq!(parse_content_range("bytes */200"), Some((0, Some(200))));
        assert_eq!(parse_content_range("bytes 5-9/*"), Some((5, None)));
        assert_eq!(parse_content_range("items 1-2/3"), None);
    }
}
