//! Download handlers: `GET /api/layers/{layer}/download?format=&crs=` (a whole layer with
//! every indicator). They parse the parameters, run the domain's writer on the blocking pool
//! and answer with the file, its media type and a `Content-Disposition` file name.

use super::errors::{rejection, ApiError};
use super::{blocking, AppState};
use crate::formats::download::{download, parse_crs, Format};
use crate::formats::table::Crs;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;

/// `GET /api/layers/{layer}/download?format=gpkg|fgb|geojson|csv|fields&crs=27700|4326`
/// (defaults: gpkg, 27700).
pub async fn layer_download(
    State(s): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Path(layer) = path.map_err(|e| rejection(e.status(), e.body_text()))?;
    let Query(p) = q.map_err(|e| rejection(e.status(), e.body_text()))?;
    let format = match p.get("format") {
        Some(f) => Format::parse(f)?,
        None => Format::GeoPackage,
    };
    let crs = match p.get("crs") {
        Some(c) => parse_crs(c)?,
        None => Crs::BritishNationalGrid,
    };
    if s.atlas.layer(&layer).is_none() {
        return Err(ApiError::not_found(format!("no layer named \"{layer}\"")));
    }
    let atlas = s.atlas.clone();
    let d = blocking(move || download(&atlas, &layer, format, crs), "download").await??;
    let disposition = format!("attachment; filename=\"{}\"", d.filename);
    Ok((
        [
            (header::CONTENT_TYPE, d.media_type.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        d.bytes,
    )
        .into_response())
}
