//! Documents that do not change while the server runs (TileJSON, styles, the indicator and
//! layer lists, the priorities, the OGC API documents): serialised once per key (a document
//! and the base URL its links use) with gzip and strong ETags computed from the bytes
//! ([`EncodedTile`], as tiles have), then answered from memory: 304 on a matching
//! If-None-Match, gzip only when accepted, `Vary: Accept-Encoding`.
//!
//! The cache is bounded by bytes: keys carry the base URL (from the Host header), so a
//! client could make many; past the budget the cache is emptied and refilled on demand.
//!
//! Failure modes: a document that fails to build is not cached and its error is answered.

use super::errors::ApiError;
use super::ops::CacheStatus;
use super::tiles::{accepts_gzip, etag_matches};
use super::{blocking_light, AppState};
use crate::tiles::EncodedTile;
use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Bytes the cache may hold before it is emptied.
pub const DOC_CACHE_BYTES: usize = 64 << 20;

/// `Cache-Control` of documents that may change with the server's data: revalidate (cheap:
/// a 304) before each use.
pub const REVALIDATE: &str = "no-cache";

#[derive(Debug, Default)]
struct Entries {
    map: HashMap<String, Arc<EncodedTile>>,
    bytes: usize,
}

/// Encoded documents by key.
#[derive(Debug, Default)]
pub struct DocCache {
    entries: Mutex<Entries>,
}

impl DocCache {
    fn get(&self, key: &str) -> Option<Arc<EncodedTile>> {
        let e = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        e.map.get(key).cloned()
    }

    fn insert(&self, key: String, doc: Arc<EncodedTile>) {
        let mut e = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let cost = doc.bytes() + key.len();
        if e.bytes + cost > DOC_CACHE_BYTES {
            e.map.clear();
            e.bytes = 0;
        }
        if let Some(old) = e.map.insert(key, doc) {
            e.bytes = e.bytes.saturating_sub(old.bytes());
        }
        e.bytes += cost;
    }

    /// How many documents are held (for tests and monitoring).
    pub fn len(&self) -> usize {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .map
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Answers the document `key` from the cache, building it (on the blocking pool) with
/// `build` the first time: JSON bytes of type `media_type`, with `cache_control`.
pub async fn document<F>(
    state: &AppState,
    key: String,
    media_type: &'static str,
    cache_control: &'static str,
    headers: &HeaderMap,
    build: F,
) -> Result<Response, ApiError>
where
    F: FnOnce() -> Result<Vec<u8>, ApiError> + Send + 'static,
{
    let (doc, cache) = match state.docs.get(&key) {
        Some(d) => (d, CacheStatus::Hit),
        None => {
            let made = blocking_light(
                move || build().map(|b| Arc::new(EncodedTile::new(b))),
                "document",
            )
            .await??;
            state.docs.insert(key, made.clone());
            (made, CacheStatus::Miss)
        }
    };
    let mut r = respond(&doc, media_type, cache_control, headers);
    r.extensions_mut().insert(cache);
    Ok(r)
}

/// JSON bytes of a serialisable answer (an error here is a server fault).
pub fn json_bytes(value: &impl serde::Serialize) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(value)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
}

fn respond(
    doc: &EncodedTile,
    media_type: &'static str,
    cache_control: &'static str,
    headers: &HeaderMap,
) -> Response {
    let gzip = accepts_gzip(headers);
    let (etag, body) = if gzip {
        (&doc.etag_gzip, doc.gzip())
    } else {
        (&doc.etag, doc.raw.clone())
    };
    let mut r = if etag_matches(headers, etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = Response::new(Body::from(body));
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
        if gzip {
            r.headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        r
    };
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    r
}
