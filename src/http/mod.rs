//! The HTTP service: JSON API under /api (contract in DESIGN.md), built on axum. The atlas is
//! built before the listener opens and shared read-only, so nothing half-loaded is served.

pub mod api;
pub mod errors;
pub mod maps;
pub mod tiles;
pub mod web;

use crate::atlas::Atlas;
use crate::tiles::TileStore;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, StatusCode, Uri};
use axum::routing::{get, post};
use axum::Router;
use errors::ApiError;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{Any, CorsLayer};

/// Largest request body accepted (a drawn polygon), bytes.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    pub atlas: Arc<Atlas>,
    /// Base URL clients reach the service at (for absolute URLs), without trailing slash.
    pub public_url: Option<String>,
    /// Vector tiles of the atlas, built lazily and cached in memory.
    pub tiles: Arc<TileStore>,
    /// Folder of the web map served at `/` (see `web::DEFAULT_WEB_DIR`).
    pub web_dir: PathBuf,
    /// Static map images (its renderer thread starts on first use).
    pub maps: Arc<crate::render::MapRenderer>,
}

impl AppState {
    /// State with defaults for everything but the atlas (tests, benches, embedding).
    pub fn new(atlas: Arc<Atlas>) -> AppState {
        let tiles = Arc::new(TileStore::new(atlas.clone()));
        let maps = Arc::new(crate::render::MapRenderer::new(tiles.clone()));
        AppState {
            atlas,
            public_url: None,
            tiles,
            web_dir: PathBuf::from(web::DEFAULT_WEB_DIR),
            maps,
        }
    }
}

/// The full router.
pub fn router(state: AppState) -> Router {
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers(Any);
    Router::new()
        .route("/api/health", get(api::health))
        .route("/api/layers", get(api::layers))
        .route("/api/indicators", get(api::indicators))
        .route("/api/point", get(api::point))
        .route("/api/query", post(api::query))
        .route("/api/areas/{layer}/{code}", get(api::area))
        .route("/api/select", get(api::select))
        .route("/api/search", get(api::search))
        .route("/api/values", get(api::values))
        .route("/api/priorities", get(api::priorities))
        .route("/api/headlines", get(api::headlines))
        .route("/api/change", get(api::change))
        .route("/api/scorecards/london", get(api::scorecard_london))
        .route("/api/scorecards/{layer}/{code}", get(api::scorecard))
        .route("/tiles/{file}", get(tiles::tilejson_doc))
        .route("/styles/{file}", get(tiles::style_doc))
        // JSON and CSV answers (the indicator list alone is 0.4 MB) are gzipped when the
        // client accepts it; tiles, added after, carry their own precomputed gzip.
        .layer(CompressionLayer::new())
        .route("/tiles/{tileset}/{z}/{x}/{file}", get(tiles::tile))
        .route("/maps/{file}", get(maps::map_image))
        .fallback(web::fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(CatchPanicLayer::custom(|_| {
            axum::response::IntoResponse::into_response(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error",
            ))
        }))
        .layer(cors)
        .with_state(state)
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{method} is not allowed on {}", uri.path()),
    )
}

/// Runs `work` on the blocking pool (it may take CPU for a while).
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
    what: &str,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work).await.map_err(|_| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the {what} failed"),
        )
    })
}

/// Serves until Ctrl-C (or SIGTERM). `on_ready` gets the bound address (port 0 = any port).
pub async fn serve(
    addr: SocketAddr,
    state: AppState,
    on_ready: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    on_ready(listener.local_addr()?);
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown())
        .await
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
