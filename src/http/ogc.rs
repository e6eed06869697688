//! OGC API – Features handlers under `/ogc` (domain in [`crate::ogc`]): the landing page,
//! conformance, the OpenAPI document, collections and their items. Fixed documents come from
//! the document cache (ETag, 304, gzip); items are built per request on the blocking pool and
//! carry a `Content-Crs` header.
//!
//! Failure modes: unknown collection or feature → 404, bad or unknown query parameter → 400,
//! each a JSON `{"error"}` sentence.

use super::cached::{document, json_bytes, REVALIDATE};
use super::errors::{rejection, ApiError};
use super::tiles::base_url;
use super::{blocking, AppState};
use crate::ogc::params::{feature_crs, plain, ItemsQuery};
use crate::ogc::{self, items, openapi, Crs, GEOJSON, JSON, OPENAPI_JSON};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;

type Params = Result<Query<HashMap<String, String>>, QueryRejection>;

/// The `Content-Crs` header (OGC API – Features Part 2).
pub const CONTENT_CRS: HeaderName = HeaderName::from_static("content-crs");

fn params(q: Params) -> Result<HashMap<String, String>, ApiError> {
    q.map(|Query(m)| m)
        .map_err(|e| rejection(e.status(), e.body_text()))
}

/// The API's root URL (…/ogc).
fn root(s: &AppState, headers: &HeaderMap) -> Result<String, ApiError> {
    Ok(format!("{}/ogc", base_url(s, headers)?))
}

async fn fixed<F>(
    s: &AppState,
    headers: &HeaderMap,
    what: &str,
    media_type: &'static str,
    build: F,
) -> Result<Response, ApiError>
where
    F: FnOnce(&crate::atlas::Atlas, &str) -> Result<serde_json::Value, ApiError> + Send + 'static,
{
    let base = root(s, headers)?;
    let atlas = s.atlas.clone();
    let key = format!("ogc:{what}\n{base}");
    let r = document(s, key, media_type, REVALIDATE, headers, move || {
        json_bytes(&build(&atlas, &base)?)
    })
    .await?;
    // Links built from the Host header must not reach a shared cache (as TileJSON's).
    Ok(match s.public_url {
        Some(_) => r,
        None => super::tiles::host_derived(r),
    })
}

/// `GET /ogc`
pub async fn landing(
    State(s): State<AppState>,
    headers: HeaderMap,
    q: Params,
) -> Result<Response, ApiError> {
    plain(&params(q)?)?;
    fixed(&s, &headers, "landing", JSON, |a, b| Ok(ogc::landing(a, b))).await
}

/// `GET /ogc/conformance`
pub async fn conformance(
    State(s): State<AppState>,
    headers: HeaderMap,
    q: Params,
) -> Result<Response, ApiError> {
    plain(&params(q)?)?;
    fixed(&s, &headers, "conformance", JSON, |_, b| {
        Ok(ogc::conformance(b))
    })
    .await
}

/// `GET /ogc/api`
pub async fn api(
    State(s): State<AppState>,
    headers: HeaderMap,
    q: Params,
) -> Result<Response, ApiError> {
    plain(&params(q)?)?;
    fixed(&s, &headers, "api", OPENAPI_JSON, |a, b| {
        Ok(openapi::openapi(a, b))
    })
    .await
}

/// `GET /ogc/collections`
pub async fn collections(
    State(s): State<AppState>,
    headers: HeaderMap,
    q: Params,
) -> Result<Response, ApiError> {
    plain(&params(q)?)?;
    fixed(&s, &headers, "collections", JSON, |a, b| {
        Ok(ogc::collections(a, b))
    })
    .await
}

/// `GET /ogc/collections/{id}`
pub async fn collection(
    State(s): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    q: Params,
) -> Result<Response, ApiError> {
    let Path(id) = path.map_err(|e| rejection(e.status(), e.body_text()))?;
    plain(&params(q)?)?;
    ogc::collection_layer(&s.atlas, &id)?;
    let what = format!("collection/{id}");
    fixed(&s, &headers, &what, JSON, move |a, b| {
        let layer = ogc::collection_layer(a, &id)?;
        Ok(ogc::collection(a, layer, b))
    })
    .await
}

fn geojson_answer(doc: serde_json::Value, crs: Crs) -> Response {
    let mut r = (
        [(header::CONTENT_TYPE, HeaderValue::from_static(GEOJSON))],
        axum::Json(doc),
    )
        .into_response();
    // The Json responder sets its own type; the OGC one wins.
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(GEOJSON));
    if let Ok(v) = HeaderValue::from_str(&crs.header()) {
        r.headers_mut().insert(CONTENT_CRS, v);
    }
    r
}

/// `GET /ogc/collections/{id}/items`
pub async fn collection_items(
    State(s): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    q: Params,
) -> Result<Response, ApiError> {
    let Path(id) = path.map_err(|e| rejection(e.status(), e.body_text()))?;
    let query = ItemsQuery::parse(&params(q)?)?;
    ogc::collection_layer(&s.atlas, &id)?;
    let base = root(&s, &headers)?;
    let atlas = s.atlas.clone();
    let crs = query.crs;
    let now = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    let doc = blocking(
        move || items::items(&atlas, &id, &query, &base, &now),
        "features page",
    )
    .await??;
    Ok(geojson_answer(doc, crs))
}

/// `GET /ogc/collections/{id}/items/{code}`
pub async fn collection_item(
    State(s): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
    q: Params,
) -> Result<Response, ApiError> {
    let Path((id, code)) = path.map_err(|e| rejection(e.status(), e.body_text()))?;
    let crs = feature_crs(&params(q)?)?;
    let base = root(&s, &headers)?;
    let doc = items::item(&s.atlas, &id, &code, crs, &base)?;
    Ok(geojson_answer(doc, crs))
}
