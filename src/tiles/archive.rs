//! Single-file tile archives: `export tiles --format dir|mbtiles|pmtiles` ([`export_to`]
//! dispatches to [`super::export`], [`super::mbtiles`], [`super::pmtiles`]) and a prebuilt
//! archive opened for `serve --tiles FILE` ([`TileArchive`]: its gzip tiles by z/x/y and its
//! metadata as TileJSON).
//!
//! Failure modes ([`ArchiveError`]): an unknown format or file extension, a file that cannot be
//! read, written or parsed (SQLite, PMTiles), each naming the file; the export's zoom and tile
//! errors.

use super::export::{export, ExportError};
use super::grid::{TileId, MAX_ZOOM};
use super::store::TileStore;
use super::tileset::Tileset;
use super::EncodedTile;
use bytes::Bytes;
use pmtiles::{AsyncPmTilesReader, MmapBackend, TileCoord};
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("tile archive format \"{0}\" is not supported; use dir, mbtiles or pmtiles")]
    UnknownFormat(String),
    #[error("{0}: a tile archive must end in .pmtiles or .mbtiles")]
    UnknownExtension(PathBuf),
    #[error("{path}: SQLite: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("{path}: PMTiles: {message}")]
    PmTiles { path: PathBuf, message: String },
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Export(#[from] ExportError),
}

/// How a tileset is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveFormat {
    /// z/x/y.mvt files and metadata.json.
    Dir,
    MbTiles,
    PmTiles,
}

impl ArchiveFormat {
    pub fn parse(text: &str) -> Result<ArchiveFormat, ArchiveError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "dir" => Ok(ArchiveFormat::Dir),
            "mbtiles" => Ok(ArchiveFormat::MbTiles),
            "pmtiles" => Ok(ArchiveFormat::PmTiles),
            other => Err(ArchiveError::UnknownFormat(other.to_string())),
        }
    }
}

/// What an archive export wrote: tiles, empty tiles skipped, tile bytes (gzip in archives).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ArchiveSummary {
    pub tiles: usize,
    pub empty: usize,
    pub bytes: u64,
}

/// Writes tileset `t` from `minzoom` to `maxzoom` (clamped to the tileset's range) to `out`
/// (a folder for `Dir`, a file otherwise).
pub fn export_to(
    store: &TileStore,
    t: Tileset,
    format: ArchiveFormat,
    out: &Path,
    minzoom: u8,
    maxzoom: u8,
) -> Result<ArchiveSummary, ArchiveError> {
    let (min, max) = super::export::zoom_range(store, t, minzoom, maxzoom)?;
    if format != ArchiveFormat::Dir {
        if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| ArchiveError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        }
    }
    match format {
        ArchiveFormat::Dir => {
            let s = export(store, t, out, min, max)?;
            Ok(ArchiveSummary {
                tiles: s.tiles,
                empty: s.empty,
                bytes: s.bytes,
            })
        }
        ArchiveFormat::MbTiles => super::mbtiles::write(store, t, out, min, max),
        ArchiveFormat::PmTiles => super::pmtiles::write(store, t, out, min, max),
    }
}

/// Every non-empty tile of `t` from `min` to `max`, counting empty ones in `summary`.
pub(crate) fn tiles_of(
    store: &TileStore,
    t: Tileset,
    min: u8,
    max: u8,
    summary: &mut ArchiveSummary,
) -> Result<Vec<(TileId, Arc<EncodedTile>)>, ArchiveError> {
    let mut out = Vec::new();
    for z in min..=max {
        for tile in store.tiles_at(t, z) {
            match store.get(t, tile).map_err(ExportError::from)? {
                Some(enc) => {
                    summary.tiles += 1;
                    out.push((tile, enc));
                }
                None => summary.empty += 1,
            }
        }
    }
    Ok(out)
}

/// A prebuilt archive being served.
pub struct TileArchive {
    pub path: PathBuf,
    source: Source,
    /// The MBTiles-style metadata (name, bounds, center, zooms, `json` ...).
    metadata: Map<String, Value>,
}

enum Source {
    MbTiles(Mutex<rusqlite::Connection>),
    PmTiles(AsyncPmTilesReader<MmapBackend>),
}

impl std::fmt::Debug for TileArchive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TileArchive")
            .field("path", &self.path)
            .finish()
    }
}

impl TileArchive {
    /// Opens a `.pmtiles` or `.mbtiles` file and reads its metadata.
    pub async fn open(path: &Path) -> Result<TileArchive, ArchiveError> {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        let pmt = |e: pmtiles::PmtError| ArchiveError::PmTiles {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        let sql = |source| ArchiveError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        let (source, metadata) = match ext {
            "pmtiles" => {
                let backend = MmapBackend::try_from(path).await.map_err(pmt)?;
                let reader = AsyncPmTilesReader::try_from_source(backend)
                    .await
                    .map_err(pmt)?;
                let text = reader.get_metadata().await.map_err(pmt)?;
                let meta = serde_json::from_str::<Map<String, Value>>(&text).unwrap_or_default();
                (Source::PmTiles(reader), meta)
            }
            "mbtiles" => {
                let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY;
                let db = rusqlite::Connection::open_with_flags(path, flags).map_err(sql)?;
                let mut meta = Map::new();
                {
                    let mut q = db
                        .prepare("SELECT name, value FROM metadata")
                        .map_err(sql)?;
                    let rows = q
                        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
                        .map_err(sql)?;
                    for row in rows {
                        let (k, v) = row.map_err(sql)?;
                        meta.insert(k, Value::String(v));
                    }
                }
                (Source::MbTiles(Mutex::new(db)), meta)
            }
            _ => return Err(ArchiveError::UnknownExtension(path.to_path_buf())),
        };
        Ok(TileArchive {
            path: path.to_path_buf(),
            source,
            metadata,
        })
    }

    /// The file name the archive is served under (e.g. `atlas.pmtiles`).
    pub fn file_name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// True for PMTiles (a file clients may read themselves with HTTP Range requests).
    pub fn is_pmtiles(&self) -> bool {
        matches!(self.source, Source::PmTiles(_))
    }

    /// The gzip-compressed tile at `id`, or None when the archive has none there.
    pub async fn tile(&self, id: TileId) -> Result<Option<Bytes>, ArchiveError> {
        match &self.source {
            Source::PmTiles(r) => {
                let pmt = |e: pmtiles::PmtError| ArchiveError::PmTiles {
                    path: self.path.clone(),
                    message: e.to_string(),
                };
                let coord = TileCoord::new(id.z, id.x, id.y).map_err(pmt)?;
                r.get_tile(coord).await.map_err(pmt)
            }
            Source::MbTiles(db) => {
                let db = db.lock().unwrap_or_else(|p| p.into_inner());
                let row = (1u32 << id.z) - 1 - id.y;
                let got = db.query_row(
                    "SELECT tile_data FROM tiles WHERE zoom_level = ?1 AND tile_column = ?2 \
                     AND tile_row = ?3",
                    rusqlite::params![id.z, id.x, row],
                    |r| r.get::<_, Vec<u8>>(0),
                );
                match got {
                    Ok(b) => Ok(Some(Bytes::from(b))),
                    Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
                    Err(source) => Err(ArchiveError::Sqlite {
                        path: self.path.clone(),
                        source,
                    }),
                }
            }
        }
    }

    /// TileJSON 3.0.0 for the archive's tiles at `{base}/tiles/archive/{z}/{x}/{y}.mvt`.
    pub fn tilejson(&self, base: &str) -> Value {
        let m = &self.metadata;
        let text = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let numbers = |k: &str| -> Vec<f64> {
            text(k)
                .split(',')
                .filter_map(|v| v.trim().parse().ok())
                .collect()
        };
        let zoom = |k: &str, d: u8| text(k).parse::<u8>().unwrap_or(d);
        let inner: Value = serde_json::from_str(&text("json")).unwrap_or(Value::Null);
        json!({
            "tilejson": "3.0.0",
            "name": text("name"),
            "description": text("description"),
            "attribution": text("attribution"),
            "scheme": "xyz",
            "tiles": [format!("{base}/tiles/archive/{{z}}/{{x}}/{{y}}.mvt")],
            "minzoom": zoom("minzoom", 0),
            "maxzoom": zoom("maxzoom", MAX_ZOOM),
            "bounds": numbers("bounds"),
            "center": numbers("center"),
            "vector_layers": m
                .get("vector_layers")
                .or_else(|| inner.get("vector_layers"))
                .cloned()
                .unwrap_or(json!([])),
        })
    }
}
