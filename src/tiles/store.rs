//! The tile store: every tileset of one atlas, the per-layer [`LayerSource`]s their tiles
//! are cut from, and the [`TileCache`]. A tile is cut and encoded at most once while it stays
//! in the cache.
//!
//! Lazy, not pre-built: building the whole `atlas` pyramid to z14 costs seconds of CPU, over
//! the start-up budget on two cores, while one cold tile costs from under a millisecond (z14)
//! to tens of milliseconds (a z8 tile carrying thousands of LSOAs), and each zoom's geometry
//! tens of milliseconds once. Only tiles meeting the data's box are cached, and the cache is
//! bounded by bytes, so memory stays bounded whatever clients request. [`TileStore::warm`]
//! pre-builds low zooms in the background.
//!
//! Failure modes: [`TileError::UnknownTileset`] and [`TileError::Grid`] for bad requests,
//! [`TileError::Mvt`] if the encoder refuses a tile (a bug).

use super::cache::{CacheStats, Cached, EncodedTile, TileCache, DEFAULT_CACHE_BYTES};
use super::fields::Fields;
use super::grid::{mercator_to_pixel, tiles_covering, TileId, MAX_ZOOM};
use super::mvt::{encode, LayerFeatures};
use super::simplify::ZoomGeometry;
use super::source::LayerSource;
use super::tileset::{Tileset, TilesetDef, ATLAS_TILESET, CONTEXT_TILESET};
use super::topology::Topology;
use super::TileError;
use crate::atlas::Atlas;
use std::sync::Arc;

/// Tiles of every tileset of one atlas.
#[derive(Debug)]
pub struct TileStore {
    atlas: Arc<Atlas>,
    sources: Vec<LayerSource>,
    /// The basemap's water (see [`super::context`]).
    pub(super) water: LayerSource,
    /// One per layer (in layer order), then the composite, then the basemap if any.
    tilesets: Vec<TilesetDef>,
    cache: TileCache,
}

impl TileStore {
    /// A store for `atlas` with the default cache budget; builds nothing yet.
    pub fn new(atlas: Arc<Atlas>) -> TileStore {
        TileStore::with_cache_bytes(atlas, DEFAULT_CACHE_BYTES)
    }

    /// A store whose cache holds at most `max_bytes` of tiles.
    pub fn with_cache_bytes(atlas: Arc<Atlas>, max_bytes: usize) -> TileStore {
        let minzooms: Vec<u8> = atlas.layers.iter().map(|l| l.minzoom).collect();
        let mut tilesets: Vec<TilesetDef> = atlas
            .layers
            .iter()
            .enumerate()
            .map(|(i, l)| TilesetDef::new(Tileset::Layer(i), &l.id, vec![i], &minzooms))
            .collect();
        let all = (0..atlas.layers.len()).collect();
        tilesets.push(TilesetDef::new(
            Tileset::Atlas,
            ATLAS_TILESET,
            all,
            &minzooms,
        ));
        if let Some(c) = &atlas.context {
            let outlines = c
                .outlines
                .iter()
                .filter_map(|o| atlas.layer_index(&o.layer))
                .collect();
            let mut def = TilesetDef::new(Tileset::Context, CONTEXT_TILESET, outlines, &minzooms);
            def.minzoom = 0;
            tilesets.push(def);
        }
        TileStore {
            sources: atlas
                .layers
                .iter()
                .map(|_| LayerSource::default())
                .collect(),
            water: LayerSource::default(),
            atlas,
            tilesets,
            cache: TileCache::new(max_bytes),
        }
    }

    pub fn atlas(&self) -> &Atlas {
        &self.atlas
    }

    /// The tileset called `name` (a layer id or `atlas`).
    pub fn tileset(&self, name: &str) -> Result<Tileset, TileError> {
        self.tilesets
            .iter()
            .find(|t| t.name == name)
            .map(|t| t.key)
            .ok_or_else(|| TileError::UnknownTileset {
                name: name.to_string(),
                known: self.tileset_names().join(", "),
            })
    }

    /// Every tileset name: each layer id, then `atlas`.
    pub fn tileset_names(&self) -> Vec<String> {
        self.tilesets.iter().map(|t| t.name.clone()).collect()
    }

    /// What a tileset is made of.
    pub fn def(&self, t: Tileset) -> &TilesetDef {
        match t {
            Tileset::Layer(i) => &self.tilesets[i],
            _ => self
                .tilesets
                .iter()
                .find(|d| d.key == t)
                .expect("the store made a def for every tileset key it hands out"),
        }
    }

    pub fn tileset_name(&self, t: Tileset) -> &str {
        &self.def(t).name
    }

    /// Indexes of the layers a tileset carries.
    pub fn layers_of(&self, t: Tileset) -> &[usize] {
        &self.def(t).layers
    }

    /// Lowest zoom a layer's tiles carry features at (the layer's own `minzoom`).
    pub fn layer_minzoom(&self, layer: usize) -> u8 {
        self.atlas.layers[layer].minzoom.min(MAX_ZOOM)
    }

    /// Lowest zoom of a tileset: the lowest of its layers'.
    pub fn minzoom(&self, t: Tileset) -> u8 {
        self.def(t).minzoom
    }

    /// The layer's arcs, built (and projected to Web Mercator) on first use.
    pub fn topology(&self, layer: usize) -> &Topology {
        self.sources[layer].topology(&self.atlas.layers[layer])
    }

    /// The basemap's water (the Thames) at zoom `z`, when the atlas has a context.
    pub fn water_zoom(&self, z: u8) -> Option<&ZoomGeometry> {
        let c = self.atlas.context.as_ref()?;
        Some(&self.water.zoom(&c.water, z).geometry)
    }

    /// The layer's indexed geometry at zoom `z`, built on first use.
    pub(super) fn indexed(&self, layer: usize, z: u8) -> &super::source::IndexedZoom {
        self.sources[layer].zoom(&self.atlas.layers[layer], z)
    }

    /// The layer's geometry at zoom `z` (clamped to [`MAX_ZOOM`]), built on first use.
    pub fn zoom(&self, layer: usize, z: u8) -> &ZoomGeometry {
        &self.sources[layer]
            .zoom(&self.atlas.layers[layer], z)
            .geometry
    }

    /// Builds a tile with every field without looking at or filling the cache: MVT bytes, or
    /// `None` when no layer of the tileset has a feature in it.
    pub fn render(&self, t: Tileset, tile: TileId) -> Result<Option<Vec<u8>>, TileError> {
        self.render_fields(t, tile, &Fields::All)
    }

    /// [`TileStore::render`] carrying only `fields`.
    pub fn render_fields(
        &self,
        t: Tileset,
        tile: TileId,
        fields: &Fields,
    ) -> Result<Option<Vec<u8>>, TileError> {
        if t == Tileset::Context {
            return super::context::render(self, tile);
        }
        let mut layers = Vec::new();
        for &i in self.layers_of(t) {
            if tile.z < self.layer_minzoom(i) {
                continue;
            }
            let layer = &self.atlas.layers[i];
            let features = self.sources[i].zoom(layer, tile.z).features(&tile);
            layers.push(LayerFeatures {
                layer,
                fields,
                integers: self.sources[i].integer_columns(&self.atlas, layer),
                features,
            });
        }
        Ok(encode(&layers)?)
    }

    /// The tile if it is already built (`Some(None)` = built and empty), without building.
    pub fn cached_tile(&self, t: Tileset, fields: &Fields, tile: TileId) -> Option<Cached> {
        self.cache.get(t, fields, tile)
    }

    /// The tile with every field from the cache, building it on a miss. `None` = empty tile.
    pub fn get(&self, t: Tileset, tile: TileId) -> Result<Cached, TileError> {
        let all = Fields::All;
        match self.cached_tile(t, &all, tile) {
            Some(hit) => Ok(hit),
            None => self.build(t, &all, tile),
        }
    }

    /// Builds a tile carrying `fields` and keeps it (tiles outside the data's box are empty and
    /// never kept). Its gzip is made when first asked for ([`EncodedTile::gzip`]).
    pub fn build(&self, t: Tileset, fields: &Fields, tile: TileId) -> Result<Cached, TileError> {
        if !self.meets_data(t, tile) {
            return Ok(None);
        }
        let built = self
            .render_fields(t, tile, fields)?
            .map(|raw| Arc::new(EncodedTile::lazy(raw)));
        self.cache.insert(t, fields, tile, built.clone());
        Ok(built)
    }

    /// The fields named by a `fields` parameter, checked against the tileset's layers.
    pub fn fields(&self, t: Tileset, raw: &str) -> Result<Fields, TileError> {
        let layers = self.layers_of(t);
        let known = |id: &str| {
            layers
                .iter()
                .any(|&i| self.atlas.layers[i].columns.contains_key(id))
        };
        Ok(Fields::parse(raw, self.tileset_name(t), known)?)
    }

    /// True when the buffered tile meets the tileset's data box.
    pub fn meets_data(&self, t: Tileset, tile: TileId) -> bool {
        let m = self.mercator_bbox(t);
        let (x0, y1) = mercator_to_pixel(tile.z, m[0], m[1]);
        let (x1, y0) = mercator_to_pixel(tile.z, m[2], m[3]);
        let b = tile.buffered_box();
        x0 <= b[2] as f64 && x1 >= b[0] as f64 && y0 <= b[3] as f64 && y1 >= b[1] as f64
    }

    /// Number of tiles (empty ones included) in the cache.
    pub fn cached(&self) -> usize {
        self.cache.stats().tiles
    }

    /// Sizes and hit/miss counts of the cache.
    pub fn cache_stats(&self) -> CacheStats {
        self.cache.stats()
    }

    /// Builds the tiles of `tileset` from its minzoom to `maxzoom` over the data's extent
    /// (for start-up warming and exports); nothing when the cache keeps nothing.
    pub fn warm(&self, t: Tileset, maxzoom: u8) -> Result<usize, TileError> {
        let mut n = 0;
        if self.cache.stats().max_bytes == 0 {
            return Ok(n);
        }
        for z in self.minzoom(t)..=maxzoom.min(MAX_ZOOM) {
            for tile in self.tiles_at(t, z) {
                self.get(t, tile)?;
                n += 1;
            }
        }
        Ok(n)
    }

    /// Web Mercator box of a tileset's data (min x, min y, max x, max y), built once; the
    /// whole world when the tileset has no vertex at all.
    pub fn mercator_bbox(&self, t: Tileset) -> [f64; 4] {
        *self.def(t).bbox.get_or_init(|| {
            let mut b = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
            for &i in self.layers_of(t) {
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
        })
    }

    /// The tiles at zoom `z` that cover a tileset's data box.
    pub fn tiles_at(&self, t: Tileset, z: u8) -> Vec<TileId> {
        tiles_covering(z, self.mercator_bbox(t))
    }
}
