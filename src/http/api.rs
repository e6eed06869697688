//! JSON API handlers: layers, indicators, point, polygon query, area profile, values and
//! rule select (JSON, CSV or GeoJSON). Each handler only parses its parameters (by hand, so
//! every bad value gets its own sentence), calls the domain and serialises its typed answer;
//! file formats come from [`crate::formats`].

use super::cached::{document, json_bytes, REVALIDATE};
use super::errors::{rejection, ApiError};
use super::isolate::{run_isolated, Isolated};
use super::pool::{Cancel, CpuBudget};
use super::{blocking, blocking_within, AppState};
use crate::formats;
use crate::query::boundary::parse_boundary;
use crate::query::polygon::MAX_VERTICES;
use crate::query::select::Filter;
use crate::query::upload::is_zip;
use crate::query::QueryError;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use std::collections::BTreeMap;
use std::collections::HashMap;

/// Media type of the JSON answers.
const JSON: &str = "application/json";

/// Longest a polygon query may run (wall clock, once started) before it is answered 422: a
/// large boundary's child process is then killed; a small one's worker is left to finish
/// its current overlay (small ones take milliseconds) on a thread the pool has replaced.
pub const QUERY_RUN_LIMIT: std::time::Duration = std::time::Duration::from_secs(30);

/// Boundaries larger than this (bytes of GeoJSON, about 600 corners) and every zipped
/// shapefile are computed in a child process that can be killed ([`run_isolated`]).
pub const ISOLATE_ABOVE_BYTES: usize = 16 * 1024;

/// CPU time a polygon query may use before it is refused (422) as too intricate.
pub const QUERY_BUDGET: std::time::Duration = std::time::Duration::from_secs(10);

type Params = Result<Query<HashMap<String, String>>, QueryRejection>;

fn params(q: Params) -> Result<HashMap<String, String>, ApiError> {
    q.map(|Query(m)| m)
        .map_err(|e| rejection(e.status(), e.body_text()))
}

fn required<'a>(
    p: &'a HashMap<String, String>,
    name: &str,
    what: &str,
) -> Result<&'a str, ApiError> {
    p.get(name)
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::bad_request(format!("missing query parameter {name} ({what})")))
}

fn number(p: &HashMap<String, String>, name: &str, what: &str) -> Result<f64, ApiError> {
    let raw = required(p, name, what)?;
    raw.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| {
            ApiError::bad_request(format!("{name} must be a number ({what}), got \"{raw}\""))
        })
}

/// `GET /api/health`.
#[derive(Debug, Serialize)]
pub struct Health<'a> {
    pub status: &'static str,
    pub layers: BTreeMap<&'a str, usize>,
    pub load_seconds: f64,
    /// Jobs waiting for the work pool, and running on it.
    pub queued: usize,
    pub running: usize,
    /// 1 at start, +1 per successful reload.
    pub data_version: u64,
}

pub async fn health(State(s): State<AppState>) -> Response {
    let layers = s
        .atlas
        .layers
        .iter()
        .map(|l| (l.id.as_str(), l.areas.len()))
        .collect();
    let ops = super::ops::current();
    let work = ops.pool.stats();
    let health = Health {
        // Alive either way; "degraded" while heavy work is refused (see /api/ready).
        status: if work.saturated() { "degraded" } else { "ok" },
        layers,
        load_seconds: s.atlas.report.seconds,
        queued: work.queued,
        running: work.running,
        data_version: ops.data_version.load(std::sync::atomic::Ordering::SeqCst),
    };
    Json(health).into_response()
}

/// A JSON answer that depends only on the atlas: built once, then served from the document
/// cache with a strong ETag.
async fn atlas_json(
    s: &AppState,
    headers: &HeaderMap,
    key: &str,
    build: impl FnOnce(&crate::atlas::Atlas) -> Result<Vec<u8>, ApiError> + Send + 'static,
) -> Result<Response, ApiError> {
    let atlas = s.atlas.clone();
    document(s, key.into(), JSON, REVALIDATE, headers, move || {
        build(&atlas)
    })
    .await
}

pub async fn layers(State(s): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    atlas_json(&s, &headers, "api:layers", |atlas| {
        json_bytes(&atlas.layer_infos())
    })
    .await
}

pub async fn indicators(
    State(s): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    atlas_json(&s, &headers, "api:indicators", |atlas| {
        json_bytes(&atlas.indicator_infos())
    })
    .await
}

pub async fn point(State(s): State<AppState>, q: Params) -> Result<Response, ApiError> {
    let p = params(q)?;
    let lon = number(&p, "lon", "WGS84 longitude in degrees")?;
    let lat = number(&p, "lat", "WGS84 latitude in degrees")?;
    let only = s.atlas.point_selection(
        p.get("layers").map(String::as_str),
        p.get("fields").map(String::as_str),
    )?;
    Ok(Json(s.atlas.point_in(lon, lat, &only)?).into_response())
}

pub async fn query(
    State(s): State<AppState>,
    q: Params,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let p = params(q)?;
    let with_geojson = match p.get("boundary").map(|v| v.trim()) {
        None | Some("") => false,
        Some("geojson") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "boundary \"{other}\" is not supported; use boundary=geojson to have the boundary as read sent back"
            )))
        }
    };
    let body = body.map_err(|e| rejection(e.status(), e.body_text()))?;
    let body = form_file(&headers, body).await?;
    let atlas = s.atlas.clone();
    // Parsing, the validity check (a second at 20,000 vertices) and the overlays run on a
    // pool worker. A large boundary runs in a child process forked from it: one exact
    // overlay cannot be interrupted, but the child can be killed once its CPU time passes
    // the budget or the client goes away. A small one (a drawn shape) runs in the worker,
    // where the budget is checked between areas; forking would cost it about 9 ms.
    let isolate = is_zip(&body) || body.len() > ISOLATE_ABOVE_BYTES;
    let work = move |cancel: &Cancel| {
        let compute = |keep_going: &dyn Fn() -> bool| {
            // A GeoJSON polygon or FeatureCollection, or a zipped shapefile.
            let boundary = parse_boundary(&body, MAX_VERTICES)?;
            let answer =
                atlas.query_boundary_while(&boundary, with_geojson, QUERY_BUDGET, keep_going)?;
            json_bytes(&answer)
        };
        if isolate {
            return run_isolated(QUERY_BUDGET, cancel, || compute(&|| true));
        }
        let budget = CpuBudget::start(QUERY_BUDGET);
        Isolated::Done(compute(&|| budget.left() && !cancel.is_cancelled()))
    };
    let too_complex = || ApiError::from(QueryError::TooComplex(QUERY_BUDGET.as_secs_f64()));
    match blocking_within(work, QUERY_RUN_LIMIT, "polygon query").await? {
        Some(Isolated::Done(answer)) => {
            Ok(([(header::CONTENT_TYPE, JSON)], answer?).into_response())
        }
        None | Some(Isolated::OverBudget) => Err(too_complex()),
        Some(Isolated::Cancelled) => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the polygon query was stopped before it finished (the request ended)",
        )),
        Some(Isolated::Failed(why)) => Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the polygon query failed: {why}"),
        )),
    }
}

/// The boundary file of a `multipart/form-data` body (an HTML form, `curl -F file=@x.zip`):
/// the first part that is a file, or the first part named `file`; any other body as it is.
async fn form_file(headers: &HeaderMap, body: Bytes) -> Result<Bytes, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !content_type.starts_with("multipart/form-data") {
        return Ok(body);
    }
    let request = axum::http::Request::builder()
        .header(header::CONTENT_TYPE, content_type)
        .body(axum::body::Body::from(body))
        .map_err(|e| ApiError::bad_request(format!("the form cannot be read: {e}")))?;
    use axum::extract::FromRequest;
    let mut form = axum::extract::Multipart::from_request(request, &())
        .await
        .map_err(|e| {
            ApiError::bad_request(format!("the form cannot be read: {}", e.body_text()))
        })?;
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        ApiError::bad_request(format!("the form cannot be read: {}", e.body_text()))
    };
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        if field.file_name().is_some() || field.name() == Some("file") {
            return field.bytes().await.map_err(unreadable);
        }
    }
    Err(ApiError::bad_request(
        "the form holds no file; send the boundary (GeoJSON or a zipped shapefile) as a file field, e.g. curl -F file=@boundary.zip",
    ))
}

/// The `format` parameter, lower-cased, if one of `allowed` (the first is the default).
fn format<'a>(p: &HashMap<String, String>, allowed: &[&'a str]) -> Result<&'a str, ApiError> {
    let Some(raw) = p.get("format") else {
        return Ok(allowed[0]);
    };
    let want = raw.trim().to_ascii_lowercase();
    allowed
        .iter()
        .find(|f| **f == want)
        .copied()
        .ok_or_else(|| {
            let (last, rest) = allowed.split_last().unwrap_or((&"json", &[]));
            ApiError::bad_request(format!(
                "format \"{want}\" is not supported; use {} or {last}",
                rest.join(", ")
            ))
        })
}

pub async fn area(
    State(s): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    q: Params,
) -> Result<Response, ApiError> {
    let Path((layer, code)) = path.map_err(|e| rejection(e.status(), e.body_text()))?;
    let p = params(q)?;
    let profile = s.atlas.profile(&layer, &code)?;
    if format(&p, &["json", "geojson"])? == "json" {
        return Ok(Json(profile).into_response());
    }
    let geometry = s
        .atlas
        .layer(&layer)
        .and_then(|l| l.area(&code))
        .map(|a| &a.geometry);
    let properties = serde_json::to_value(&profile).map_err(server_fault)?;
    Ok(Json(formats::geojson::feature(geometry, properties)).into_response())
}

/// Every area of a layer with its value of one indicator, worst first (the table view).
pub async fn values(State(s): State<AppState>, q: Params) -> Result<Response, ApiError> {
    let p = params(q)?;
    let layer = required(&p, "layer", "a layer id such as lsoa11")?;
    let indicator = required(&p, "indicator", "an indicator id such as no2_2019_mean")?;
    Ok(Json(s.atlas.values(layer, indicator)?).into_response())
}

pub async fn select(State(s): State<AppState>, q: Params) -> Result<Response, ApiError> {
    let p = params(q)?;
    let layer = required(&p, "layer", "a layer id such as lsoa11")?.to_string();
    let rule = required(&p, "where", "a rule such as no2_2016_mean>40")?;
    let filter: Filter = rule.parse()?;
    let format = format(&p, &["json", "csv", "geojson"])?;
    let atlas = s.atlas.clone();
    let sel = blocking(move || atlas.select(&layer, &filter), "selection").await??;
    let name = format!("{}-{}", sel.layer, sel.indicator);
    match format {
        "csv" => {
            let bytes = formats::csv::selection(&sel).map_err(server_fault)?;
            Ok(download(
                bytes,
                "text/csv; charset=utf-8",
                &format!("{name}.csv"),
            ))
        }
        "geojson" => {
            let body = formats::geojson::selection(&s.atlas, &sel).to_string();
            Ok(download(
                body.into_bytes(),
                "application/geo+json",
                &format!("{name}.geojson"),
            ))
        }
        _ => Ok(Json(sel).into_response()),
    }
}

/// A file download: the body with its media type and a file name.
fn download(bytes: Vec<u8>, media_type: &'static str, filename: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, media_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

fn server_fault(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
}

pub async fn search(State(s): State<AppState>, q: Params) -> Result<Response, ApiError> {
    let p = params(q)?;
    let text = required(
        &p,
        "q",
        "a borough, LSOA name or code, school name, or \"lon, lat\"",
    )?;
    Ok(Json(s.atlas.search(text)?).into_response())
}

pub async fn priorities(
    State(s): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    atlas_json(&s, &headers, "api:priorities", |atlas| {
        json_bytes(&atlas.priorities)
    })
    .await
}

pub async fn headlines(State(s): State<AppState>) -> Result<Response, ApiError> {
    let atlas = s.atlas.clone();
    Ok(Json(blocking(move || atlas.headlines(), "headlines").await??).into_response())
}

/// `GET /api/scorecards/{layer}/{code}` (JSON or `format=csv`).
pub async fn scorecard(
    State(s): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    q: Params,
) -> Result<Response, ApiError> {
    let Path((layer, code)) = path.map_err(|e| rejection(e.status(), e.body_text()))?;
    scorecard_answer(&s, &layer, &code, &params(q)?)
}

/// `GET /api/scorecards/london` (JSON or `format=csv`).
pub async fn scorecard_london(State(s): State<AppState>, q: Params) -> Result<Response, ApiError> {
    let london = crate::query::scorecard::LONDON;
    scorecard_answer(&s, london, london, &params(q)?)
}

fn scorecard_answer(
    s: &AppState,
    layer: &str,
    code: &str,
    p: &HashMap<String, String>,
) -> Result<Response, ApiError> {
    let format = format(p, &["json", "csv"])?;
    let card = s.atlas.scorecard(layer, code)?;
    if format == "csv" {
        let bytes = formats::csv::scorecard(&card).map_err(server_fault)?;
        let name = format!("scorecard-{}-{}.csv", card.layer, card.code);
        return Ok(download(bytes, "text/csv; charset=utf-8", &name));
    }
    Ok(Json(card).into_response())
}

/// `GET /api/change?layer=&from=&to=`: two periods of one series, area by area.
pub async fn change(State(s): State<AppState>, q: Params) -> Result<Response, ApiError> {
    let p = params(q)?;
    let layer = required(&p, "layer", "a layer id such as lsoa11")?;
    let from = required(&p, "from", "the earlier indicator, e.g. no2_2013_mean")?;
    let to = required(&p, "to", "the later indicator, e.g. no2_2019_mean")?;
    Ok(Json(s.atlas.change(layer, from, to)?).into_response())
}
