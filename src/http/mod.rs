//! The HTTP service: JSON API under /api (contract in DESIGN.md), built on axum. The atlas is
//! built before the listener opens and shared read-only, so nothing half-loaded is served.

pub mod api;
pub mod archive;
pub mod cached;
pub mod conditional;
pub mod config;
pub mod downloads;
pub mod errors;
pub mod fonts;
pub mod isolate;
pub mod maps;
pub mod ogc;
pub mod operator;
pub mod ops;
pub mod pool;
pub mod probe;
pub mod server;
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
    /// Fixed JSON documents served with ETags (TileJSON, styles, lists, OGC API).
    pub docs: Arc<cached::DocCache>,
    /// A prebuilt tile archive served at /tiles/archive/… (`serve --tiles FILE`).
    pub archive: Option<Arc<crate::tiles::archive::TileArchive>>,
    /// Static map images (its renderer thread starts on first use).
    pub maps: Arc<crate::render::MapRenderer>,
}

impl AppState {
    /// State with defaults for everything but the atlas (tests, benches, embedding).
    pub fn new(atlas: Arc<Atlas>) -> AppState {
        AppState::with_tile_cache(atlas, crate::tiles::cache::DEFAULT_CACHE_BYTES)
    }

    /// [`AppState::new`] whose tile cache keeps at most `bytes` of tiles (`0`: none, every
    /// tile is built afresh — for measuring cold tiles).
    pub fn with_tile_cache(atlas: Arc<Atlas>, bytes: usize) -> AppState {
        let tiles = Arc::new(TileStore::with_cache_bytes(atlas.clone(), bytes));
        let maps = Arc::new(crate::render::MapRenderer::new(tiles.clone()));
        AppState {
            atlas,
            public_url: None,
            tiles,
            web_dir: PathBuf::from(web::DEFAULT_WEB_DIR),
            docs: Arc::default(),
            archive: None,
            maps,
        }
    }
}

/// The full router.
pub fn router(state: AppState) -> Router {
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers(Any)
        .expose_headers([
            axum::http::header::ETAG,
            axum::http::header::LAST_MODIFIED,
            ogc::CONTENT_CRS,
        ]);
    let archive_file = archive::file_route(&state);
    let modified = state.atlas.data_modified;
    Router::new()
        .route("/api/health", get(api::health))
        .route("/api/ready", get(ops::ready))
        .route("/metrics", get(ops::metrics))
        .route("/admin/reload", axum::routing::any(operator::admin_reload))
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
        .route(
            "/api/layers/{layer}/download",
            get(downloads::layer_download),
        )
        .route("/api/scorecards/london", get(api::scorecard_london))
        .route("/api/scorecards/{layer}/{code}", get(api::scorecard))
        .route("/tiles/{file}", get(tiles::tilejson_doc))
        .route("/styles/{file}", get(tiles::style_doc))
        .route("/ogc", get(ogc::landing))
        .route("/ogc/", get(ogc::landing))
        .route("/ogc/conformance", get(ogc::conformance))
        .route("/ogc/api", get(ogc::api))
        .route("/ogc/collections", get(ogc::collections))
        .route("/ogc/collections/{id}", get(ogc::collection))
        .route("/ogc/collections/{id}/items", get(ogc::collection_items))
        .route(
            "/ogc/collections/{id}/items/{code}",
            get(ogc::collection_item),
        )
        // JSON and CSV answers (the indicator list alone is 0.4 MB) are gzipped when the
        // client accepts it; tiles, added after, carry their own precomputed gzip.
        .layer(CompressionLayer::new())
        .route("/tiles/{tileset}/{z}/{x}/{file}", get(tiles::tile))
        // Glyph PBFs shrink by about 40 % with gzip (233 KB -> 143 KB for three stacks).
        .route(
            "/fonts/{fontstack}/{file}",
            get(fonts::glyphs).layer(CompressionLayer::new()),
        )
        .route("/tiles/archive.json", get(archive::archive_tilejson))
        .route("/tiles/archive/{z}/{x}/{file}", get(archive::archive_tile))
        .merge(archive_file)
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
        // Outside compression, so each ETag names the bytes actually sent.
        .layer(axum::middleware::from_fn_with_state(
            modified,
            conditional::validators,
        ))
        .layer(cors)
        .layer(axum::middleware::map_response(conditional::one_vary))
        .layer(axum::middleware::from_fn(ops::observe))
        .with_state(state)
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{method} is not allowed on {}", uri.path()),
    )
}

/// Runs `work` on the bounded work pool (it may take CPU for a while): 503 when the pool's
/// queue is full, and the work is skipped if the client goes away while it waits.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
    what: &str,
) -> Result<T, ApiError> {
    let pool = ops::current();
    pool.pool
        .run(pool::Lane::Heavy, what, move |_| work())
        .await
}

/// [`blocking`] for long work that checks the [`pool::Cancel`] it is given (raised when the
/// client goes away) and gives up once the work has run for `limit` (`Ok(None)`):
/// the request is answered and the work, if it does not stop at its next check (one long
/// geometry operation), is left to finish on a thread the pool has already replaced.
pub(crate) async fn blocking_within<T: Send + 'static>(
    work: impl FnOnce(&pool::Cancel) -> T + Send + 'static,
    limit: std::time::Duration,
    what: &str,
) -> Result<Option<T>, ApiError> {
    let pool = ops::current();
    pool.pool
        .run_within(pool::Lane::Heavy, what, limit, work)
        .await
}

/// [`blocking`] for short work that must not wait behind heavy requests (tile builds,
/// TileJSON, styles): it has a thread of its own besides the heavy workers.
pub(crate) async fn blocking_light<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
    what: &str,
) -> Result<T, ApiError> {
    let pool = ops::current();
    pool.pool
        .run(pool::Lane::Light, what, move |_| work())
        .await
}

/// Serves until Ctrl-C (or SIGTERM) with the default limits and no reload (see
/// [`server::serve_with`]). `on_ready` gets the bound address (port 0 = any port).
pub async fn serve(
    addr: SocketAddr,
    state: AppState,
    on_ready: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    server::serve_with(
        addr,
        server::ServeOptions::default(),
        state,
        None,
        |a, _| on_ready(a),
    )
    .await
}
