//! The tile store: builds tiles lazily and keeps every built tile in memory with its gzip
//! bytes and strong ETags ready, so a tile is cut and encoded at most once per process.
//!
//! Lazy, not pre-built: building the whole `atlas` pyramid to z14 costs about 4 s of CPU
//! (measured; BENCHMARKS.md), over the 1-2 s start-up budget on two cores, while one cold tile
//! costs from under a millisecond (z14) to tens of milliseconds (a z8-z10 tile carrying
//! thousands of LSOAs), and each zoom's geometry about 50-100 ms once. Per-layer topology
//! and per-zoom geometry sit in `OnceLock`s; finished tiles in a `RwLock<HashMap>` (a race
//! only builds the same deterministic bytes twice). Only tiles meeting the data's box are
//! cached, so the cache is bounded whatever clients request. [`TileStore::warm`] can pre-build
//! the low zooms in the background.
//!
//! Failure modes: [`TileError::UnknownTileset`] and [`TileError::Grid`] for bad requests,
//! [`TileError::Mvt`] if the encoder refuses a tile (a bug).

use super::clip::{clip_to_tile, touches};
use super::grid::{TileId, MAX_ZOOM};
use super::mvt::{encode, LayerFeatures};
use super::simplify::ZoomGeometry;
use super::topology::Topology;
use super::{TileError, ATLAS_TILESET};
use crate::atlas::Atlas;
use crate::geom::crs::bng_to_mercator;
use bytes::Bytes;
use flate2::write::GzEncoder;
use flate2::Compression;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, OnceLock, RwLock};

/// A tileset: one atlas layer (by index) or the composite of all layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tileset {
    Layer(usize),
    Atlas,
}

/// One encoded tile, ready to send.
#[derive(Debug, Clone)]
pub struct EncodedTile {
    /// Uncompressed MVT bytes.
    pub raw: Bytes,
    /// The same, gzip-compressed.
    pub gzip: Bytes,
    /// Strong ETag (quoted) of the uncompressed representation.
    pub etag: String,
    /// Strong ETag (quoted) of the gzip representation.
    pub etag_gzip: String,
}

impl EncodedTile {
    fn new(raw: Vec<u8>) -> EncodedTile {
        let digest = Sha256::digest(&raw);
        let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        let mut gz = GzEncoder::new(Vec::with_capacity(raw.len() / 2), Compression::default());
        // Writing to a Vec cannot fail.
        let gzip = gz
            .write_all(&raw)
            .and_then(|_| gz.finish())
            .unwrap_or_default();
        EncodedTile {
            raw: Bytes::from(raw),
            gzip: Bytes::from(gzip),
            etag: format!("\"{hex}\""),
            etag_gzip: format!("\"{hex}-gz\""),
        }
    }
}

/// Built tiles by tileset and id; `None` = empty tile.
type TileMap = HashMap<(Tileset, TileId), Option<Arc<EncodedTile>>>;

/// Per-layer geometry, built on first use.
#[derive(Debug, Default)]
struct LayerSource {
    topology: OnceLock<Topology>,
    zooms: [OnceLock<ZoomGeometry>; MAX_ZOOM as usize + 1],
}

/// Tiles of every tileset of one atlas.
#[derive(Debug)]
pub struct TileStore {
    atlas: Arc<Atlas>,
    sources: Vec<LayerSource>,
    tiles: RwLock<TileMap>,
}

impl TileStore {
    /// A store for `atlas`; builds nothing yet.
    pub fn new(atlas: Arc<Atlas>) -> TileStore {
        let sources = atlas
            .layers
            .iter()
            .map(|_| LayerSource::default())
            .collect();
        TileStore {
            atlas,
            sources,
            tiles: RwLock::new(HashMap::new()),
        }
    }

    pub fn atlas(&self) -> &Atlas {
        &self.atlas
    }

    /// The tileset called `name` (a layer id or `atlas`).
    pub fn tileset(&self, name: &str) -> Result<Tileset, TileError> {
        if name == ATLAS_TILESET {
            return Ok(Tileset::Atlas);
        }
        self.atlas
            .layers
            .iter()
            .position(|l| l.id == name)
            .map(Tileset::Layer)
            .ok_or_else(|| TileError::UnknownTileset {
                name: name.to_string(),
                known: self.tileset_names().join(", "),
            })
    }

    /// Every tileset name: each layer id, then `atlas`.
    pub fn tileset_names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.atlas.layers.iter().map(|l| l.id.clone()).collect();
        v.push(ATLAS_TILESET.to_string());
        v
    }

    pub fn tileset_name(&self, t: Tileset) -> &str {
        match t {
            Tileset::Layer(i) => &self.atlas.layers[i].id,
            Tileset::Atlas => ATLAS_TILESET,
        }
    }

    /// Indexes of the layers a tileset carries.
    pub fn layers_of(&self, t: Tileset) -> Vec<usize> {
        match t {
            Tileset::Layer(i) => vec![i],
            Tileset::Atlas => (0..self.atlas.layers.len()).collect(),
        }
    }

    /// Lowest zoom a layer's tiles carry features at (the layer's own `minzoom`).
    pub fn layer_minzoom(&self, layer: usize) -> u8 {
        self.atlas.layers[layer].minzoom.min(MAX_ZOOM)
    }

    /// Lowest zoom of a tileset: the lowest of its layers'.
    pub fn minzoom(&self, t: Tileset) -> u8 {
        self.layers_of(t)
            .into_iter()
            .map(|i| self.layer_minzoom(i))
            .min()
            .unwrap_or(0)
    }

    /// The layer's arcs, built (and projected to Web Mercator) on first use.
    pub fn topology(&self, layer: usize) -> &Topology {
        self.sources[layer].topology.get_or_init(|| {
            Topology::build(
                self.atlas.layers[layer].areas.iter().map(|a| &a.geometry),
                bng_to_mercator,
            )
        })
    }

    /// The layer's geometry at zoom `z` (clamped to [`MAX_ZOOM`]), built on first use.
    pub fn zoom(&self, layer: usize, z: u8) -> &ZoomGeometry {
        let z = z.min(MAX_ZOOM);
        self.sources[layer].zooms[z as usize]
            .get_or_init(|| ZoomGeometry::build(self.topology(layer), z))
    }

    /// Builds a tile without looking at or filling the cache: MVT bytes, or `None` when no
    /// layer of the tileset has a feature in it.
    pub fn render(&self, t: Tileset, tile: TileId) -> Result<Option<Vec<u8>>, TileError> {
        let mut layers = Vec::new();
        for i in self.layers_of(t) {
            if tile.z < self.layer_minzoom(i) {
                continue;
            }
            let zoom = self.zoom(i, tile.z);
            let features: Vec<_> = zoom
                .areas
                .iter()
                .enumerate()
                .filter(|(_, a)| touches(a, &tile))
                .filter_map(|(k, a)| clip_to_tile(a, &tile).map(|s| (k, s)))
                .collect();
            layers.push(LayerFeatures {
                layer: &self.atlas.layers[i],
                features,
            });
        }
        Ok(encode(&layers)?)
    }

    /// The tile if it is already built (`Some(None)` = built and empty), without building.
    pub fn cached_tile(&self, t: Tileset, tile: TileId) -> Option<Option<Arc<EncodedTile>>> {
        self.tiles.read().ok()?.get(&(t, tile)).cloned()
    }

    /// The tile from the cache, building it on first request. `None` = empty tile.
    ///
    /// Tiles that do not meet the tileset's data box are empty and never cached, so the cache
    /// holds at most the tiles over London (about 1,700 per tileset to z14), whatever clients
    /// ask for.
    pub fn get(&self, t: Tileset, tile: TileId) -> Result<Option<Arc<EncodedTile>>, TileError> {
        if let Some(hit) = self.cached_tile(t, tile) {
            return Ok(hit);
        }
        if !self.meets_data(t, tile) {
            return Ok(None);
        }
        let built = self
            .render(t, tile)?
            .map(|raw| Arc::new(EncodedTile::new(raw)));
        if let Ok(mut map) = self.tiles.write() {
            map.insert((t, tile), built.clone());
        }
        Ok(built)
    }

    /// True when the buffered tile meets the tileset's data box.
    pub fn meets_data(&self, t: Tileset, tile: TileId) -> bool {
        let m = self.mercator_bbox(t);
        let (x0, y1) = super::grid::mercator_to_pixel(tile.z, m[0], m[1]);
        let (x1, y0) = super::grid::mercator_to_pixel(tile.z, m[2], m[3]);
        let b = tile.buffered_box();
        x0 <= b[2] as f64 && x1 >= b[0] as f64 && y0 <= b[3] as f64 && y1 >= b[1] as f64
    }

    /// Number of tiles (empty ones included) in the cache.
    pub fn cached(&self) -> usize {
        self.tiles.read().map(|m| m.len()).unwrap_or(0)
    }

    /// Builds every layer's topology and the tiles of `tileset` from its minzoom to `maxzoom`
    /// over the data's extent (for start-up warming and exports).
    pub fn warm(&self, t: Tileset, maxzoom: u8) -> Result<usize, TileError> {
        let mut n = 0;
        for z in self.minzoom(t)..=maxzoom.min(MAX_ZOOM) {
            for tile in self.tiles_at(t, z) {
                self.get(t, tile)?;
                n += 1;
            }
        }
        Ok(n)
    }

    /// Web Mercator box of a tileset's data (min x, min y, max x, max y); the whole world
    /// when the tileset has no vertex at all.
    pub fn mercator_bbox(&self, t: Tileset) -> [f64; 4] {
        let mut b = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
        for i in self.layers_of(t) {
            let tb = self.topology(i).bbox;
            b = [
                b[0].min(tb[0]),
                b[1].min(tb[1]),
                b[2].max(tb[2]),
                b[3].max(tb[3]),
            ];
        }
        if b[0] > b[2] || b[1] > b[3] {
            let h = crate::geom::crs::MERCATOR_HALF_WORLD;
            return [-h, -h, h, h];
        }
        b
    }

    /// The tiles at zoom `z` that cover a tileset's data box.
    pub fn tiles_at(&self, t: Tileset, z: u8) -> Vec<TileId> {
        super::grid::tiles_covering(z, self.mercator_bbox(t))
    }
}
