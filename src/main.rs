//! The `london-atlas` command: `serve` the map service, `check` the data. Thin on purpose:
//! everything it does lives in the library.

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use london_atlas::http::pool::PoolLimits;
use london_atlas::http::server::{serve_with, Reload, ServeOptions};
use london_atlas::http::AppState;
use london_atlas::tiles::{TileStore, Tileset};
use london_atlas::{Atlas, Manifest, Options};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "london-atlas",
    version,
    about = "London's health inequalities on one map"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct DataArgs {
    /// Folder holding the data files named in the manifest.
    #[arg(long = "data", env = "ATLAS_DATA", default_value = "../shared/data")]
    data: PathBuf,
    /// A manifest to use instead of the built-in boundaries/london.toml.
    #[arg(long, env = "ATLAS_MANIFEST")]
    manifest: Option<PathBuf>,
    /// Skip the SHA-256 check of each file against the manifest.
    #[arg(long)]
    no_verify: bool,
}

/// The service's limits (README `## Operating`); defaults suit a small machine.
#[derive(Args, Clone)]
struct LimitArgs {
    /// Heavy requests (polygons, selections, downloads) computed at once [default: CPUs].
    #[arg(long, env = "ATLAS_WORKERS")]
    workers: Option<usize>,
    /// Heavy requests allowed to wait before new ones get 503 [default: 4 x CPUs].
    #[arg(long, env = "ATLAS_QUEUE")]
    queue: Option<usize>,
    /// Seconds to receive a request head (also closes idle keep-alive connections).
    #[arg(long, env = "ATLAS_HEADER_TIMEOUT", default_value_t = 10.0)]
    header_timeout: f64,
    /// Seconds to wait for each part of a request body.
    #[arg(long, env = "ATLAS_BODY_TIMEOUT", default_value_t = 10.0)]
    body_timeout: f64,
    /// Seconds to answer one request before giving up with 503.
    #[arg(long, env = "ATLAS_REQUEST_TIMEOUT", default_value_t = 60.0)]
    request_timeout: f64,
    /// Connections open at once (keep it below the file-descriptor limit, `ulimit -n`).
    #[arg(long, env = "ATLAS_MAX_CONNECTIONS", default_value_t = 4096)]
    max_connections: usize,
    /// Largest request head (request line and headers), bytes.
    #[arg(long, env = "ATLAS_MAX_HEADER_BYTES", default_value_t = 16384)]
    max_header_bytes: usize,
    /// Seconds open requests may finish after SIGTERM (a second SIGTERM exits at once).
    #[arg(long, env = "ATLAS_DRAIN", default_value_t = 10.0)]
    drain: f64,
}

impl LimitArgs {
    fn options(&self) -> anyhow::Result<ServeOptions> {
        let secs = |name: &str, v: f64| {
            Duration::try_from_secs_f64(v)
                .ok()
                .filter(|d| !d.is_zero())
                .with_context(|| format!("--{name} must be a positive number of seconds, got {v}"))
        };
        let mut pool = PoolLimits::default();
        if let Some(w) = self.workers {
            anyhow::ensure!(w > 0, "--workers must be at least 1");
            pool.workers = w;
        }
        if let Some(q) = self.queue {
            pool.queue = q;
        }
        anyhow::ensure!(
            self.max_connections > 0,
            "--max-connections must be at least 1"
        );
        Ok(ServeOptions {
            pool,
            header_timeout: secs("header-timeout", self.header_timeout)?,
            body_timeout: secs("body-timeout", self.body_timeout)?,
            request_timeout: secs("request-timeout", self.request_timeout)?,
            max_connections: self.max_connections,
            max_header_bytes: self.max_header_bytes,
            drain: secs("drain", self.drain)?,
        })
    }
}

#[derive(Subcommand)]
enum Command {
    /// Load the data and serve the API, tiles and web map.
    Serve {
        #[command(flatten)]
        data: DataArgs,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Base URL clients reach the service at, for absolute URLs behind a proxy.
        #[arg(long, env = "ATLAS_PUBLIC_URL")]
        public_url: Option<String>,
        /// Folder of the web map served at `/` (default: the crate's web/ folder).
        #[arg(long = "web", env = "ATLAS_WEB")]
        web: Option<PathBuf>,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Write files: `export tiles DIR` writes z/x/y.mvt and metadata.json.
    Export {
        #[command(subcommand)]
        what: ExportCommand,
    },
    /// Load everything and print the counts, repairs and join report.
    Check {
        #[command(flatten)]
        data: DataArgs,
        /// Print the full report as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum ExportCommand {
    /// A tileset as z/x/y.mvt files (uncompressed) plus metadata.json, for static hosting.
    Tiles {
        #[command(flatten)]
        data: DataArgs,
        /// Folder to write into (created if missing).
        dir: PathBuf,
        /// Tileset: a layer id (boroughs, lsoa11, lsoa21, superzones) or atlas.
        #[arg(long, default_value = "atlas")]
        layer: String,
        /// Lowest zoom to write (raised to the tileset's own minzoom).
        #[arg(long, default_value_t = 0)]
        minzoom: u8,
        /// Highest zoom to write (at most 14).
        #[arg(long, default_value_t = london_atlas::tiles::MAX_ZOOM)]
        maxzoom: u8,
    },
}

fn load(args: &DataArgs) -> anyhow::Result<Atlas> {
    let manifest = match &args.manifest {
        Some(p) => Manifest::from_path(p)?,
        None => Manifest::london()?,
    };
    let options = Options {
        data_dir: args.data.clone(),
        verify_checksums: !args.no_verify,
    };
    Ok(Atlas::load(&manifest, &options)?)
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("london-atlas: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Check { data, json } => {
            let atlas = load(&data)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&atlas.report)?);
            } else {
                print!("{}", london_atlas::atlas::report::render(&atlas));
            }
            Ok(())
        }
        Command::Export {
            what:
                ExportCommand::Tiles {
                    data,
                    dir,
                    layer,
                    minzoom,
                    maxzoom,
                },
        } => {
            let atlas = Arc::new(load(&data)?);
            let store = TileStore::new(atlas);
            let t = store.tileset(&layer)?;
            let started = std::time::Instant::now();
            let s = london_atlas::tiles::export::export(&store, t, &dir, minzoom, maxzoom)?;
            println!(
                "wrote {} tiles ({} bytes, {} empty skipped) and metadata.json to {} in {:.1} s",
                s.tiles,
                s.bytes,
                s.empty,
                dir.display(),
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Serve {
            data,
            addr,
            public_url,
            web,
            limits,
        } => {
            let options = limits.options()?;
            let atlas = load(&data)?;
            log_report(&atlas);
            let mut state = AppState {
                public_url: public_url.map(|u| u.trim_end_matches('/').to_string()),
                ..AppState::new(Arc::new(atlas))
            };
            if let Some(dir) = web {
                state.web_dir = dir;
            }
            if !london_atlas::http::web::vendor_dir(&state.web_dir).is_dir() {
                tracing::warn!(
                    web = %state.web_dir.display(),
                    "MapLibre GL JS is not installed: the map at / needs `npm ci --prefix web`"
                );
            }
            // Tiles are built lazily; warm the composite tileset's low zooms meanwhile.
            let store = state.tiles.clone();
            std::thread::spawn(move || {
                let started = std::time::Instant::now();
                match store.warm(Tileset::Atlas, 10) {
                    Ok(n) => tracing::info!(
                        tiles = n,
                        seconds = started.elapsed().as_secs_f64(),
                        "tiles warmed"
                    ),
                    Err(e) => tracing::warn!("warming tiles failed: {e}"),
                }
            });
            // SIGHUP reads the manifest and data again, keeping the other settings.
            let (public_url, web_dir) = (state.public_url.clone(), state.web_dir.clone());
            let reload: Reload = Arc::new(move || {
                let atlas = load(&data)?;
                log_report(&atlas);
                Ok(AppState {
                    public_url: public_url.clone(),
                    web_dir: web_dir.clone(),
                    ..AppState::new(Arc::new(atlas))
                })
            });
            let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
            let served = rt.block_on(serve_with(
                addr,
                options,
                state,
                Some(reload),
                |bound, _| {
                    tracing::info!("London Atlas listening on http://{bound}");
                    println!("London Atlas listening on http://{bound}");
                },
            ));
            // Work still running after the drain (a stuck query) does not hold the exit.
            rt.shutdown_background();
            served.with_context(|| format!("cannot serve on {addr}"))
        }
    }
}

/// What `serve` says about the data it loaded: counts, repairs and any join gaps.
fn log_report(atlas: &Atlas) {
    let r = &atlas.report;
    for l in &r.layers {
        tracing::info!(layer = %l.id, areas = l.count, repaired = l.repaired.len(), "layer loaded");
    }
    for j in r
        .joins
        .iter()
        .filter(|j| !j.unmatched_codes.is_empty() || !j.areas_without_value.is_empty())
    {
        tracing::warn!(
            indicator = %j.indicator,
            layer = %j.layer,
            unmatched_codes = j.unmatched_codes.len(),
            areas_without_value = j.areas_without_value.len(),
            "join gaps (see `london-atlas check`)"
        );
    }
    tracing::info!(seconds = r.seconds, "atlas loaded");
}
