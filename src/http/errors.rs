//! HTTP errors: every failure is a status code with a JSON body `{"error": "<sentence>"}`
//! naming the bad input. Bad input is always 4xx; 500 is kept for real server faults. Each
//! domain error maps to its status here and nowhere else, so the same mistake gets the same
//! status on every route: something that does not exist (layer, area, indicator, tileset)
//! is 404, malformed input 400, a polygon that cannot be answered 422, too large 413.

use crate::ogc::OgcError;
use crate::query::QueryError;
use crate::render::RenderError;
use crate::tiles::style::StyleError;
use crate::tiles::TileError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }
}

impl From<QueryError> for ApiError {
    fn from(e: QueryError) -> ApiError {
        let status = match &e {
            e if e.is_not_found() => StatusCode::NOT_FOUND,
            QueryError::TooManyVertices { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            QueryError::BadGeometry(_) | QueryError::TooComplex(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            _ => StatusCode::BAD_REQUEST,
        };
        ApiError::new(status, e.to_string())
    }
}

impl From<TileError> for ApiError {
    fn from(e: TileError) -> ApiError {
        let status = match &e {
            TileError::UnknownTileset { .. } => StatusCode::NOT_FOUND,
            TileError::Grid(_) | TileError::Fields(_) => StatusCode::BAD_REQUEST,
            TileError::Mvt(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError::new(status, e.to_string())
    }
}

impl From<StyleError> for ApiError {
    fn from(e: StyleError) -> ApiError {
        match e {
            StyleError::UnknownIndicator { .. } => ApiError::not_found(e.to_string()),
        }
    }
}

impl From<OgcError> for ApiError {
    fn from(e: OgcError) -> ApiError {
        let status = if e.is_not_found() {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::BAD_REQUEST
        };
        ApiError::new(status, e.to_string())
    }
}

impl From<crate::formats::download::DownloadError> for ApiError {
    fn from(e: crate::formats::download::DownloadError) -> ApiError {
        let status = if e.is_not_found() {
            StatusCode::NOT_FOUND
        } else if e.is_bad_request() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::INTERNAL_SERVER_ERROR
        };
        ApiError::new(status, e.to_string())
    }
}

/// Map images: a missing renderer, device or font, or a full queue, is the service's
/// (503); an encoder fault 500.
impl From<RenderError> for ApiError {
    fn from(e: RenderError) -> ApiError {
        let status = if e.is_not_found() {
            StatusCode::NOT_FOUND
        } else if e.is_client_error() {
            StatusCode::BAD_REQUEST
        } else if matches!(e, RenderError::Scene(_) | RenderError::Failed(_)) {
            StatusCode::INTERNAL_SERVER_ERROR
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        };
        ApiError::new(status, e.to_string())
    }
}

/// The body of every error answer.
#[derive(serde::Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(ErrorBody {
                error: &self.message,
            }),
        )
            .into_response()
    }
}

/// Turns an axum extractor rejection (e.g. a body over the size cap) into a JSON error.
pub fn rejection(status: StatusCode, text: String) -> ApiError {
    let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
        format!("the request body is too large: {text}")
    } else {
        text
    };
    ApiError::new(status, message)
}

/// Text made safe to put inside HTML.
pub fn escape_html(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&#39;".to_string(),
            c => c.to_string(),
        })
        .collect()
}
