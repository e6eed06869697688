//! Tile endpoints: `GET /tiles/{tileset}/{z}/{x}/{y}.mvt` (also `.pbf`, for GDAL),
//! with `?fields=id,id` to carry only those indicator values, `GET /tiles/{tileset}.json` (TileJSON 3.0.0) and `GET /styles/{indicator}.json` (MapLibre
//! style). Tiles come from the in-memory [`TileStore`](crate::tiles::TileStore) with gzip and
//! strong ETags precomputed: 304 on a matching If-None-Match, gzip only when accepted,
//! `Vary: Accept-Encoding`, an empty tile is 204. TileJSON and styles are served the same way
//! from the document cache ([`super::cached`]), built once per base URL.
//!
//! Failure modes: unknown tileset or indicator -> 404, a z/x/y that is not a number or lies
//! outside the pyramid -> 400, each with a JSON `{"error"}` naming the bad part; an encoder
//! fault -> 500.

use super::cached::{document, json_bytes};
use super::errors::ApiError;
use super::ops::CacheStatus;
use super::{blocking_light, AppState};
use crate::tiles::{style, tilejson, EncodedTile, Fields, TileError, TileId};
use axum::body::Body;
use axum::extract::Query;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::Arc;

/// Cache lifetime announced for tiles (and TileJSON and styles under `--public-url`).
pub const CACHE_CONTROL: &str = "public, max-age=3600";
/// Media type of TileJSON and styles.
const JSON_TYPE: &str = "application/json";
/// MVT media type (vector-tile-spec 2.1).
pub const MVT_MEDIA_TYPE: &str = "application/vnd.mapbox-vector-tile";

/// The absolute base URL for links: `--public-url`, else `http://<Host>`.
pub(crate) fn base_url(state: &AppState, headers: &HeaderMap) -> Result<String, ApiError> {
    if let Some(u) = &state.public_url {
        return Ok(u.clone());
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && !h.contains(['/', ' ']))
        .ok_or_else(|| {
            ApiError::bad_request(
                "the request has no usable Host header, so absolute URLs cannot be built \
                 (start the server with --public-url)",
            )
        })?;
    super::operator::check_host(host)?;
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .filter(|s| *s == "https")
        .unwrap_or("http");
    Ok(format!("{scheme}://{host}"))
}

fn with_cache_headers(mut r: Response) -> Response {
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL),
    );
    r
}

/// Cache policy of documents that carry absolute URLs (TileJSON, styles). Built from
/// `--public-url` they are the same for every client and cacheable; built from the request's
/// Host header (untrusted: anyone can send any Host) they are `private, no-store` with
/// `Vary: Host`, so no shared cache can keep one client's hostile Host for others.
pub const HOST_DERIVED_CACHE_CONTROL: &str = "private, no-store";

fn with_url_cache_headers(state: &AppState, r: Response) -> Response {
    if state.public_url.is_some() {
        return with_cache_headers(r);
    }
    host_derived(r)
}

/// Marks an answer whose URLs came from the request's Host: `private, no-store`, `Vary: Host`.
pub(crate) fn host_derived(r: Response) -> Response {
    let mut r = r;
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(HOST_DERIVED_CACHE_CONTROL),
    );
    r.headers_mut()
        .append(header::VARY, HeaderValue::from_static("Host"));
    r
}

/// A document whose URLs depend on the base URL. With `--public-url` it is built once and
/// served from the document cache with a strong ETag; without one the base came from the
/// request's Host header, so it is built per request, marked `no-store` with `Vary: Host`,
/// and never kept: no hostile Host can reach a shared cache or fill the document cache.
async fn url_document<F>(
    s: &AppState,
    key: String,
    headers: &HeaderMap,
    build: F,
) -> Result<Response, ApiError>
where
    F: FnOnce() -> Result<Vec<u8>, ApiError> + Send + 'static,
{
    if s.public_url.is_some() {
        return document(s, key, JSON_TYPE, CACHE_CONTROL, headers, build).await;
    }
    let bytes = blocking_light(build, "document").await??;
    let r = ([(header::CONTENT_TYPE, JSON_TYPE)], bytes).into_response();
    Ok(with_url_cache_headers(s, r))
}

/// `GET /tiles/{tileset}.json`
pub async fn tilejson_doc(
    State(s): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let name = file.strip_suffix(".json").ok_or_else(|| {
        ApiError::not_found(format!(
            "no such endpoint: /tiles/{file} (TileJSON is at /tiles/{{tileset}}.json)"
        ))
    })?;
    let t = s.tiles.tileset(name)?;
    let base = base_url(&s, &headers)?;
    let store = s.tiles.clone();
    let key = format!("tilejson:{name}\n{base}");
    url_document(&s, key, &headers, move || {
        json_bytes(&tilejson::tilejson(&store, t, &base))
    })
    .await
}

/// `GET /styles/{indicator}.json`
pub async fn style_doc(
    State(s): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = file.strip_suffix(".json").ok_or_else(|| {
        ApiError::not_found(format!(
            "no such endpoint: /styles/{file} (styles are at /styles/{{indicator}}.json)"
        ))
    })?;
    let base = base_url(&s, &headers)?;
    let store = s.tiles.clone();
    let key = format!("style:{id}\n{base}");
    let id = id.to_string();
    url_document(&s, key, &headers, move || {
        json_bytes(&style::style(&store, &id, &base)?)
    })
    .await
}

pub(crate) fn parse_coord(raw: &str, name: &str) -> Result<u32, ApiError> {
    raw.parse::<u32>().map_err(|_| {
        ApiError::bad_request(format!(
            "tile {name} must be a whole number of 0 or more, got \"{raw}\""
        ))
    })
}

/// `GET /tiles/{tileset}/{z}/{x}/{y}.mvt`
pub async fn tile(
    State(s): State<AppState>,
    Path((name, z, x, file)): Path<(String, String, String, String)>,
    query: Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let y = file
        .strip_suffix(".mvt")
        .or_else(|| file.strip_suffix(".pbf"))
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "no such tile file \"{file}\": tiles are /tiles/{{tileset}}/{{z}}/{{x}}/{{y}}.mvt"
            ))
        })?;
    let t = s.tiles.tileset(&name)?;
    let id = TileId::new(
        parse_coord(&z, "z")?,
        parse_coord(&x, "x")?,
        parse_coord(y, "y")?,
    )
    .map_err(TileError::from)?;
    let fields = match query.get("fields") {
        Some(raw) => s.tiles.fields(t, raw)?,
        None => Fields::All,
    };
    // Cache hits are answered on the async worker; only a miss (up to a few hundred ms of
    // CPU for a zoom's first tile) or a tile's first gzip moves to the blocking pool.
    let gzip = accepts_gzip(&headers);
    let (got, cache) = match s.tiles.cached_tile(t, &fields, id) {
        Some(Some(hit)) if gzip && !hit.has_gzip() => {
            let tile = hit.clone();
            blocking_light(move || tile.gzip(), "tile gzip").await?;
            (Some(hit), CacheStatus::Hit)
        }
        Some(hit) => (hit, CacheStatus::Hit),
        None => {
            let store = s.tiles.clone();
            let built = move || {
                let built = store.build(t, &fields, id)?;
                if let (true, Some(tile)) = (gzip, &built) {
                    tile.gzip();
                }
                Ok::<_, TileError>(built)
            };
            (blocking_light(built, "tile").await??, CacheStatus::Miss)
        }
    };
    let mut r = respond(got, &headers);
    r.extensions_mut().insert(cache);
    Ok(r)
}

/// True when the client accepts gzip (`Accept-Encoding: gzip` or `*` with q > 0).
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .filter_map(|q| q.trim().parse::<f32>().ok())
                .next()
                .unwrap_or(1.0);
            (coding == "gzip" || coding == "*") && q > 0.0
        })
}

/// True when If-None-Match names `etag` (weak comparison, as RFC 9110 asks) or is `*`.
pub fn etag_matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim())
        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag)
}

fn respond(tile: Option<Arc<EncodedTile>>, headers: &HeaderMap) -> Response {
    let mut r = match tile {
        None => StatusCode::NO_CONTENT.into_response(),
        Some(t) => {
            let gzip = accepts_gzip(headers);
            let (etag, body) = if gzip {
                (&t.etag_gzip, t.gzip())
            } else {
                (&t.etag, t.raw.clone())
            };
            let mut r = if etag_matches(headers, etag) {
                StatusCode::NOT_MODIFIED.into_response()
            } else {
                let mut r = Response::new(Body::from(body));
                r.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(MVT_MEDIA_TYPE),
                );
                if gzip {
                    r.headers_mut()
                        .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                }
                r
            };
            if let Ok(v) = HeaderValue::from_str(etag) {
                r.headers_mut().insert(header::ETAG, v);
            }
            r
        }
    };
    r.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    with_cache_headers(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(name: header::HeaderName, value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_str(value).expect("ascii"));
        h
    }

    #[test]
    fn gzip_is_accepted_only_with_a_positive_quality() {
        assert!(accepts_gzip(&headers(
            header::ACCEPT_ENCODING,
            "gzip, deflate, br"
        )));
        assert!(accepts_gzip(&headers(
            header::ACCEPT_ENCODING,
            "br;q=1.0, GZIP;q=0.5"
        )));
        assert!(accepts_gzip(&headers(header::ACCEPT_ENCODING, "*")));
        assert!(!accepts_gzip(&headers(header::ACCEPT_ENCODING, "gzip;q=0")));
        assert!(!accepts_gzip(&headers(
            header::ACCEPT_ENCODING,
            "br, identity"
        )));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn if_none_match_compares_weakly_and_accepts_lists_and_star() {
        let tag = "\"abc\"";
        assert!(etag_matches(
            &headers(header::IF_NONE_MATCH, "\"abc\""),
            tag
        ));
        assert!(etag_matches(
            &headers(header::IF_NONE_MATCH, "W/\"abc\""),
            tag
        ));
        assert!(etag_matches(
            &headers(header::IF_NONE_MATCH, "\"x\", \"abc\""),
            tag
        ));
        assert!(etag_matches(&headers(header::IF_NONE_MATCH, "*"), tag));
        assert!(!etag_matches(
            &headers(header::IF_NONE_MATCH, "\"abc-gz\""),
            tag
        ));
        assert!(!etag_matches(&HeaderMap::new(), tag));
    }
}
