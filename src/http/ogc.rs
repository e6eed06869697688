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
use crate::ogc::html::{self, Page};
use crate::ogc::params::{feature_crs, plain, wants_html, ItemsQuery};
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

/// A fixed document: JSON from the document cache, or its HTML page (`page`) when the
/// client asks for one (`f=html`, or a browser's Accept).
async fn fixed<F>(
    s: &AppState,
    headers: &HeaderMap,
    p: &HashMap<String, String>,
    (what, page): (&str, Page),
    media_type: &'static str,
    build: F,
) -> Result<Response, ApiError>
where
    F: FnOnce(&crate::atlas::Atlas, &str) -> Result<serde_json::Value, ApiError> + Send + 'static,
{
    let base = root(s, headers)?;
    let atlas = s.atlas.clone();
    if page_wanted(p, headers) {
        let doc = build(&atlas, &base)?;
        return Ok(linked(s, page_answer(page, &doc, &atlas)));
    }
    let key = format!("ogc:{what}\n{base}");
    let r = document(s, key, media_type, REVALIDATE, headers, move || {
        json_bytes(&build(&atlas, &base)?)
    })
    .await?;
    Ok(linked(s, varies_by_accept(r, p)))
}

/// Every `/ogc` answer holds links: built from the Host header (no `--public-url`), they
/// must not reach a shared cache (as TileJSON's): `private, no-store`, `Vary: Host`.
fn linked(s: &AppState, r: Response) -> Response {
    match s.public_url {
        Some(_) => r,
        None => super::tiles::host_derived(r),
    }
}

/// HTML wanted: `f=html`, or no `f` and a browser's Accept.
fn page_wanted(p: &HashMap<String, String>, headers: &HeaderMap) -> bool {
    wants_html(p, headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()))
}

/// The HTML page of a document.
fn page_answer(page: Page, doc: &serde_json::Value, atlas: &crate::atlas::Atlas) -> Response {
    let html = html::render(page, doc, &atlas.attribution.join(" "));
    let r = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response();
    varies_by_accept(r, &HashMap::new())
}

/// Without `f`, the answer depends on `Accept` (a browser gets HTML): caches must know.
fn varies_by_accept(mut r: Response, p: &HashMap<String, String>) -> Response {
    if !p.contains_key("f") {
        r.headers_mut()
            .append(header::VARY, HeaderValue::from_static("Accept"));
    }
    r
}

/// A fixed document that takes no parameter but `f`: its page when `page` is given and
/// asked for, else the JSON of `media_type`.
async fn plain_document<F>(
    s: &AppState,
    headers: &HeaderMap,
    q: Params,
    (what, page): (&str, Option<Page>),
    media_type: &'static str,
    build: F,
) -> Result<Response, ApiError>
where
    F: FnOnce(&crate::atlas::Atlas, &str) -> Result<serde_json::Value, ApiError> + Send + 'static,
{
    let mut p = params(q)?;
    plain(&p)?;
    let page = match page {
        Some(page) => page,
        None => {
            // No page of its own (the OpenAPI document): always JSON.
            p.insert("f".into(), "json".into());
            Page::Landing
        }
    };
    fixed(s, headers, &p, (what, page), media_type, build).await
}

/// `GET /ogc`
pub async fn landing(
    State(s): State<AppState>,
    headers: HeaderMap,
    q: Params,
) -> Result<Response, ApiError> {
    let doc = ("landing", Some(Page::Landing));
    plain_document(&s, &headers, q, doc, JSON, |a, b| Ok(ogc::landing(a, b))).await
}

/// `GET /ogc/conformance`
pub async fn conformance(
    State(s): State<AppState>,
    headers: HeaderMap,
    q: Params,
) -> Result<Response, ApiError> {
    let doc = ("conformance", Some(Page::Conformance));
    plain_document(&s, &headers, q, doc, JSON, |_, b| Ok(ogc::conformance(b))).await
}

/// `GET /ogc/api`
pub async fn api(
    State(s): State<AppState>,
    headers: HeaderMap,
    q: Params,
) -> Result<Response, ApiError> {
    plain_document(&s, &headers, q, ("api", None), OPENAPI_JSON, |a, b| {
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
    let doc = ("collections", Some(Page::Collections));
    plain_document(&s, &headers, q, doc, JSON, |a, b| {
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
    let p = params(q)?;
    plain(&p)?;
    ogc::collection_layer(&s.atlas, &id)?;
    let what = format!("collection/{id}");
    fixed(
        &s,
        &headers,
        &p,
        (&what, Page::Collection),
        JSON,
        move |a, b| {
            let layer = ogc::collection_layer(a, &id)?;
            Ok(ogc::collection(a, layer, b))
        },
    )
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
    let p = params(q)?;
    let query = ItemsQuery::parse(&p)?;
    ogc::collection_layer(&s.atlas, &id)?;
    let base = root(&s, &headers)?;
    let atlas = s.atlas.clone();
    let crs = query.crs;
    let doc = blocking(
        move || items::items(&atlas, &id, &query, &base),
        "features page",
    )
    .await??;
    if page_wanted(&p, &headers) {
        return Ok(linked(&s, page_answer(Page::Items, &doc, &s.atlas)));
    }
    Ok(linked(&s, varies_by_accept(geojson_answer(doc, crs), &p)))
}

/// `GET /ogc/collections/{id}/items/{code}`
pub async fn collection_item(
    State(s): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
    q: Params,
) -> Result<Response, ApiError> {
    let Path((id, code)) = path.map_err(|e| rejection(e.status(), e.body_text()))?;
    let p = params(q)?;
    let crs = feature_crs(&p)?;
    let base = root(&s, &headers)?;
    let doc = items::item(&s.atlas, &id, &code, crs, &base)?;
    if page_wanted(&p, &headers) {
        return Ok(linked(&s, page_answer(Page::Item, &doc, &s.atlas)));
    }
    Ok(linked(&s, varies_by_accept(geojson_answer(doc, crs), &p)))
}
