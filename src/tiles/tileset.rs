//! Tilesets: one per atlas layer plus the composite `atlas` carrying all of them. A tileset
//! knows its layers and minzoom; its data box and TileJSON are built once (the TileJSON
//! without its tile URL, which depends on where the client reached us, added per request).
//!
//! Failure modes: none here; an unknown name is the store's [`super::TileError`].

use super::grid::MAX_ZOOM;
use std::sync::OnceLock;
use tilejson::TileJSON;

/// Name of the composite tileset that carries every layer.
pub const ATLAS_TILESET: &str = "atlas";

/// Name of the basemap tileset (see [`super::context`]).
pub const CONTEXT_TILESET: &str = "context";

/// A tileset's key: one atlas layer (by index), the composite of all layers, or the basemap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tileset {
    Layer(usize),
    Atlas,
    Context,
}

/// What a tileset is made of, and what is built once for it.
#[derive(Debug)]
pub struct TilesetDef {
    pub key: Tileset,
    pub name: String,
    /// Indexes of the atlas layers it carries, in MVT layer order.
    pub layers: Vec<usize>,
    /// The lowest of its layers' minzooms.
    pub minzoom: u8,
    pub(super) bbox: OnceLock<[f64; 4]>,
    pub(super) tilejson: OnceLock<TileJSON>,
}

impl TilesetDef {
    pub fn new(key: Tileset, name: &str, layers: Vec<usize>, minzooms: &[u8]) -> TilesetDef {
        let minzoom = layers
            .iter()
            .map(|&i| minzooms[i].min(MAX_ZOOM))
            .min()
            .unwrap_or(0);
        TilesetDef {
            key,
            name: name.to_string(),
            layers,
            minzoom,
            bbox: OnceLock::new(),
            tilejson: OnceLock::new(),
        }
    }
}
