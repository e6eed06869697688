//! Serving a prebuilt tile archive (`serve --tiles FILE.pmtiles|FILE.mbtiles`): its tiles at
//! `/tiles/archive/{z}/{x}/{y}.mvt` (gzip as stored when the client accepts it, else
//! inflated), its TileJSON at `/tiles/archive.json`, and the file itself at
//! `/archive/{file name}` with HTTP Range (what a PMTiles client or a CDN reads).
//!
//! Failure modes: no archive served -> 404; bad z/x/y -> 400; an unreadable archive -> 500;
//! each a JSON sentence. A tile the archive lacks is 204, as for live tiles.

use super::errors::ApiError;
use super::tiles::{accepts_gzip, parse_coord, CACHE_CONTROL, MVT_MEDIA_TYPE};
use super::AppState;
use crate::tiles::archive::TileArchive;
use crate::tiles::{TileError, TileId};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use std::io::Read;
use std::sync::Arc;

fn served(s: &AppState) -> Result<Arc<TileArchive>, ApiError> {
    s.archive.clone().ok_or_else(|| {
        ApiError::not_found(
            "no tile archive is served here (start the server with --tiles FILE.pmtiles or FILE.mbtiles)",
        )
    })
}

fn server_fault(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
}

/// `GET /tiles/archive.json`
pub async fn archive_tilejson(
    State(s): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let a = served(&s)?;
    let base = match &s.public_url {
        Some(u) => u.clone(),
        None => {
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("localhost");
            format!("http://{host}")
        }
    };
    Ok(Json(a.tilejson(&base)).into_response())
}

/// `GET /tiles/archive/{z}/{x}/{y}.mvt`
pub async fn archive_tile(
    State(s): State<AppState>,
    Path((z, x, file)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let a = served(&s)?;
    let y = file
        .strip_suffix(".mvt")
        .or_else(|| file.strip_suffix(".pbf"))
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "no such tile file \"{file}\": tiles are /tiles/archive/{{z}}/{{x}}/{{y}}.mvt"
            ))
        })?;
    let id = TileId::new(
        parse_coord(&z, "z")?,
        parse_coord(&x, "x")?,
        parse_coord(y, "y")?,
    )
    .map_err(TileError::from)?;
    let Some(gzip) = a.tile(id).await.map_err(server_fault)? else {
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    let mut r = if accepts_gzip(&headers) {
        ([(header::CONTENT_ENCODING, "gzip")], gzip).into_response()
    } else {
        let mut raw = Vec::new();
        flate2::read::GzDecoder::new(&gzip[..])
            .read_to_end(&mut raw)
            .map_err(server_fault)?;
        raw.into_response()
    };
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        MVT_MEDIA_TYPE.parse().expect("media type"),
    );
    h.insert(
        header::CACHE_CONTROL,
        CACHE_CONTROL.parse().expect("cache control"),
    );
    h.insert(header::VARY, "Accept-Encoding".parse().expect("vary"));
    Ok(r)
}

/// The route serving the archive file itself with Range support, when one is served.
pub fn file_route(s: &AppState) -> Router<AppState> {
    match &s.archive {
        Some(a) => Router::new().route_service(
            &format!("/archive/{}", a.file_name()),
            tower_http::services::ServeFile::new(&a.path),
        ),
        None => Router::new(),
    }
}
