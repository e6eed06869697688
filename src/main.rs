//! The `london-atlas` command: `serve` the map service, `check` the data. Thin on purpose:
//! everything it does lives in the library.

use anyhow::Context;
use clap::parser::ValueSource;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use london_atlas::http::config::ServeConfig;
use london_atlas::http::operator::{LogFormat, OperatorOptions};
use london_atlas::http::pool::PoolLimits;
use london_atlas::http::server::{serve_operated, Reload, ServeOptions};
use london_atlas::http::AppState;
use london_atlas::render::batch::render_maps;
use london_atlas::render::MapRenderer;
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
    /// When files are missing, run `london-atlas data fetch` first (from $ATLAS_DATA_URL or
    /// the manifest's mirror).
    #[arg(long)]
    fetch: bool,
}

/// The data folder and manifest, for `london-atlas data ...`.
#[derive(Args, Clone)]
struct FolderArgs {
    /// Folder holding the data files named in the manifest.
    #[arg(long = "data", env = "ATLAS_DATA", default_value = "../shared/data")]
    data: PathBuf,
    /// A manifest to use instead of the built-in boundaries/london.toml.
    #[arg(long, env = "ATLAS_MANIFEST")]
    manifest: Option<PathBuf>,
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

/// The operator's settings of `serve` (README `## Operating`).
#[derive(Args, Clone)]
struct OperatorArgs {
    /// A TOML file with any of serve's options (flag names with `_`); flags and environment
    /// variables override it.
    #[arg(long, env = "ATLAS_CONFIG")]
    config: Option<PathBuf>,
    /// Enables `POST /admin/reload` for clients sending `Authorization: Bearer <token>`.
    #[arg(long, env = "ATLAS_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// Request log lines as `text` or `json` (one object per line).
    #[arg(long, env = "ATLAS_LOG_FORMAT", default_value = "text")]
    log_format: LogFormat,
    /// Hosts (comma-separated, `name` or `name:port`) allowed in URLs built from the Host
    /// header when no --public-url is set; other Hosts get 400 on TileJSON, styles and OGC.
    #[arg(long, env = "ATLAS_ALLOWED_HOSTS", value_delimiter = ',')]
    allowed_hosts: Option<Vec<String>>,
}

impl OperatorArgs {
    fn options(&self) -> OperatorOptions {
        OperatorOptions {
            admin_token: self.admin_token.clone().filter(|t| !t.is_empty()),
            log_format: self.log_format,
            allowed_hosts: self.allowed_hosts.clone(),
        }
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
        /// A prebuilt tile archive (.pmtiles or .mbtiles) to serve at /tiles/archive/….
        #[arg(long = "tiles")]
        tiles: Option<PathBuf>,
        /// Memory for built vector tiles, MiB; 0 keeps none (every tile built afresh).
        #[arg(long, env = "ATLAS_TILE_CACHE_MB", default_value_t = london_atlas::tiles::cache::DEFAULT_CACHE_BYTES >> 20)]
        tile_cache_mb: usize,
        #[command(flatten)]
        limits: LimitArgs,
        #[command(flatten)]
        operator: OperatorArgs,
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
    /// Ask a running server whether it is up (exit 0 on a 200): the container HEALTHCHECK.
    Health {
        /// What to ask (`/api/ready` for readiness).
        #[arg(long, default_value = "http://127.0.0.1:8080/api/health")]
        url: String,
        /// Seconds to wait for the answer.
        #[arg(long, default_value_t = 3.0)]
        timeout: f64,
    },
    /// The data folder as one archive: `pack` it, `fetch` it from a mirror, `verify` it.
    Data {
        #[command(subcommand)]
        what: DataCommand,
    },
}

#[derive(Subcommand)]
enum DataCommand {
    /// Write every file the manifest names, with their attribution, into one reproducible
    /// .tar.zst; print its SHA-256 (also written to OUT.sha256).
    Pack {
        /// The archive to write (e.g. london-atlas-data.tar.zst).
        out: PathBuf,
        #[command(flatten)]
        folder: FolderArgs,
        /// zstd compression level (1-22).
        #[arg(long, default_value_t = london_atlas::data::LEVEL)]
        level: i32,
    },
    /// Download the archive from a mirror, check every file and install the data folder.
    Fetch {
        /// The archive's URL (default: $ATLAS_DATA_URL, else the manifest's data_url).
        #[arg(long)]
        from: Option<String>,
        #[command(flatten)]
        folder: FolderArgs,
        /// If the folder exists but is incomplete, move it aside and install a fresh copy.
        #[arg(long)]
        replace: bool,
    },
    /// Check every file the manifest names; list what is missing or different.
    Verify {
        #[command(flatten)]
        folder: FolderArgs,
    },
}

#[derive(Subcommand)]
enum ExportCommand {
    /// A tileset as z/x/y.mvt files (uncompressed) plus metadata.json, for static hosting.
    Tiles {
        #[command(flatten)]
        data: DataArgs,
        /// Folder (`--format dir`, created if missing) or file (mbtiles, pmtiles) to write.
        dir: PathBuf,
        /// dir (z/x/y.mvt + metadata.json), mbtiles or pmtiles.
        #[arg(long, default_value = "dir")]
        format: String,
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
    /// A whole layer with every indicator, one row per area, on its original geometry
    /// (a CSV also gets its `.fields.csv` companion: meaning and provenance of each field).
    Layer {
        #[command(flatten)]
        data: DataArgs,
        /// Layer id (boroughs, lsoa11, lsoa21, wards, ...).
        layer: String,
        /// File to write.
        out: PathBuf,
        /// gpkg, fgb, geojson or csv.
        #[arg(long, default_value = "gpkg")]
        format: String,
        /// 27700 (British National Grid, as published) or 4326 (WGS84).
        #[arg(long, default_value = "27700")]
        crs: String,
    },
}

fn manifest(path: Option<&PathBuf>) -> anyhow::Result<Manifest> {
    Ok(match path {
        Some(p) => Manifest::from_path(p)?,
        None => Manifest::london()?,
    })
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
    let manifest = manifest(args.manifest.as_ref())?;
    let dir = london_atlas::load::DataDir::new(&args.data, &manifest, false);
    if args.fetch && dir.check_present().is_err() {
        fetch(&manifest, None, &args.data, false)?;
    }
    let options = Options {
        data_dir: args.data.clone(),
        verify_checksums: !args.no_verify,
    };
    Ok(Atlas::load(&manifest, &options)?)
}

fn main() -> std::process::ExitCode {
    let matches = Cli::command().get_matches();
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    if let Err(e) = apply_config_file(&mut cli, &matches) {
        eprintln!("london-atlas: {e:#}");
        return std::process::ExitCode::FAILURE;
    }
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,wgpu_core=warn,wgpu_hal=warn,naga=warn".into());
    let log = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match &cli.command {
        Command::Serve { operator, .. } if operator.log_format == LogFormat::Json => {
            log.json().flatten_event(true).init()
        }
        _ => log.init(),
    }
    match run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("london-atlas: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// `serve --config FILE`: every option the command line and environment left at its default
/// takes the file's value (flag > environment > file > default).
fn apply_config_file(cli: &mut Cli, matches: &ArgMatches) -> anyhow::Result<()> {
    let Command::Serve {
        data,
        addr,
        public_url,
        web,
        tiles,
        limits,
        operator,
        tile_cache_mb,
    } = &mut cli.command
    else {
        return Ok(());
    };
    let Some(path) = operator.config.clone() else {
        return Ok(());
    };
    let file = ServeConfig::read(&path)?;
    let m = matches
        .subcommand_matches("serve")
        .context("serve's arguments")?;
    fn set<T>(m: &ArgMatches, id: &str, value: &mut T, from_file: Option<T>) {
        let given = matches!(
            m.value_source(id),
            Some(ValueSource::CommandLine | ValueSource::EnvVariable)
        );
        if let (false, Some(v)) = (given, from_file) {
            *value = v;
        }
    }
    set(m, "data", &mut data.data, file.data);
    set(m, "manifest", &mut data.manifest, file.manifest.map(Some));
    set(m, "no_verify", &mut data.no_verify, file.no_verify);
    set(m, "addr", addr, file.addr);
    set(m, "public_url", public_url, file.public_url.map(Some));
    set(m, "web", web, file.web.map(Some));
    set(m, "tiles", tiles, file.tiles.map(Some));
    set(m, "workers", &mut limits.workers, file.workers.map(Some));
    set(m, "queue", &mut limits.queue, file.queue.map(Some));
    set(
        m,
        "header_timeout",
        &mut limits.header_timeout,
        file.header_timeout,
    );
    set(
        m,
        "body_timeout",
        &mut limits.body_timeout,
        file.body_timeout,
    );
    set(
        m,
        "request_timeout",
        &mut limits.request_timeout,
        file.request_timeout,
    );
    set(
        m,
        "max_connections",
        &mut limits.max_connections,
        file.max_connections,
    );
    set(
        m,
        "max_header_bytes",
        &mut limits.max_header_bytes,
        file.max_header_bytes,
    );
    set(m, "drain", &mut limits.drain, file.drain);
    set(m, "tile_cache_mb", tile_cache_mb, file.tile_cache_mb);
    set(
        m,
        "admin_token",
        &mut operator.admin_token,
        file.admin_token.map(Some),
    );
    let log_format = match file.log_format {
        Some(f) => Some(
            f.parse::<LogFormat>()
                .map_err(|e| anyhow::anyhow!("config file {}: {e}", path.display()))?,
        ),
        None => None,
    };
    set(m, "log_format", &mut operator.log_format, log_format);
    set(
        m,
        "allowed_hosts",
        &mut operator.allowed_hosts,
        file.allowed_hosts.map(Some),
    );
    Ok(())
}

fn fetch(
    manifest: &Manifest,
    from: Option<&str>,
    dir: &std::path::Path,
    replace: bool,
) -> anyhow::Result<()> {
    use london_atlas::data;
    let options = data::FetchOptions {
        url: data::resolve_url(from, manifest)?,
        data_dir: dir.to_path_buf(),
        replace,
    };
    let s = data::fetch(manifest, &options, &mut data::Progress::stderr())?;
    if s.installed {
        eprintln!(
            "installed {} files in {} from a {}-byte archive ({}SHA-256 {}{}) in {:.1} s{}",
            s.files,
            dir.display(),
            s.archive_bytes,
            if s.resumed_from > 0 {
                format!("resumed at byte {}, ", s.resumed_from)
            } else {
                String::new()
            },
            s.archive_sha256.as_deref().unwrap_or("?"),
            if s.sha256_published {
                ", as published"
            } else {
                ""
            },
            s.seconds,
            s.replaced
                .map(|p| format!("; the old folder is now {}", p.display()))
                .unwrap_or_default()
        );
    }
    Ok(())
}

fn run_data(what: DataCommand) -> anyhow::Result<()> {
    use london_atlas::data;
    match what {
        DataCommand::Pack { out, folder, level } => {
            let manifest = manifest(folder.manifest.as_ref())?;
            let started = std::time::Instant::now();
            let s = data::pack(&manifest, &folder.data, &out, level)?;
            eprintln!(
                "packed {} files ({} bytes) and {} into {} ({} bytes, zstd level {level}) in {:.1} s",
                s.files,
                s.data_bytes,
                data::ATTRIBUTION_FILE,
                out.display(),
                s.bytes,
                started.elapsed().as_secs_f64()
            );
            println!("{}  {}", s.sha256, out.display());
            Ok(())
        }
        DataCommand::Fetch {
            from,
            folder,
            replace,
        } => {
            let manifest = manifest(folder.manifest.as_ref())?;
            fetch(&manifest, from.as_deref(), &folder.data, replace)
        }
        DataCommand::Verify { folder } => {
            let manifest = manifest(folder.manifest.as_ref())?;
            let report = data::verify(&manifest, &folder.data)?;
            print!("{report}");
            report.into_result()?;
            Ok(())
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Data { what } => run_data(what),
        Command::Health { url, timeout } => {
            let timeout = Duration::try_from_secs_f64(timeout)
                .with_context(|| format!("--timeout must be a number of seconds, got {timeout}"))?;
            let body = london_atlas::http::probe::probe(&url, timeout)?;
            println!("{body}");
            Ok(())
        }
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
                    format,
                },
        } => {
            use london_atlas::tiles::archive::{export_to, ArchiveFormat};
            let format = ArchiveFormat::parse(&format)?;
            let atlas = Arc::new(load(&data)?);
            let store = TileStore::new(atlas);
            let t = store.tileset(&layer)?;
            let started = std::time::Instant::now();
            let s = export_to(&store, t, format, &dir, minzoom, maxzoom)?;
            println!(
                "wrote {} tiles ({} bytes, {} empty skipped) to {} in {:.1} s",
                s.tiles,
                s.bytes,
                s.empty,
                dir.display(),
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Export {
            what:
                ExportCommand::Layer {
                    data,
                    layer,
                    out,
                    format,
                    crs,
                },
        } => {
            use london_atlas::formats::download;
            let format = download::Format::parse(&format)?;
            let crs = download::parse_crs(&crs)?;
            let atlas = load(&data)?;
            let started = std::time::Instant::now();
            let written = download::write_file(&atlas, &layer, format, crs, &out)?;
            for path in written {
                let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
                println!("wrote {} ({bytes} bytes)", path.display());
            }
            println!("in {:.1} s", started.elapsed().as_secs_f64());
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
            tiles,
            tile_cache_mb,
            limits,
            operator,
        } => {
            let options = limits.options()?;
            let operator = operator.options();
            let atlas = load(&data)?;
            log_report(&atlas);
            let tile_cache = tile_cache_mb
                .checked_mul(1 << 20)
                .context("--tile-cache-mb is too large")?;
            let mut state = AppState {
                public_url: public_url.map(|u| u.trim_end_matches('/').to_string()),
                ..AppState::with_tile_cache(Arc::new(atlas), tile_cache)
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
            if let Some(path) = tiles {
                let archive =
                    rt.block_on(london_atlas::tiles::archive::TileArchive::open(&path))?;
                tracing::info!(archive = %path.display(), "serving the tile archive at /tiles/archive/");
                state.archive = Some(Arc::new(archive));
            }
            // SIGHUP reads the manifest and data again, keeping the other settings.
            let (public_url, web_dir, archive) = (
                state.public_url.clone(),
                state.web_dir.clone(),
                state.archive.clone(),
            );
            let reload: Reload = Arc::new(move || {
                let atlas = load(&data)?;
                log_report(&atlas);
                Ok(AppState {
                    public_url: public_url.clone(),
                    web_dir: web_dir.clone(),
                    archive: archive.clone(),
                    ..AppState::with_tile_cache(Arc::new(atlas), tile_cache)
                })
            });
            let served = rt.block_on(serve_operated(
                addr,
                options,
                operator,
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
