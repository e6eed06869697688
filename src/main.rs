//! The `london-atlas` command: `serve` the map service, `check` the data. Thin on purpose:
//! everything it does lives in the library.

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use london_atlas::http::{serve, AppState};
use london_atlas::render::batch::render_maps;
use london_atlas::render::MapRenderer;
use london_atlas::tiles::{TileStore, Tileset};
use london_atlas::{Atlas, Manifest, Options};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

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
    },
    /// Write files: `export tiles DIR` writes z/x/y.mvt and metadata.json.
    Export {
        #[command(subcommand)]
        what: ExportCommand,
    },
    /// Draw static map images: `render maps DIR --indicator ID [--layer boroughs --each]`.
    Render {
        #[command(subcommand)]
        what: RenderCommand,
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

#[derive(Subcommand)]
enum RenderCommand {
    /// PNG choropleths of an indicator: `{indicator}.png` of London, or with `--layer L
    /// --each` one `{indicator}-{code}.png` per area of L (needs the `maps` feature).
    Maps {
        #[command(flatten)]
        data: DataArgs,
        /// Folder to write into (created if missing).
        dir: PathBuf,
        /// Indicator id (see /api/indicators).
        #[arg(long)]
        indicator: String,
        /// Layer whose areas get one map each (with --each).
        #[arg(long, requires = "each")]
        layer: Option<String>,
        /// One map per area of --layer.
        #[arg(long, requires = "layer")]
        each: bool,
        /// Image width, pixels (64 to 2048).
        #[arg(long, default_value_t = 1024)]
        width: u32,
        /// Image height, pixels (64 to 2048).
        #[arg(long, default_value_t = 768)]
        height: u32,
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
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,wgpu_core=warn,wgpu_hal=warn,naga=warn".into()),
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
        Command::Render {
            what:
                RenderCommand::Maps {
                    data,
                    dir,
                    indicator,
                    layer,
                    each,
                    width,
                    height,
                },
        } => {
            let atlas = Arc::new(load(&data)?);
            let maps = MapRenderer::new(Arc::new(TileStore::new(atlas)));
            let started = std::time::Instant::now();
            let each = if each { layer.as_deref() } else { None };
            let s = render_maps(&maps, &dir, &indicator, each, width, height)?;
            println!(
                "wrote {} map images ({} bytes) to {} in {:.1} s",
                s.files.len(),
                s.bytes,
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
        } => {
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
            // Map images: open the device and run the renderer's self-test now (it logs).
            let maps = state.maps.clone();
            std::thread::spawn(move || maps.start());
            let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
            rt.block_on(serve(addr, state, |bound| {
                tracing::info!("London Atlas listening on http://{bound}");
                println!("London Atlas listening on http://{bound}");
            }))
            .with_context(|| format!("cannot serve on {addr}"))
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
