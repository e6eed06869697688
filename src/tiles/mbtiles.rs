//! MBTiles 1.3 archive writer (SQLite through rusqlite): the `metadata` table (name, format
//! `pbf`, bounds, center, zooms and `json` with the vector layers, see [`super::metadata`])
//! and the `tiles` table with gzip-compressed MVT as the spec wants for `pbf`, rows in TMS
//! order (`tile_row` = 2^z − 1 − y). The file is built beside the target and moved into
//! place, so a reader never sees half an archive.
//!
//! Failure modes: [`ArchiveError`] naming the file (SQLite or I/O), and the tile errors.

use super::archive::{tiles_of, ArchiveError, ArchiveSummary};
use super::store::TileStore;
use super::tileset::Tileset;
use rusqlite::{params, Connection};
use std::path::Path;

/// Writes tileset `t` from `min` to `max` zoom (already checked) to `path`.
pub fn write(
    store: &TileStore,
    t: Tileset,
    path: &Path,
    min: u8,
    max: u8,
) -> Result<ArchiveSummary, ArchiveError> {
    let partial = path.with_extension("mbtiles.partial");
    let _ = std::fs::remove_file(&partial);
    let sql = |source| ArchiveError::Sqlite {
        path: path.to_path_buf(),
        source,
    };
    let mut summary = ArchiveSummary::default();
    {
        let mut db = Connection::open(&partial).map_err(sql)?;
        let tx = db.transaction().map_err(sql)?;
        tx.execute_batch(
            "CREATE TABLE metadata (name TEXT, value TEXT);
             CREATE UNIQUE INDEX name ON metadata (name);
             CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER,
               tile_data BLOB);
             CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);",
        )
        .map_err(sql)?;
        let meta = super::metadata::metadata(store, t, min, max);
        for (name, value) in meta.as_object().into_iter().flatten() {
            let text = value
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| value.to_string());
            tx.execute("INSERT INTO metadata VALUES (?1, ?2)", params![name, text])
                .map_err(sql)?;
        }
        {
            let mut add = tx
                .prepare("INSERT INTO tiles VALUES (?1, ?2, ?3, ?4)")
                .map_err(sql)?;
            for (tile, enc) in tiles_of(store, t, min, max, &mut summary)? {
                let row = (1u32 << tile.z) - 1 - tile.y;
                add.execute(params![tile.z, tile.x, row, &enc.gzip()[..]])
                    .map_err(sql)?;
                summary.bytes += enc.gzip().len() as u64;
            }
        }
        tx.commit().map_err(sql)?;
    }
    std::fs::rename(&partial, path).map_err(|source| ArchiveError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(summary)
}
