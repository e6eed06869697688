//! HTTP errors: every failure is a status code with a JSON body `{"error": "<sentence>"}`
//! naming the bad input. Bad input is always 4xx; 500 is kept for real server faults.

use crate::query::QueryError;
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

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(serde_json::json!({ "error": self.message })),
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
