//! `london-atlas health`: asks a running server's `/api/health` (or `/api/ready`) whether it
//! is up, for container HEALTHCHECKs and scripts, so a runtime image needs no curl.
//!
//! Failure modes: [`ProbeError`] names the URL and what went wrong (no connection, a
//! timeout, a status other than 200).

use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("{url}: {error}")]
    Request { url: String, error: ureq::Error },
    #[error("{url} answered {status}: {body}")]
    Status {
        url: String,
        status: u16,
        body: String,
    },
}

/// GETs `url` within `timeout`; the body of a 200, else why not.
pub fn probe(url: &str, timeout: Duration) -> Result<String, ProbeError> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .user_agent(concat!(
            "london-atlas/",
            env!("CARGO_PKG_VERSION"),
            " health"
        ))
        .build()
        .into();
    let request_error = |error| ProbeError::Request {
        url: url.to_string(),
        error,
    };
    let response = agent.get(url).call().map_err(request_error)?;
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .with_config()
        .limit(64 * 1024)
        .read_to_string()
        .map_err(request_error)?;
    if status == 200 {
        Ok(body)
    } else {
        Err(ProbeError::Status {
            url: url.to_string(),
            status,
            body,
        })
    }
}
