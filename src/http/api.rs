//! JSON API handlers: layers, indicators, point, polygon query, area profile and rule select
//! (JSON or CSV). Parameters are parsed by hand so every bad value gets its own sentence.

use super::errors::{rejection, ApiError};
use super::AppState;
use crate::geom::crs::{bng_to_wgs84, wgs84_to_bng};
use crate::query::polygon::{parse_polygon, MAX_VERTICES};
use crate::query::select::{Filter, Selection};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// Longest a polygon query may compute before it is refused (422) as too intricate.
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

pub async fn health(State(s): State<AppState>) -> Json<Value> {
    let counts: Map<String, Value> = s
        .atlas
        .layers
        .iter()
        .map(|l| (l.id.clone(), json!(l.areas.len())))
        .collect();
    Json(json!({ "status": "ok", "layers": counts, "load_seconds": s.atlas.report.seconds }))
}

pub async fn layers(State(s): State<AppState>) -> Json<Value> {
    let out: Vec<Value> = s
        .atlas
        .layers
        .iter()
        .map(|l| {
            let bounds = l.extent().map(|[x0, y0, x1, y1]| {
                let (w, sth) = bng_to_wgs84(x0, y0);
                let (e, n) = bng_to_wgs84(x1, y1);
                [w, sth, e, n]
            });
            json!({
                "id": l.id,
                "title": l.title,
                "description": l.description,
                "count": l.areas.len(),
                "indicators": l.columns.keys().collect::<Vec<_>>(),
                "repaired": l.repaired,
                "minzoom": l.minzoom,
                "overlapping": l.overlapping,
                "bounds": bounds,
            })
        })
        .collect();
    Json(Value::Array(out))
}

pub async fn indicators(State(s): State<AppState>) -> Json<Value> {
    let out: Vec<Value> = s
        .atlas
        .indicators
        .iter()
        .map(|i| {
            let mut v = serde_json::to_value(i).unwrap_or(Value::Null);
            let methods: Map<String, Value> = s
                .atlas
                .layers
                .iter()
                .filter_map(|l| {
                    l.columns
                        .get(&i.id)
                        .map(|c| (l.id.clone(), json!(c.method.describe())))
                })
                .collect();
            if let Value::Object(m) = &mut v {
                m.insert("methods".into(), Value::Object(methods));
            }
            v
        })
        .collect();
    Json(Value::Array(out))
}

pub async fn point(State(s): State<AppState>, q: Params) -> Result<Json<Value>, ApiError> {
    let p = params(q)?;
    let lon = number(&p, "lon", "WGS84 longitude in degrees")?;
    let lat = number(&p, "lat", "WGS84 latitude in degrees")?;
    if !(-180.0..=180.0).contains(&lon) {
        return Err(ApiError::bad_request(format!(
            "lon {lon} is out of range: a longitude is between -180 and 180"
        )));
    }
    if !(-90.0..=90.0).contains(&lat) {
        return Err(ApiError::bad_request(format!(
            "lat {lat} is out of range: a latitude is between -90 and 90"
        )));
    }
    let atlas = &s.atlas;
    let hits = atlas.areas_at(lon, lat)?;
    let (easting, northing) = wgs84_to_bng(lon, lat);
    let areas: Vec<Value> = hits
        .iter()
        .map(|h| {
            let layer = &atlas.layers[h.layer];
            let a = &layer.areas[h.area];
            let values: Map<String, Value> = layer
                .columns
                .iter()
                .map(|(id, c)| (id.clone(), json!(c.values[h.area])))
                .collect();
            json!({
                "layer": layer.id,
                "code": a.code,
                "name": a.name,
                "borough": a.borough,
                "borough_name": a.borough.as_deref().and_then(|b| atlas.borough_name(b)),
                "properties": a.properties,
                "indicators": values,
            })
        })
        .collect();
    Ok(Json(
        json!({ "lon": lon, "lat": lat, "easting": easting, "northing": northing, "areas": areas }),
    ))
}

pub async fn query(
    State(s): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let body = body.map_err(|e| rejection(e.status(), e.body_text()))?;
    let polygon = parse_polygon(&body, MAX_VERTICES)?;
    let atlas = s.atlas.clone();
    let answer =
        tokio::task::spawn_blocking(move || atlas.query_polygon_within(&polygon, QUERY_BUDGET))
            .await
            .map_err(|_| {
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the polygon query failed",
                )
            })??;
    Ok(Json(serde_json::to_value(answer).unwrap_or(Value::Null)))
}

pub async fn area(
    State(s): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    q: Params,
) -> Result<Json<Value>, ApiError> {
    let Path((layer, code)) = path.map_err(|e| rejection(e.status(), e.body_text()))?;
    let p = params(q)?;
    let profile = s.atlas.profile(&layer, &code)?;
    let profile = serde_json::to_value(profile).unwrap_or(Value::Null);
    match p
        .get("format")
        .map(|f| f.trim().to_ascii_lowercase())
        .as_deref()
    {
        None | Some("json") => Ok(Json(profile)),
        Some("geojson") => {
            let geometry = s
                .atlas
                .layer(&layer)
                .and_then(|l| l.area(&code))
                .map(|a| wgs84_geometry(&a.geometry))
                .unwrap_or(Value::Null);
            Ok(Json(
                json!({ "type": "Feature", "geometry": geometry, "properties": profile }),
            ))
        }
        Some(other) => Err(ApiError::bad_request(format!(
            "format \"{other}\" is not supported; use json or geojson"
        ))),
    }
}

/// Every area of a layer with its value of one indicator, worst first (areas without a value
/// last): the web map's table view. Cheaper than `select` (no totals).
pub async fn values(State(s): State<AppState>, q: Params) -> Result<Json<Value>, ApiError> {
    let p = params(q)?;
    let layer_id = required(&p, "layer", "a layer id such as lsoa11")?;
    let indicator = required(&p, "indicator", "an indicator id such as no2_2019_mean")?;
    let atlas = &s.atlas;
    let layer = atlas
        .layer(layer_id)
        .ok_or_else(|| ApiError::not_found(format!("no layer \"{layer_id}\"; see /api/layers")))?;
    let column = layer.columns.get(indicator).ok_or_else(|| {
        ApiError::not_found(format!(
            "indicator \"{indicator}\" is not available on layer {layer_id}; see /api/layers"
        ))
    })?;
    let ind = atlas.indicator(indicator);
    let mut order: Vec<usize> = (0..layer.areas.len()).collect();
    order.sort_by(|&a, &b| crate::indicator::worst_first(ind, column.values[a], column.values[b]));
    let areas: Vec<Value> = order
        .iter()
        .map(|&i| {
            let a = &layer.areas[i];
            let borough_name = a.borough.as_deref().and_then(|b| atlas.borough_name(b));
            json!({
                "code": a.code,
                "name": a.name,
                "borough": a.borough,
                "borough_name": borough_name,
                "value": column.values[i],
            })
        })
        .collect();
    Ok(Json(json!({
        "layer": layer.id,
        "indicator": indicator,
        "method": column.method.describe(),
        "count": areas.len(),
        "areas": areas,
    })))
}

/// A BNG multipolygon as a GeoJSON MultiPolygon in WGS84 (6 decimals, about 0.1 m).
fn wgs84_geometry(mp: &geo::MultiPolygon<f64>) -> Value {
    crate::geom::geojson::bng_to_wgs84_geojson(mp, Some(6))
}

fn selection_geojson(s: &AppState, sel: &Selection) -> Response {
    let layer = s.atlas.layer(&sel.layer);
    let indicator = sel.indicator.clone();
    let features: Vec<Value> = sel
        .areas
        .iter()
        .map(|a| {
            let geometry = layer
                .and_then(|l| l.area(&a.code))
                .map(|area| wgs84_geometry(&area.geometry))
                .unwrap_or(Value::Null);
            json!({
                "type": "Feature",
                "geometry": geometry,
                "properties": { "code": a.code, "name": a.name, "borough": a.borough, indicator.as_str(): a.value },
            })
        })
        .collect();
    let body = json!({
        "type": "FeatureCollection",
        "layer": sel.layer,
        "where": sel.filter,
        "count": sel.count,
        "totals": sel.totals,
        "totals_method": sel.totals_method,
        "features": features,
    });
    let filename = format!(
        "attachment; filename=\"{}-{}.geojson\"",
        sel.layer, indicator
    );
    (
        [
            (header::CONTENT_TYPE, "application/geo+json".to_string()),
            (header::CONTENT_DISPOSITION, filename),
        ],
        body.to_string(),
    )
        .into_response()
}

pub async fn select(State(s): State<AppState>, q: Params) -> Result<Response, ApiError> {
    let p = params(q)?;
    let layer = required(&p, "layer", "a layer id such as lsoa11")?;
    let rule = required(&p, "where", "a rule such as no2_2016_mean>40")?;
    let filter: Filter = rule.parse()?;
    let format = p
        .get("format")
        .map(|f| f.trim().to_ascii_lowercase())
        .unwrap_or_else(|| "json".into());
    if format != "json" && format != "csv" && format != "geojson" {
        return Err(ApiError::bad_request(format!(
            "format \"{format}\" is not supported; use json, csv or geojson"
        )));
    }
    let atlas = s.atlas.clone();
    let layer = layer.to_string();
    let selection = tokio::task::spawn_blocking(move || atlas.select(&layer, &filter))
        .await
        .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "the selection failed"))??;
    if format == "csv" {
        return csv_response(&selection);
    }
    if format == "geojson" {
        return Ok(selection_geojson(&s, &selection).into_response());
    }
    Ok(Json(serde_json::to_value(selection).unwrap_or(Value::Null)).into_response())
}

fn csv_response(sel: &Selection) -> Result<Response, ApiError> {
    let indicator = sel.indicator.clone();
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot write CSV: {e}"),
        )
    };
    w.write_record(["code", "name", "borough", indicator.as_str()])
        .map_err(fail)?;
    for a in &sel.areas {
        w.write_record([
            a.code.as_str(),
            a.name.as_str(),
            a.borough.as_deref().unwrap_or(""),
            &a.value.to_string(),
        ])
        .map_err(fail)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let filename = format!("attachment; filename=\"{}-{}.csv\"", sel.layer, indicator);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, filename),
        ],
        bytes,
    )
        .into_response())
}

pub async fn search(State(s): State<AppState>, q: Params) -> Result<Json<Value>, ApiError> {
    let p = params(q)?;
    let text = required(
        &p,
        "q",
        "a borough, LSOA name or code, school name, or \"lon, lat\"",
    )?;
    let answer = s.atlas.search(text)?;
    Ok(Json(serde_json::to_value(answer).unwrap_or(Value::Null)))
}
