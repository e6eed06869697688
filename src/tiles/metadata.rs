//! A tileset's metadata in the MBTiles 1.3 form (name, format, bounds, center, zooms and
//! `json` = vector_layers + tilestats), shared by the directory export's `metadata.json`, the
//! MBTiles `metadata` table and the PMTiles metadata document.

use super::store::TileStore;
use super::tilejson::tilejson;
use super::tileset::Tileset;
use serde_json::{json, Value};

/// The metadata of tileset `t` written from `min` to `max` zoom; every value a string as
/// MBTiles wants, `json` holding the vector layers.
pub fn metadata(store: &TileStore, t: Tileset, min: u8, max: u8) -> Value {
    let tj = tilejson(store, t, "");
    let b = tj
        .bounds
        .map(|b| [b.left, b.bottom, b.right, b.top])
        .unwrap_or_default();
    let c = tj
        .center
        .map(|c| (c.longitude, c.latitude))
        .unwrap_or_default();
    let inner = json!({
        "vector_layers": tj.vector_layers,
        "tilestats": tj.other.get("tilestats"),
    });
    json!({
        "name": tj.name,
        "description": tj.description,
        "attribution": tj.attribution,
        "version": 2,
        "type": "overlay",
        "format": "pbf",
        "minzoom": min.to_string(),
        "maxzoom": max.to_string(),
        "bounds": format!("{},{},{},{}", b[0], b[1], b[2], b[3]),
        "center": format!("{},{},{}", c.0, c.1, min.max(10).min(max)),
        "json": inner.to_string(),
    })
}
