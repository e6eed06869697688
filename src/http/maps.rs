//! Static map images: `GET /maps/{indicator}.png` with `bbox=minLon,minLat,maxLon,maxLat` or
//! `area={layer}/{code}` (neither: all of London), `width` and `height` (64–2048, default
//! 1024×768) and `legend=false` for the bare map. The answer is a PNG with the extent it
//! shows in `X-Map-Bbox` (west,south,east,north), so clients can place things on it.
//!
//! Failure modes: unknown indicator, layer or area -> 404; a bad box, area, size or legend
//! -> 400; renderer busy -> 503 with `Retry-After`; no device, no font or a build without
//! the `maps` feature -> 503 with the reason. All with a JSON `{"error"}`.

use super::errors::{rejection, ApiError};
use super::{blocking, AppState};
use crate::render::view::parse_side;
use crate::render::{MapRequest, RenderError, Target};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;

/// Default image size.
pub const DEFAULT_WIDTH: u32 = 1024;
pub const DEFAULT_HEIGHT: u32 = 768;

fn parse_request(file: &str, p: &HashMap<String, String>) -> Result<MapRequest, ApiError> {
    let indicator = file
        .strip_suffix(".png")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "no map image {file}: map images are /maps/{{indicator}}.png"
            ))
        })?;
    for key in p.keys() {
        if !["bbox", "area", "width", "height", "legend"].contains(&key.as_str()) {
            return Err(ApiError::bad_request(format!(
                "unknown parameter {key}: map images take bbox or area, width, height and legend"
            )));
        }
    }
    let side = |name: &'static str, default: u32| -> Result<u32, ApiError> {
        p.get(name).map_or(Ok(default), |raw| {
            parse_side(name, raw).map_err(|e| ApiError::bad_request(e.to_string()))
        })
    };
    let legend = match p.get("legend").map(|s| s.trim()) {
        None | Some("true") => true,
        Some("false") => false,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "legend must be true or false, got \"{other}\""
            )))
        }
    };
    Ok(MapRequest {
        indicator: indicator.to_string(),
        target: Target::parse(
            p.get("bbox").map(String::as_str),
            p.get("area").map(String::as_str),
        )?,
        width: side("width", DEFAULT_WIDTH)?,
        height: side("height", DEFAULT_HEIGHT)?,
        legend,
    })
}

/// `GET /maps/{indicator}.png`
pub async fn map_image(
    State(s): State<AppState>,
    Path(file): Path<String>,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let p = q
        .map(|Query(m)| m)
        .map_err(|e| rejection(e.status(), e.body_text()))?;
    let req = parse_request(&file, &p)?;
    let maps = s.maps.clone();
    let img = match blocking(move || maps.render(&req), "map image").await? {
        Ok(img) => img,
        Err(e @ RenderError::Busy) => {
            let mut r = ApiError::from(e).into_response();
            r.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(crate::render::RETRY_AFTER_SECONDS),
            );
            return Ok(r);
        }
        Err(e) => return Err(e.into()),
    };
    let b = img.view.lonlat_bbox();
    let extent = format!("{:.6},{:.6},{:.6},{:.6}", b[0], b[1], b[2], b[3]);
    let mut r = ([(header::CONTENT_TYPE, "image/png")], img.png).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(super::tiles::CACHE_CONTROL),
    );
    if let Ok(v) = HeaderValue::from_str(&extent) {
        h.insert("x-map-bbox", v);
    }
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("x-map-bbox"),
    );
    Ok(r)
}
