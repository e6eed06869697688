//! What the running server knows about itself, for operators: its work pool, whether a
//! reload is under way, the data version, request counts and latencies. The server puts one
//! [`Ops`] in a task-local around each connection ([`scope`]); handlers reach it with
//! [`current`] (outside a server, a process-wide one with default limits). Owns the request
//! log line, `GET /metrics` (Prometheus text via `prometheus-client`) and `GET /api/ready`.

use super::errors::ApiError;
use super::operator::{LogFormat, OperatorOptions, Reloader};
use super::pool::{PoolLimits, WorkPool, RETRY_AFTER_SECONDS};
use super::AppState;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

type Labels = Vec<(String, String)>;

/// Latency buckets, seconds: 1 ms to 30 s.
const LATENCY_BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

fn latency_histogram() -> Histogram {
    Histogram::new(LATENCY_BUCKETS)
}

/// Per-server state shared with handlers.
pub struct Ops {
    pub pool: WorkPool,
    /// True while a new atlas is being loaded.
    pub reloading: AtomicBool,
    /// Bumped by each successful reload (1 = the atlas the server started with).
    pub data_version: AtomicU64,
    /// Seconds the current atlas took to load.
    load_seconds: Mutex<f64>,
    reloads_ok: AtomicU64,
    reloads_failed: AtomicU64,
    requests: Family<Labels, Counter>,
    latency: Family<Labels, Histogram, fn() -> Histogram>,
    in_flight: Gauge,
    /// Connections open now (set by the server).
    pub connections: Gauge,
    /// The operator's settings (admin token, log format, allowed hosts).
    pub operator: OperatorOptions,
    /// How `POST /admin/reload` starts a reload (installed by the server).
    reloader: OnceLock<Reloader>,
}

/// Whether an answer came from a cache (tiles, fixed documents), for the request log: set
/// by handlers as a response extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheStatus {
    Hit,
    Miss,
}

impl CacheStatus {
    fn label(status: Option<&CacheStatus>) -> &'static str {
        match status {
            Some(CacheStatus::Hit) => "hit",
            Some(CacheStatus::Miss) => "miss",
            None => "-",
        }
    }
}

impl Ops {
    pub fn new(limits: PoolLimits, load_seconds: f64) -> Ops {
        Ops {
            pool: WorkPool::new(limits),
            reloading: AtomicBool::new(false),
            data_version: AtomicU64::new(1),
            load_seconds: Mutex::new(load_seconds),
            reloads_ok: AtomicU64::new(0),
            reloads_failed: AtomicU64::new(0),
            requests: Family::default(),
            latency: Family::new_with_constructor(latency_histogram),
            in_flight: Gauge::default(),
            connections: Gauge::default(),
            operator: OperatorOptions::default(),
            reloader: OnceLock::new(),
        }
    }

    /// The same with the operator's settings.
    pub fn with_operator(mut self, operator: OperatorOptions) -> Ops {
        self.operator = operator;
        self
    }

    /// Installs how `POST /admin/reload` reloads (once; later calls are ignored).
    pub fn set_reloader(&self, reloader: Reloader) {
        let _ = self.reloader.set(reloader);
    }

    /// The installed reload, if any.
    pub fn reloader(&self) -> Option<Reloader> {
        self.reloader.get().cloned()
    }

    /// The current data version (1 at start, +1 per successful reload).
    pub fn data_version(&self) -> u64 {
        self.data_version.load(Ordering::SeqCst)
    }

    /// Records a reload's outcome (and, on success, the new atlas's load time).
    pub fn reloaded(&self, outcome: Result<f64, ()>) {
        match outcome {
            Ok(seconds) => {
                *self.load_seconds.lock().unwrap_or_else(|p| p.into_inner()) = seconds;
                self.data_version.fetch_add(1, Ordering::SeqCst);
                self.reloads_ok.fetch_add(1, Ordering::Relaxed);
            }
            Err(()) => {
                self.reloads_failed.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Ready for traffic: not reloading and the pool's queue not full.
    pub fn ready(&self) -> bool {
        !self.reloading.load(Ordering::SeqCst) && !self.pool.stats().saturated()
    }

    /// The Prometheus text of this server (`tiles` adds the current tile cache's counts).
    pub fn render(&self, state: &AppState) -> Result<String, std::fmt::Error> {
        let mut r = Registry::with_prefix("atlas");
        r.register(
            "http_requests",
            "HTTP requests answered, by route, method and status",
            self.requests.clone(),
        );
        r.register(
            "http_request_duration_seconds",
            "Time from request head to response head, by route",
            self.latency.clone(),
        );
        r.register(
            "http_in_flight",
            "Requests being answered now",
            self.in_flight.clone(),
        );
        r.register(
            "connections_open",
            "TCP connections open now",
            self.connections.clone(),
        );
        let p = self.pool.stats();
        let gauge = |v: usize| ConstGauge::new(v as i64);
        r.register(
            "work_queue_depth",
            "Heavy and light jobs waiting",
            gauge(p.queued),
        );
        r.register(
            "work_running",
            "Jobs running on the work pool",
            gauge(p.running),
        );
        r.register(
            "work_workers",
            "Heavy jobs allowed at once",
            gauge(p.workers),
        );
        r.register(
            "work_queue_limit",
            "Jobs allowed to wait, per lane",
            gauge(p.queue_limit),
        );
        r.register(
            "work_abandoned",
            "Jobs left running after their requests gave up (threads replaced)",
            gauge(p.abandoned),
        );
        r.register(
            "work_rejected",
            "Jobs refused with 503 because the queue was full",
            ConstCounter::new(p.rejected),
        );
        r.register(
            "work_cancelled",
            "Jobs whose client went away before they finished",
            ConstCounter::new(p.cancelled),
        );
        let c = state.tiles.cache_stats();
        r.register(
            "tile_cache_hits",
            "Tile cache hits",
            ConstCounter::new(c.hits),
        );
        r.register(
            "tile_cache_misses",
            "Tile cache misses (tiles built)",
            ConstCounter::new(c.misses),
        );
        r.register(
            "tile_cache_bytes",
            "Bytes held by the tile cache",
            gauge(c.bytes),
        );
        r.register(
            "tile_cache_max_bytes",
            "Bound of the tile cache",
            gauge(c.max_bytes),
        );
        r.register(
            "data_version",
            "Atlas generation: 1 at start, +1 per successful reload",
            ConstGauge::new(self.data_version.load(Ordering::SeqCst) as i64),
        );
        let load = *self.load_seconds.lock().unwrap_or_else(|p| p.into_inner());
        r.register(
            "data_load_seconds",
            "Seconds the current atlas took to load",
            ConstGauge::new(load),
        );
        r.register(
            "reloads_succeeded",
            "Reloads that swapped in a new atlas",
            ConstCounter::new(self.reloads_ok.load(Ordering::Relaxed)),
        );
        r.register(
            "reloads_failed",
            "Reloads that failed and kept the old atlas",
            ConstCounter::new(self.reloads_failed.load(Ordering::Relaxed)),
        );
        r.register(
            "ready",
            "1 when ready for traffic (not reloading, queue not full)",
            ConstGauge::new(i64::from(self.ready())),
        );
        let mut text = String::new();
        encode(&mut text, &r)?;
        Ok(text)
    }
}

tokio::task_local! {
    static CURRENT: Arc<Ops>;
}

/// Runs `fut` (a connection) with `ops` as the server its handlers belong to.
pub async fn scope<F: std::future::Future>(ops: Arc<Ops>, fut: F) -> F::Output {
    CURRENT.scope(ops, fut).await
}

/// The current server's [`Ops`], or a process-wide one (handlers called without a server).
pub fn current() -> Arc<Ops> {
    static FALLBACK: OnceLock<Arc<Ops>> = OnceLock::new();
    CURRENT.try_with(|o| o.clone()).unwrap_or_else(|_| {
        FALLBACK
            .get_or_init(|| Arc::new(Ops::new(PoolLimits::default(), 0.0)))
            .clone()
    })
}

/// Middleware (inside the router, so the route template is known): one log line per
/// request (method, path, status, bytes, milliseconds), request counts and latency by route,
/// and `Retry-After` on every 503.
pub async fn observe(req: Request, next: Next) -> Response {
    let ops = current();
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |m| route_label(m.as_str()));
    ops.in_flight.inc();
    let mut response = next.run(req).await;
    ops.in_flight.dec();
    let status = response.status();
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
    }
    let seconds = started.elapsed().as_secs_f64();
    let labels = vec![
        ("route".to_string(), route.clone()),
        ("method".to_string(), method.to_string()),
        ("status".to_string(), status.as_u16().to_string()),
    ];
    ops.requests.get_or_create(&labels).inc();
    ops.latency
        .get_or_create(&vec![("route".to_string(), route)])
        .observe(seconds);
    // Content-Length when a handler set it, else the body's exact size (hyper writes the
    // header later); none for a streamed body.
    let bytes = response
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .or_else(|| axum::body::HttpBody::size_hint(response.body()).exact());
    let cache = CacheStatus::label(response.extensions().get::<CacheStatus>());
    access_log(
        ops.operator.log_format,
        &method,
        &path,
        status,
        bytes,
        seconds,
        cache,
    );
    response
}

/// One line per request (target `london_atlas::access`): method, path, status, body bytes
/// (`-` when streamed without a length), milliseconds, cache hit or miss (`-`: no cache).
fn access_log(
    format: LogFormat,
    method: &axum::http::Method,
    path: &str,
    status: StatusCode,
    bytes: Option<u64>,
    seconds: f64,
    cache: &str,
) {
    let ms = (seconds * 1e4).round() / 10.0;
    match format {
        LogFormat::Text => {
            let bytes = bytes.map_or_else(|| "-".to_string(), |b| b.to_string());
            tracing::info!(
                target: "london_atlas::access",
                "{method} {path} {} {bytes} {ms:.1}ms {cache}",
                status.as_u16()
            );
        }
        // Fields, for the JSON formatter `serve --log-format json` installs: one object per
        // line with method, path, status, bytes, ms and cache beside time and level.
        LogFormat::Json => tracing::info!(
            target: "london_atlas::access",
            method = method.as_str(),
            path,
            status = status.as_u16(),
            bytes,
            ms,
            cache,
            "request"
        ),
    }
}

/// A route template as a label: `/api/areas/{layer}/{code}` → `/api/areas/:layer/:code`
/// (braces inside label values trip some Prometheus text parsers).
fn route_label(template: &str) -> String {
    template
        .split('/')
        .map(
            |seg| match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => format!(":{name}"),
                None => seg.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}

/// `GET /metrics`: Prometheus text.
pub async fn metrics(State(s): State<AppState>) -> Result<Response, ApiError> {
    let text = current()
        .render(&s)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("metrics: {e}")))?;
    let mut r = Response::new(Body::from(text));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    Ok(r)
}

/// `GET /api/ready`: 200 when ready for traffic, 503 while reloading or saturated.
#[derive(serde::Serialize)]
pub struct Readiness {
    pub ready: bool,
    pub reloading: bool,
    pub queued: usize,
    pub running: usize,
    pub data_version: u64,
}

pub async fn ready() -> Response {
    let ops = current();
    let p = ops.pool.stats();
    let body = Readiness {
        ready: ops.ready(),
        reloading: ops.reloading.load(Ordering::SeqCst),
        queued: p.queued,
        running: p.running,
        data_version: ops.data_version.load(Ordering::SeqCst),
    };
    let status = if body.ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}
