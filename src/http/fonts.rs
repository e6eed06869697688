//! `GET /fonts/{fontstack}/{start}-{end}.pbf`: the glyphs MapLibre draws labels with, from the
//! atlas's context (see [`crate::load::glyphs`]). The font stack arrives URL-decoded
//! ("Noto Sans Regular"); a comma-separated stack answers from its first font we have; a range
//! we lack answers an empty body (a valid, empty glyph message).
//!
//! Failure modes: no context in the atlas or no font of the stack -> 404; a range that is not
//! `start-end` on a 256-character boundary -> 400; each with a JSON sentence.

use super::errors::ApiError;
use super::AppState;
use crate::load::glyphs::GlyphError;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::Response;

/// Glyph media type.
pub const PBF_MEDIA_TYPE: &str = "application/x-protobuf";

pub async fn glyphs(
    State(s): State<AppState>,
    Path((fontstack, file)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let range = file.strip_suffix(".pbf").ok_or_else(|| {
        ApiError::not_found(format!(
            "no such glyph file \"{file}\": glyphs are /fonts/{{fontstack}}/{{start}}-{{end}}.pbf"
        ))
    })?;
    let glyphs = s.atlas.context.as_ref().map(|c| &c.glyphs).ok_or_else(|| {
        ApiError::not_found("this atlas has no fonts (its manifest has no [context])")
    })?;
    let bytes = glyphs.range(&fontstack, range).map_err(|e| match e {
        GlyphError::UnknownFont { .. } => ApiError::not_found(e.to_string()),
        GlyphError::BadRange(_) => ApiError::bad_request(e.to_string()),
    })?;
    let mut r = Response::new(Body::from(bytes::Bytes::copy_from_slice(&bytes)));
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(PBF_MEDIA_TYPE),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(super::tiles::CACHE_CONTROL),
    );
    Ok(r)
}
