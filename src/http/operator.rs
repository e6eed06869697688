//! The operator's controls of a running server, beyond limits: `POST /admin/reload` (off
//! unless a token is configured; `Authorization: Bearer <token>` compared in constant time;
//! answers once the reload finished or failed), the request log's format (text or JSON), and
//! the allow-list of `Host` names that may appear in absolute URLs when no public URL is set.
//!
//! Failure modes: a bad token is 401 with `WWW-Authenticate: Bearer`; the endpoint without a
//! configured token is 404 (as if it did not exist); a reload under way is 409; a failed
//! reload is 500 naming why, and the old data keeps serving. A Host outside the allow-list is
//! 400 on the documents that would carry it ([`check_host`]).

use super::errors::ApiError;
use super::ops::current;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use sha2::{Digest, Sha256};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// How each request is logged (target `london_atlas::access`, at info).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// `GET /tiles/atlas/9/255/170.mvt 200 81234 1.2ms hit`
    #[default]
    Text,
    /// One JSON object per line: method, path, status, bytes, ms, cache.
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<LogFormat, String> {
        match s {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("log format must be text or json, not \"{other}\"")),
        }
    }
}

/// Operator settings of one server (flags, environment or the config file).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OperatorOptions {
    /// Enables `POST /admin/reload` for clients that send this bearer token.
    pub admin_token: Option<String>,
    pub log_format: LogFormat,
    /// Host names (optionally `name:port`) allowed in absolute URLs built from the `Host`
    /// header; `None` allows any (URLs are then marked `private, no-store`).
    pub allowed_hosts: Option<Vec<String>>,
}

impl OperatorOptions {
    /// True when `host` (a Host header value) may be used to build URLs. Names compare
    /// without case; an entry without a port allows every port.
    pub fn host_allowed(&self, host: &str) -> bool {
        let Some(list) = &self.allowed_hosts else {
            return true;
        };
        let host = host.to_ascii_lowercase();
        // The name without its port (an IPv6 literal keeps its brackets).
        let name = match host.find(']') {
            Some(end) => &host[..=end],
            None => match host.rsplit_once(':') {
                Some((n, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
                    n
                }
                _ => host.as_str(),
            },
        };
        list.iter().any(|allowed| {
            let allowed = allowed.to_ascii_lowercase();
            allowed == host || allowed == name
        })
    }
}

/// Refuses a Host outside the configured allow-list (400 naming it), so it never enters a
/// TileJSON, style or OGC document.
pub fn check_host(host: &str) -> Result<(), ApiError> {
    if current().operator.host_allowed(host) {
        Ok(())
    } else {
        // The sentence does not repeat the Host: it never enters a body.
        Err(ApiError::bad_request(
            "the request's Host is not among the server's allowed hosts (--allowed-hosts), \
             so no URL is built from it",
        ))
    }
}

/// What a reload came to.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ReloadOutcome {
    /// The new atlas serves new requests.
    Reloaded { data_version: u64, seconds: f64 },
    /// The load failed; the previous atlas keeps serving.
    Failed { data_version: u64, reason: String },
    /// Another reload was under way; nothing was done.
    Busy,
    /// This server has no reload configured.
    Unavailable,
}

/// Starts a reload and resolves when it is over (the server installs one per server).
pub type Reloader =
    Arc<dyn Fn() -> Pin<Box<dyn Future<Output = ReloadOutcome> + Send>> + Send + Sync>;

/// True when `given` is `token`, in time independent of where they differ (both hashed
/// first, so their lengths do not show either).
fn same_token(given: &str, token: &str) -> bool {
    let (a, b) = (
        Sha256::digest(given.as_bytes()),
        Sha256::digest(token.as_bytes()),
    );
    bool::from(a[..].ct_eq(&b[..]))
}

#[derive(serde::Serialize)]
struct Reloaded {
    message: String,
    #[serde(flatten)]
    outcome: ReloadOutcome,
}

/// `POST /admin/reload` (see the module header).
pub async fn admin_reload(req: Request) -> Response {
    let ops = current();
    let Some(token) = ops.operator.admin_token.as_deref() else {
        return ApiError::not_found(format!("no such endpoint: {} /admin/reload", req.method()))
            .into_response();
    };
    if req.method() != Method::POST {
        return ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("{} is not allowed on /admin/reload: use POST", req.method()),
        )
        .into_response();
    }
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    if !given.is_some_and(|g| same_token(g, token)) {
        let mut r = ApiError::new(
            StatusCode::UNAUTHORIZED,
            "reloading needs the admin token: send Authorization: Bearer <token>",
        )
        .into_response();
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"london-atlas admin\""),
        );
        return r;
    }
    let Some(reloader) = ops.reloader() else {
        return reply(ReloadOutcome::Unavailable);
    };
    // The reload runs on its own task: a client that leaves or a request timeout does not
    // stop it half-way.
    let outcome = match tokio::spawn(reloader()).await {
        Ok(o) => o,
        Err(e) => ReloadOutcome::Failed {
            data_version: ops.data_version(),
            reason: format!("the reload task failed: {e}"),
        },
    };
    reply(outcome)
}

fn reply(outcome: ReloadOutcome) -> Response {
    let (status, message) = match &outcome {
        ReloadOutcome::Reloaded {
            data_version,
            seconds,
        } => (
            StatusCode::OK,
            format!("reloaded in {seconds:.1} s: new requests use data version {data_version}"),
        ),
        ReloadOutcome::Failed {
            data_version,
            reason,
        } => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("reload failed, still serving data version {data_version}: {reason}"),
        ),
        ReloadOutcome::Busy => (
            StatusCode::CONFLICT,
            "a reload is already under way: try again when it is over".to_string(),
        ),
        ReloadOutcome::Unavailable => (
            StatusCode::SERVICE_UNAVAILABLE,
            "this server was started without a way to reload its data".to_string(),
        ),
    };
    if status.is_success() {
        (status, Json(Reloaded { message, outcome })).into_response()
    } else {
        ApiError::new(status, message).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_whole() {
        assert!(same_token("s3cret-token", "s3cret-token"));
        assert!(!same_token("s3cret-toke", "s3cret-token"));
        assert!(!same_token("", "s3cret-token"));
        assert!(!same_token("S3cret-token", "s3cret-token"));
    }

    #[test]
    fn hosts_on_the_list_with_or_without_a_port() {
        let o = OperatorOptions {
            allowed_hosts: Some(vec!["atlas.example.org".into(), "localhost:8080".into()]),
            ..OperatorOptions::default()
        };
        assert!(o.host_allowed("atlas.example.org"));
        assert!(o.host_allowed("Atlas.Example.org:443"));
        assert!(o.host_allowed("localhost:8080"));
        assert!(!o.host_allowed("localhost:9090"));
        assert!(!o.host_allowed("evil.example"));
        assert!(!o.host_allowed("atlas.example.org.evil.example"));
        assert!(OperatorOptions::default().host_allowed("anything"));
    }

    #[test]
    fn log_formats_parse() {
        assert_eq!("json".parse::<LogFormat>(), Ok(LogFormat::Json));
        assert!("xml".parse::<LogFormat>().unwrap_err().contains("xml"));
    }
}
