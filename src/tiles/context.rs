//! The `context` tileset: an offline basemap cut from our own data, drawn under and over the
//! choropleth. MVT layers, in order:
//!
//! - each outline layer the manifest names (`boroughs` at every zoom, `wards` from z11): the
//!   areas' polygons with `code`, `name`, `borough` and no indicator values;
//! - `water`: the Thames, dissolved and cut to London (property `name`);
//! - `places`: OS Open Names populated places from the zoom their OS scale hint gives
//!   (properties `name`, `type`, `minzoom`);
//! - `stations`: rail, Underground, DLR, Overground and Elizabeth line stations from z12
//!   (properties `name`, `modes`, `minzoom`).
//!
//! A point is written only in the tile that holds it (not in neighbours' buffers), so
//! MapLibre places each label once.
//!
//! Failure modes: [`TileError::Mvt`] if the encoder refuses a tile (a bug).

use super::fields::Fields;
use super::grid::{mercator_to_pixel, TileId, EXTENT};
use super::mvt::{encode_with_points, LayerFeatures, PointFeatures};
use super::store::TileStore;
use super::TileError;
use crate::geom::crs::lonlat_to_mercator;
use crate::load::places::{Place, PlaceKind};

/// The basemap tile `tile`; `None` when it has no feature (or the atlas has no context).
pub fn render(store: &TileStore, tile: TileId) -> Result<Option<Vec<u8>>, TileError> {
    let atlas = store.atlas();
    let Some(c) = &atlas.context else {
        return Ok(None);
    };
    let none = Fields::only::<&str>([]);
    let mut layers = Vec::new();
    for o in &c.outlines {
        let Some(i) = atlas.layer_index(&o.layer) else {
            continue;
        };
        if tile.z < o.minzoom.max(store.layer_minzoom(i)) {
            continue;
        }
        layers.push(LayerFeatures {
            layer: &atlas.layers[i],
            fields: &none,
            integers: &[],
            features: store.indexed(i, tile.z).features(&tile),
        });
    }
    layers.push(LayerFeatures {
        layer: &c.water,
        fields: &none,
        integers: &[],
        features: store.water.zoom(&c.water, tile.z).features(&tile),
    });
    let points = |kind: PlaceKind, name: &'static str| PointFeatures {
        name,
        points: c
            .of_kind(kind)
            .filter(|p| p.minzoom <= tile.z)
            .filter_map(|p| Some((in_tile(p, &tile)?, properties(p), p.minzoom)))
            .collect(),
    };
    let labels = [
        points(PlaceKind::Place, "places"),
        points(PlaceKind::Station, "stations"),
    ];
    Ok(encode_with_points(&layers, &labels)?)
}

/// Where `p` falls in `tile` (tile units), if inside it.
fn in_tile(p: &Place, tile: &TileId) -> Option<[i32; 2]> {
    let (mx, my) = lonlat_to_mercator(p.lon, p.lat);
    let (gx, gy) = mercator_to_pixel(tile.z, mx, my);
    let (ox, oy) = tile.origin();
    let (x, y) = (gx.floor() as i64 - ox as i64, gy.floor() as i64 - oy as i64);
    let inside = (0..EXTENT as i64).contains(&x) && (0..EXTENT as i64).contains(&y);
    inside.then_some([x as i32, y as i32])
}

fn properties(p: &Place) -> Vec<(&'static str, &str)> {
    match p.kind {
        PlaceKind::Place => vec![("name", &p.name), ("type", &p.detail)],
        PlaceKind::Station => vec![
            ("name", &p.name),
            (
                "modes",
                p.detail.strip_prefix("Station: ").unwrap_or(&p.detail),
            ),
        ],
    }
}

/// A layer only the basemap has: id, description, and each field with its type word and
/// description ("String: the place's name").
pub type ContextLayer = (
    &'static str,
    &'static str,
    Vec<(&'static str, &'static str)>,
);

/// The TileJSON `vector_layers` entries of the layers only this tileset has (water, places,
/// stations): id, description, and each field with its type word and description.
pub fn vector_layers() -> [ContextLayer; 3] {
    [
        (
            "water",
            "The River Thames (OS OpenData), dissolved and cut to London",
            vec![("code", "String: the piece of water"), ("name", "String: River Thames")],
        ),
        (
            "places",
            "Populated places of OS Open Names (2017), from the zoom their OS scale hint gives",
            vec![
                ("name", "String: the place's name"),
                ("type", "String: OS local type (Suburban Area, Other Settlement, Village, Hamlet, City)"),
                ("minzoom", "Number: the first map zoom at which to label it"),
            ],
        ),
        (
            "stations",
            "Railway, Underground, DLR, Overground and Elizabeth line stations (Powered by TfL Open Data; National Rail stations ODbL)",
            vec![
                ("name", "String: the station's name"),
                ("modes", "String: the services calling there (Underground, DLR, Overground, Elizabeth line, National Rail, Tram)"),
                ("minzoom", "Number: the first map zoom at which to label it"),
            ],
        ),
    ]
}
