//! The listener: a hyper accept loop around the router with the limits a public service
//! needs, signals, and reload without downtime.
//!
//! - **Connections**: at most `max_connections` open (the loop stops accepting, and logs once,
//!   at the cap); a request head must arrive within `header_timeout` (this also closes idle
//!   keep-alive connections and slowloris clients) and fit in `max_header_bytes`; each body
//!   frame within `body_timeout`; a whole answer within `request_timeout` (then 503).
//! - **Signals**: SIGTERM or Ctrl-C stops accepting and lets open requests finish for at most
//!   `drain`; a second one returns at once. SIGHUP reloads.
//! - **Reload** (SIGHUP, or `POST /admin/reload` with the operator's token, see
//!   [`super::operator`]): the [`Reload`] closure builds a new [`AppState`] beside the old (on
//!   a thread of its own); on success a fresh router replaces the old one for new requests while
//!   requests in flight finish on the old data; on failure the old one stays and the reason is
//!   logged. `GET /api/ready` answers 503 meanwhile.
//!
//! Failure modes: bind errors are returned; accept errors (e.g. out of file descriptors) are
//! logged and retried after a pause; a failed reload is logged, counted and survived.

use super::operator::{OperatorOptions, ReloadOutcome, Reloader};
use super::ops::{self, Ops};
use super::pool::{PoolLimits, RETRY_AFTER_SECONDS};
use super::{router, AppState};
use crate::http::errors::ApiError;
use crate::tiles::Tileset;
use arc_swap::ArcSwap;
use axum::body::Body;
use axum::http::{header, HeaderValue, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{watch, Semaphore};
use tower::ServiceExt;

/// The service's limits (all configurable with `serve` flags or environment variables).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServeOptions {
    pub pool: PoolLimits,
    /// Longest wait for a request's head, including the wait for the next request on a
    /// kept-alive connection.
    pub header_timeout: Duration,
    /// Longest wait for each frame of a request body.
    pub body_timeout: Duration,
    /// Longest time to answer one request (then 503).
    pub request_timeout: Duration,
    /// Connections open at once.
    pub max_connections: usize,
    /// Largest request head (request line and headers), bytes (at least 8 KiB).
    pub max_header_bytes: usize,
    /// How long open requests may finish after SIGTERM.
    pub drain: Duration,
}

impl Default for ServeOptions {
    fn default() -> ServeOptions {
        ServeOptions {
            pool: PoolLimits::default(),
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            max_connections: 4096,
            max_header_bytes: 16 * 1024,
            drain: Duration::from_secs(10),
        }
    }
}

/// Builds the state of a fresh atlas (reads the manifest and data again).
pub type Reload =
    Arc<dyn Fn() -> Result<AppState, Box<dyn std::error::Error + Send + Sync>> + Send + Sync>;

struct Shared {
    router: ArcSwap<Router>,
    ops: Arc<Ops>,
    options: ServeOptions,
}

impl Shared {
    async fn handle(self: Arc<Self>, req: Request<Incoming>) -> Response {
        let router = Router::clone(&self.router.load());
        let timeout = self.options.body_timeout;
        let req = req.map(|b| Body::new(tower_http::timeout::TimeoutBody::new(timeout, b)));
        match tokio::time::timeout(self.options.request_timeout, router.oneshot(req)).await {
            Ok(Ok(r)) => r,
            Ok(Err(never)) => match never {},
            Err(_) => {
                let mut r = ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    format!(
                        "the request took longer than the server's limit of {} s",
                        self.options.request_timeout.as_secs_f64()
                    ),
                )
                .into_response();
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
                r
            }
        }
    }

    /// Loads a new atlas beside the old and swaps it in, or keeps the old and says why (the
    /// one reload of SIGHUP, `POST /admin/reload` and [`ServerHandle::reload`]).
    async fn reload(self: Arc<Self>, reload: Reload) -> ReloadOutcome {
        if self.ops.reloading.swap(true, Ordering::SeqCst) {
            tracing::warn!("reload asked for while one is under way: ignored");
            return ReloadOutcome::Busy;
        }
        tracing::info!("reloading the manifest and data");
        let started = Instant::now();
        let built = tokio::task::spawn_blocking(move || {
            let state = reload()?;
            // New tiles are built lazily: warm the low zooms before any client asks.
            if let Err(e) = state.tiles.warm(Tileset::Atlas, 10) {
                tracing::warn!("warming the reloaded tiles failed: {e}");
            }
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(state)
        })
        .await;
        let failed = |reason: String| {
            self.ops.reloaded(Err(()));
            tracing::error!("reload failed, still serving the previous data: {reason}");
            ReloadOutcome::Failed {
                data_version: self.ops.data_version(),
                reason,
            }
        };
        let outcome = match built {
            Ok(Ok(state)) => {
                let seconds = state.atlas.report.seconds;
                self.router.store(Arc::new(router(state)));
                self.ops.reloaded(Ok(seconds));
                let outcome = ReloadOutcome::Reloaded {
                    data_version: self.ops.data_version(),
                    seconds: started.elapsed().as_secs_f64(),
                };
                tracing::info!(
                    seconds = started.elapsed().as_secs_f64(),
                    data_version = self.ops.data_version(),
                    "reloaded: new requests use the new atlas"
                );
                outcome
            }
            Ok(Err(e)) => failed(e.to_string()),
            Err(e) => failed(e.to_string()),
        };
        self.ops.reloading.store(false, Ordering::SeqCst);
        outcome
    }
}

/// A handle to a running server (tests, embedding): reload it as SIGHUP would.
#[derive(Clone)]
pub struct ServerHandle {
    shared: Arc<Shared>,
    reload: Option<Reload>,
    stop: watch::Sender<u32>,
}

impl ServerHandle {
    /// Reloads now and waits until the new atlas is in place or the reload failed.
    /// False without a [`Reload`].
    pub async fn reload(&self) -> bool {
        match &self.reload {
            Some(r) => {
                self.shared.clone().reload(r.clone()).await;
                true
            }
            None => false,
        }
    }

    /// Reloads now and says how it went.
    pub async fn reload_outcome(&self) -> ReloadOutcome {
        match &self.reload {
            Some(r) => self.shared.clone().reload(r.clone()).await,
            None => ReloadOutcome::Unavailable,
        }
    }

    /// The server's operational state (pool, data version, metrics).
    pub fn ops(&self) -> Arc<Ops> {
        self.shared.ops.clone()
    }

    /// Asks the server to stop, as SIGTERM does (twice: stop at once).
    pub fn stop(&self) {
        self.stop.send_modify(|n| *n += 1);
    }
}

/// Serves `state` on `addr` until SIGTERM or Ctrl-C (see the module header). `on_ready`
/// gets the bound address (port 0 = any port) and a handle.
pub async fn serve_with(
    addr: SocketAddr,
    options: ServeOptions,
    state: AppState,
    reload: Option<Reload>,
    on_ready: impl FnOnce(SocketAddr, ServerHandle),
) -> std::io::Result<()> {
    let operator = OperatorOptions::default();
    serve_operated(addr, options, operator, state, reload, on_ready).await
}

/// [`serve_with`] with the operator's settings: `POST /admin/reload` (with a token), the
/// request log's format, the allowed hosts.
pub async fn serve_operated(
    addr: SocketAddr,
    options: ServeOptions,
    operator: OperatorOptions,
    state: AppState,
    reload: Option<Reload>,
    on_ready: impl FnOnce(SocketAddr, ServerHandle),
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let ops = Arc::new(Ops::new(options.pool, state.atlas.report.seconds).with_operator(operator));
    let shared = Arc::new(Shared {
        router: ArcSwap::from_pointee(router(state)),
        ops: ops.clone(),
        options,
    });
    if let Some(r) = &reload {
        // A weak link: the reloader lives in Ops, which Shared owns.
        let (weak, r) = (Arc::downgrade(&shared), r.clone());
        let reloader: Reloader = Arc::new(move || {
            let (weak, r) = (weak.clone(), r.clone());
            Box::pin(async move {
                match weak.upgrade() {
                    Some(shared) => shared.reload(r).await,
                    None => ReloadOutcome::Unavailable,
                }
            })
        });
        ops.set_reloader(reloader);
    }
    let (stop_tx, mut stop) = watch::channel(0u32);
    let handle = ServerHandle {
        shared: shared.clone(),
        reload: reload.clone(),
        stop: stop_tx.clone(),
    };
    listen_for_signals(handle.clone())?;
    on_ready(listener.local_addr()?, handle);

    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(options.header_timeout)
        .max_buf_size(options.max_header_bytes.max(8192));
    let permits = Arc::new(Semaphore::new(options.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut at_cap_logged = false;
    loop {
        let permit = match permits.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                if !at_cap_logged {
                    tracing::warn!(
                        max_connections = options.max_connections,
                        "connection cap reached: new connections wait until one closes"
                    );
                    at_cap_logged = true;
                }
                tokio::select! {
                    p = permits.clone().acquire_owned() => match p {
                        Ok(p) => p,
                        Err(_) => break,
                    },
                    _ = stop.changed() => break,
                }
            }
        };
        let (stream, _peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    tracing::error!("accept error (retrying in 100 ms): {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = stop.changed() => break,
        };
        if permits.available_permits() > options.max_connections / 2 {
            at_cap_logged = false;
        }
        let _ = stream.set_nodelay(true);
        let s = shared.clone();
        let service = hyper::service::service_fn(move |req| {
            let s = s.clone();
            async move { Ok::<_, std::convert::Infallible>(s.handle(req).await) }
        });
        let conn = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        let ops = ops.clone();
        tokio::spawn(async move {
            ops.connections.inc();
            let _permit = permit;
            if let Err(e) = ops::scope(ops.clone(), conn).await {
                tracing::debug!("connection closed: {e}");
            }
            ops.connections.dec();
        });
    }
    drop(listener);
    let open = graceful.count();
    tracing::info!(
        open_connections = open,
        drain_seconds = options.drain.as_secs_f64(),
        "stopping: no new connections; letting open requests finish"
    );
    tokio::select! {
        _ = graceful.shutdown() => tracing::info!("all connections closed"),
        _ = tokio::time::sleep(options.drain) => {
            tracing::warn!("drain time passed with connections still open: exiting")
        }
        _ = stop.wait_for(|n| *n >= 2) => tracing::warn!("second stop signal: exiting now"),
    }
    Ok(())
}

/// SIGTERM and Ctrl-C count stop requests; SIGHUP reloads (and never kills the process).
fn listen_for_signals(handle: ServerHandle) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        let mut hup = signal(SignalKind::hangup())?;
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    Some(()) = term.recv() => handle.stop(),
                    Some(()) = int.recv() => handle.stop(),
                    Some(()) = hup.recv() => match &handle.reload {
                        Some(r) => {
                            tokio::spawn(handle.shared.clone().reload(r.clone()));
                        }
                        None => tracing::warn!("SIGHUP: this server has no reload configured"),
                    },
                    else => break,
                }
            }
        });
    }
    #[cfg(not(unix))]
    tokio::spawn(async move {
        while tokio::signal::ctrl_c().await.is_ok() {
            handle.stop();
        }
    });
    Ok(())
}
