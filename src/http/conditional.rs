//! Validators for every GET answer that brings none of its own (JSON answers, CSV, downloads,
//! OGC items, search): a strong ETag from the bytes sent, so a gzipped and a plain answer
//! differ and replicas of the same data agree; `Last-Modified` from the data files' newest
//! change; and 304 Not Modified on a matching `If-None-Match` (or, without one, an
//! `If-Modified-Since` not older than the data). Tiles and cached documents keep their
//! precomputed ETags and 304s; they only gain `Last-Modified`. Answers with no
//! `Cache-Control` of their own get `no-cache` (revalidate each time).
//!
//! Left alone: other methods, statuses other than 200, `Cache-Control: no-store` answers
//! (per-request documents), files served with byte ranges (a tile archive is streamed, not
//! read into memory), and the operator's endpoints (health, readiness, metrics), which must
//! always answer afresh.
//!
//! Failure modes: a body that fails while being read is answered 500 with a sentence (the
//! handler's bytes are already in memory, so this does not happen in practice).

use super::errors::ApiError;
use super::tiles::etag_matches;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::time::SystemTime;

/// Largest answer of known size read into memory to compute its ETag.
const MAX_BUFFERED: u64 = 256 << 20;

/// Paths whose answers describe the moment, not the data.
const LIVE: [&str; 3] = ["/api/health", "/api/ready", "/metrics"];

/// The strong ETag of a body: the first 128 bits of its SHA-256, in hex and quotes.
pub fn etag_of(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// The middleware (see the module docs); `modified` is the data's newest change.
pub async fn validators(
    State(modified): State<Option<SystemTime>>,
    request: Request,
    next: Next,
) -> Response {
    let wanted = matches!(*request.method(), Method::GET | Method::HEAD)
        && !LIVE.contains(&request.uri().path());
    let conditions = request.headers().clone();
    let response = next.run(request).await;
    if !wanted || response.status() != StatusCode::OK || no_store(response.headers()) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // Seconds only: HTTP dates have no finer resolution, and If-Modified-Since compares them.
    let modified = modified.map(httpdate::HttpDate::from);
    if let Some(m) = modified {
        if !parts.headers.contains_key(header::LAST_MODIFIED) {
            if let Ok(v) = HeaderValue::from_str(&m.to_string()) {
                parts.headers.insert(header::LAST_MODIFIED, v);
            }
        }
    }
    if parts.headers.contains_key(header::ETAG)
        || parts.headers.contains_key(header::ACCEPT_RANGES)
        || axum::body::HttpBody::size_hint(&body)
            .exact()
            .is_some_and(|n| n > MAX_BUFFERED)
    {
        // Tiles and cached documents have their own ETag and 304 already; files served with
        // ranges (a tile archive, possibly gigabytes) are streamed with the file's own
        // Last-Modified, never read into memory here.
        return Response::from_parts(parts, body);
    }
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(e) => {
            return ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("the answer could not be read: {e}"),
            )
            .into_response()
        }
    };
    let etag = etag_of(&bytes);
    if let Ok(v) = HeaderValue::from_str(&etag) {
        parts.headers.insert(header::ETAG, v);
    }
    // Without a policy of its own, an answer is revalidated before each use (a 304 is cheap),
    // never kept on a guess from Last-Modified: a reload may change it at any time.
    parts
        .headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static(super::cached::REVALIDATE));
    if not_modified(&conditions, &etag, modified) {
        parts.status = StatusCode::NOT_MODIFIED;
        for h in [
            header::CONTENT_LENGTH,
            header::CONTENT_TYPE,
            header::CONTENT_ENCODING,
            header::CONTENT_DISPOSITION,
        ] {
            parts.headers.remove(h);
        }
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Folds every `Vary` line (compression, CORS, content negotiation each add one) into one,
/// names once each: some caches (nginx 1.22) read only the last `Vary` line.
pub async fn one_vary(mut response: Response) -> Response {
    let h = response.headers_mut();
    if h.get_all(header::VARY).iter().count() < 2 {
        return response;
    }
    let mut names: Vec<String> = Vec::new();
    for v in h.get_all(header::VARY) {
        for name in v.to_str().unwrap_or_default().split(',') {
            let name = name.trim();
            if !name.is_empty() && !names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                names.push(name.to_string());
            }
        }
    }
    if let Ok(v) = HeaderValue::from_str(&names.join(", ")) {
        h.insert(header::VARY, v);
    }
    response
}

/// RFC 9110 §13.2.2: If-None-Match decides when present; otherwise If-Modified-Since.
fn not_modified(h: &HeaderMap, etag: &str, modified: Option<httpdate::HttpDate>) -> bool {
    if h.contains_key(header::IF_NONE_MATCH) {
        return etag_matches(h, etag);
    }
    let since = h
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<httpdate::HttpDate>().ok());
    matches!((since, modified), (Some(s), Some(m)) if m <= s)
}

fn no_store(h: &HeaderMap) -> bool {
    h.get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("no-store"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(k.clone(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn if_none_match_decides_before_if_modified_since() {
        let m: httpdate::HttpDate = "Sun, 29 Nov 2026 12:00:00 GMT".parse().unwrap();
        let tag = etag_of(b"{}");
        assert_eq!(tag.len(), 34);
        assert!(not_modified(
            &headers(&[(header::IF_NONE_MATCH, &tag)]),
            &tag,
            Some(m)
        ));
        // a different tag wins over a date that would say "not modified"
        assert!(!not_modified(
            &headers(&[
                (header::IF_NONE_MATCH, "\"other\""),
                (header::IF_MODIFIED_SINCE, "Mon, 30 Nov 2026 12:00:00 GMT"),
            ]),
            &tag,
            Some(m)
        ));
        assert!(not_modified(
            &headers(&[(header::IF_MODIFIED_SINCE, "Sun, 29 Nov 2026 12:00:00 GMT")]),
            &tag,
            Some(m)
        ));
        assert!(!not_modified(
            &headers(&[(header::IF_MODIFIED_SINCE, "Sat, 28 Nov 2026 12:00:00 GMT")]),
            &tag,
            Some(m)
        ));
        assert!(!not_modified(
            &headers(&[(header::IF_MODIFIED_SINCE, "yesterday")]),
            &tag,
            Some(m)
        ));
        assert!(!not_modified(&HeaderMap::new(), &tag, Some(m)));
    }
}
