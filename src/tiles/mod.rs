//! Vector tiles: every layer of the atlas as Mapbox Vector Tiles (MVT 2.1), one tileset per
//! layer plus the composite `atlas` tileset carrying all of them, with TileJSON 3.0.0, a
//! MapLibre choropleth style per indicator and a z/x/y directory export.
//!
//! Pipeline (per layer): [`topology`] (shared borders as arcs, Web Mercator, once) ->
//! [`simplify`] (each arc once per zoom, snapped to the zoom's pixel grid, areas rebuilt and
//! made valid; per zoom an R-tree of area boxes, [`source`]) -> [`clip`] (one tile, buffered)
//! -> [`mvt`] (encode) -> [`cache`] (gzip, ETag, kept in memory within a byte budget).
//! [`tileset`] says which layers a tileset carries; [`store`] ties sources, tilesets and the
//! cache together.

pub mod archive;
pub mod cache;
pub mod clip;
pub mod context;
pub mod export;
pub mod fields;
pub mod grid;
pub mod mbtiles;
pub mod metadata;
pub mod mvt;
pub mod pmtiles;
pub mod simplify;
pub mod source;
pub mod store;
pub mod style;
pub mod tilejson;
pub mod tileset;
pub mod topology;

pub use cache::EncodedTile;
pub use fields::Fields;
pub use grid::{GridError, TileId, BUFFER, EXTENT, MAX_ZOOM};
pub use store::TileStore;
pub use tileset::{Tileset, ATLAS_TILESET, CONTEXT_TILESET};

#[derive(Debug, thiserror::Error)]
pub enum TileError {
    #[error("unknown tileset \"{name}\": tilesets are {known}")]
    UnknownTileset { name: String, known: String },
    #[error(transparent)]
    Grid(#[from] GridError),
    #[error(transparent)]
    Mvt(#[from] mvt::MvtError),
    #[error(transparent)]
    Fields(#[from] fields::FieldsError),
}

impl TileError {
    /// True when the error is the client's (unknown tileset, tile outside the pyramid).
    pub fn is_client_error(&self) -> bool {
        !matches!(self, TileError::Mvt(_))
    }
}
