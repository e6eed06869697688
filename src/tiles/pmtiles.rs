//! PMTiles v3 archive writer (the `pmtiles` crate's writer): gzip-compressed MVT (the bytes the
//! tile cache already holds, stored as given), tiles added in Hilbert order so the archive is
//! clustered, gzip-compressed directories, header bounds, center and zooms, and the MBTiles-style
//! metadata (vector_layers, attribution) as its JSON metadata. Built beside the target and
//! moved into place.
//!
//! Failure modes: [`ArchiveError`] naming the file (the writer's error or I/O), and the tile
//! errors.

use super::archive::{tiles_of, ArchiveError, ArchiveSummary};
use super::store::TileStore;
use super::tileset::Tileset;
use pmtiles::{Compression, PmTilesWriter, TileCoord, TileId, TileType};
use std::path::Path;

/// Writes tileset `t` from `min` to `max` zoom (already checked) to `path`.
pub fn write(
    store: &TileStore,
    t: Tileset,
    path: &Path,
    min: u8,
    max: u8,
) -> Result<ArchiveSummary, ArchiveError> {
    let partial = path.with_extension("pmtiles.partial");
    let io = |source| ArchiveError::Io {
        path: path.to_path_buf(),
        source,
    };
    let pmt = |e: pmtiles::PmtError| ArchiveError::PmTiles {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut summary = ArchiveSummary::default();
    let mut tiles = Vec::new();
    for (tile, enc) in tiles_of(store, t, min, max, &mut summary)? {
        let coord = TileCoord::new(tile.z, tile.x, tile.y).map_err(pmt)?;
        tiles.push((TileId::from(coord).value(), coord, enc));
    }
    tiles.sort_by_key(|(id, _, _)| *id);
    // PMTiles readers look for vector_layers at the top of the metadata, not inside `json`.
    let mut meta = super::metadata::metadata(store, t, min, max);
    let inner: serde_json::Value = meta["json"]
        .as_str()
        .and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default();
    meta["vector_layers"] = inner["vector_layers"].clone();
    let bbox = store.mercator_bbox(t);
    let (w, s) = crate::geom::crs::mercator_to_lonlat(bbox[0], bbox[1]);
    let (e, n) = crate::geom::crs::mercator_to_lonlat(bbox[2], bbox[3]);
    let file = std::fs::File::create(&partial).map_err(io)?;
    let mut writer = PmTilesWriter::new(TileType::Mvt)
        .precompressed(Compression::Gzip)
        .internal_compression(Compression::Gzip)
        .min_zoom(min)
        .max_zoom(max)
        .bounds(w, s, e, n)
        .center((w + e) / 2.0, (s + n) / 2.0)
        .center_zoom(min.max(10).min(max))
        .metadata(meta.to_string())
        .create(std::io::BufWriter::new(file))
        .map_err(pmt)?;
    for (_, coord, enc) in &tiles {
        writer.add_tile(*coord, &enc.gzip()).map_err(pmt)?;
        summary.bytes += enc.gzip().len() as u64;
    }
    writer.finalize().map_err(pmt)?;
    std::fs::rename(&partial, path).map_err(io)?;
    Ok(summary)
}
