//! Export of a tileset to a directory for static hosting and comparison: `z/x/y.mvt`
//! (uncompressed MVT, so a plain static server and GDAL read them as they are) and a
//! `metadata.json` in the MBTiles metadata form GDAL's MVT driver reads (name, format,
//! bounds, center, zooms and `json` = vector_layers + tilestats).
//!
//! The export is atomic: everything is written into a hidden sibling folder
//! (`.<name>.partial-<pid>`, same filesystem) which is renamed into place only once complete;
//! a previous export is moved aside and removed after the swap. A failure (a full disk, a
//! tile error) removes the partial folder and leaves the previous export exactly as it was;
//! tiles of an older export never survive into a new one.
//!
//! Failure modes: [`ExportError::Io`] naming the file that could not be written, and the
//! tile errors of [`super::TileError`]. Empty tiles are not written.

use super::grid::MAX_ZOOM;
use super::store::TileStore;
use super::tileset::Tileset;
use super::TileError;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Tile(#[from] TileError),
    #[error(
        "no zoom to write: from z{min} (the tileset's minzoom is z{tileset_min}) to z{max} \
         (at most {MAX_ZOOM})"
    )]
    Zooms { min: u8, max: u8, tileset_min: u8 },
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportSummary {
    pub tiles: usize,
    pub empty: usize,
    pub bytes: u64,
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), ExportError> {
    let io = |source| ExportError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    std::fs::write(path, bytes).map_err(io)
}

/// A sibling of `dir` named after it with `tag`, e.g. `tiles` → `.tiles.partial-123`.
fn sibling(dir: &Path, tag: &str) -> Result<PathBuf, ExportError> {
    let name = dir.file_name().ok_or_else(|| ExportError::Io {
        path: dir.to_path_buf(),
        source: std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the export folder needs a name (not / or ..)",
        ),
    })?;
    let hidden = format!(".{}.{tag}-{}", name.to_string_lossy(), std::process::id());
    Ok(dir.with_file_name(hidden))
}

/// Writes tileset `t` from `minzoom` to `maxzoom` (each clamped to the tileset's range)
/// into `dir`, replacing what was there only once everything is written.
pub fn export(
    store: &TileStore,
    t: Tileset,
    dir: &Path,
    minzoom: u8,
    maxzoom: u8,
) -> Result<ExportSummary, ExportError> {
    let dir = &std::path::absolute(dir).map_err(|source| ExportError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let partial = sibling(dir, "partial")?;
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ExportError::Io { path, source }
    };
    if partial.exists() {
        std::fs::remove_dir_all(&partial).map_err(io(&partial))?;
    }
    let written = write_all(store, t, &partial, minzoom, maxzoom);
    let summary = match written {
        Ok(s) => s,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&partial);
            return Err(e);
        }
    };
    // Swap: the old export aside, the new one in, the old one removed.
    let old = sibling(dir, "old")?;
    let had_old = dir.exists();
    if had_old {
        if old.exists() {
            std::fs::remove_dir_all(&old).map_err(io(&old))?;
        }
        if let Err(e) = std::fs::rename(dir, &old) {
            let _ = std::fs::remove_dir_all(&partial);
            return Err(io(dir)(e));
        }
    }
    if let Err(e) = std::fs::rename(&partial, dir) {
        if had_old {
            let _ = std::fs::rename(&old, dir);
        }
        let _ = std::fs::remove_dir_all(&partial);
        return Err(io(dir)(e));
    }
    if had_old {
        std::fs::remove_dir_all(&old).map_err(io(&old))?;
    }
    Ok(summary)
}

/// The zooms to write: `minzoom`..=`maxzoom` clamped to the tileset's range, or why none.
pub(super) fn zoom_range(
    store: &TileStore,
    t: Tileset,
    minzoom: u8,
    maxzoom: u8,
) -> Result<(u8, u8), ExportError> {
    let min = minzoom.max(store.minzoom(t));
    let max = maxzoom.min(MAX_ZOOM);
    if min > max {
        return Err(ExportError::Zooms {
            min,
            max,
            tileset_min: store.minzoom(t),
        });
    }
    Ok((min, max))
}

/// The whole export into `dir` (a fresh folder).
fn write_all(
    store: &TileStore,
    t: Tileset,
    dir: &Path,
    minzoom: u8,
    maxzoom: u8,
) -> Result<ExportSummary, ExportError> {
    std::fs::create_dir_all(dir).map_err(|source| ExportError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let (min, max) = zoom_range(store, t, minzoom, maxzoom)?;
    let mut summary = ExportSummary::default();
    for z in min..=max {
        for tile in store.tiles_at(t, z) {
            match store.get(t, tile)? {
                Some(enc) => {
                    let path = dir
                        .join(tile.z.to_string())
                        .join(tile.x.to_string())
                        .join(format!("{}.mvt", tile.y));
                    write(&path, &enc.raw)?;
                    summary.tiles += 1;
                    summary.bytes += enc.raw.len() as u64;
                }
                None => summary.empty += 1,
            }
        }
    }
    let meta = super::metadata::metadata(store, t, min, max);
    let text = serde_json::to_vec_pretty(&meta).unwrap_or_default();
    write(&dir.join("metadata.json"), &text)?;
    Ok(summary)
}
