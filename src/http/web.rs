//! The web map: serves the static site in `web/` at `/` and MapLibre GL JS's dist files (from
//! `web/node_modules/maplibre-gl/dist`, installed by `npm ci --prefix web`) at `/vendor/maplibre-gl/`.
//! Only `index.html`, `css/` and `js/` of `web/` are served. Unknown `/api`, `/tiles` and
//! `/styles` paths keep the JSON 404 of the API.

use super::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use std::path::{Path, PathBuf};
use tower::{Layer, ServiceExt};
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};

/// Where the web map lives unless `--web` / `ATLAS_WEB` says otherwise.
pub const DEFAULT_WEB_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/web");

/// URL prefix of the MapLibre GL JS files.
pub const VENDOR_PREFIX: &str = "/vendor/maplibre-gl/";

/// The MapLibre files the page may load (ES modules served side by side, the stylesheet, and
/// their source maps for the browser's developer tools).
const VENDOR_FILES: &[&str] = &[
    "maplibre-gl.mjs",
    "maplibre-gl-shared.mjs",
    "maplibre-gl-worker.mjs",
    "maplibre-gl.css",
    "maplibre-gl.mjs.map",
    "maplibre-gl-worker.mjs.map",
];

/// The folders of `web/` that are served (so package.json and node_modules never are).
const WEB_FOLDERS: &[&str] = &["/css/", "/js/"];

/// Path prefixes that belong to the API and tiles: never answered with a web page.
const SERVICE_PREFIXES: &[&str] = &["/api/", "/tiles/", "/styles/", "/fonts/"];

/// The MapLibre dist folder inside a web folder.
pub fn vendor_dir(web_dir: &Path) -> PathBuf {
    web_dir
        .join("node_modules")
        .join("maplibre-gl")
        .join("dist")
}

/// Router fallback: static web files for GET/HEAD outside the service prefixes, JSON 404 otherwise.
pub async fn fallback(State(s): State<AppState>, req: Request) -> Response {
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    let service = path == "/api" || SERVICE_PREFIXES.iter().any(|p| path.starts_with(p));
    if service || (method != Method::GET && method != Method::HEAD) {
        return not_found(&req, &format!("no such endpoint: {method} {path}"));
    }
    if let Some(file) = path.strip_prefix(VENDOR_PREFIX) {
        return vendor(&s.web_dir, file, req).await;
    }
    let page =
        path == "/" || path == "/index.html" || path == "/favicon.svg" || path == "/favicon.ico";
    if !(page || WEB_FOLDERS.iter().any(|f| path.starts_with(f))) || path.contains("/.") {
        return not_found(&req, &format!("no such page: {path}"));
    }
    // Browsers ask for /favicon.ico whatever the page says: answer with the SVG icon.
    let req = if path == "/favicon.ico" {
        let (mut parts, body) = req.into_parts();
        parts.uri = axum::http::Uri::from_static("/favicon.svg");
        Request::from_parts(parts, body)
    } else {
        req
    };
    let service = CompressionLayer::new().layer(ServeDir::new(&s.web_dir));
    match service.oneshot(req).await {
        Ok(mut res) => {
            if res.status().is_success() {
                res.headers_mut()
                    .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            }
            res.map(Body::new)
        }
        Err(e) => plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("cannot read the web map: {e}"),
        ),
    }
}

async fn vendor(web_dir: &Path, file: &str, req: Request) -> Response {
    if !VENDOR_FILES.contains(&file) {
        return not_found(&req, &format!("no such MapLibre GL JS file: {file}"));
    }
    let path = vendor_dir(web_dir).join(file);
    if !path.is_file() {
        return plain(
            StatusCode::NOT_FOUND,
            "MapLibre GL JS is not installed: run `npm ci --prefix web` and reload",
        );
    }
    let service = CompressionLayer::new().layer(ServeFile::new(path));
    match service.oneshot(req).await {
        Ok(mut res) => {
            if res.status().is_success() {
                res.headers_mut().insert(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=3600"),
                );
            }
            res.map(Body::new)
        }
        Err(e) => plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("cannot read MapLibre GL JS: {e}"),
        ),
    }
}

/// A 404: a small HTML page with a link home for browsers (`Accept: text/html`), the JSON
/// `{"error"}` body of the API for everyone else.
fn not_found(req: &Request, message: &str) -> Response {
    let wants_html = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if !wants_html {
        return super::errors::ApiError::not_found(message).into_response();
    }
    let text = crate::http::errors::escape_html(message);
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Not found — London Atlas</title></head><body style=\"font-family:sans-serif;\
         max-width:40em;margin:3em auto;padding:0 1em\"><h1>Not found</h1><p>{text}.</p>\
         <p><a href=\"/\">Back to the map of London</a></p></body></html>"
    );
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page,
    )
        .into_response()
}

fn plain(status: StatusCode, text: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text.to_string(),
    )
        .into_response()
}
