//! TileJSON 3.0.0 for each tileset (with the `tilejson` crate): absolute tile URLs, one
//! `vector_layers` entry per MVT layer, bounds, center, zoom range and the atlas's
//! attribution lines, plus a `tilestats` block.
//!
//! Each vector layer's `fields` maps a field to its type word, `Number` or `String`, as
//! tippecanoe writes it: GDAL's MVT driver (and QGIS through it) types a field Real only when
//! the description is exactly `Number`, and types it String otherwise. The sentence describing
//! each field (title, unit, year, how the layer's values were obtained) is in the layer's
//! `field_descriptions` object, an extension key TileJSON 3.0.0 allows.
//!
//! Built once per tileset (see [`super::tileset`]); each request only sets the tile URL.
//!
//! Failure modes: none; the caller has already resolved the tileset.

use super::grid::MAX_ZOOM;
use super::store::TileStore;
use super::tileset::Tileset;
use crate::geom::crs::mercator_to_lonlat;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use tilejson::{Bounds, Center, TileJSON, VectorLayer};

/// The URL template of a tileset's tiles under `base` (no trailing slash).
pub fn tile_url(base: &str, name: &str) -> String {
    format!("{base}/tiles/{name}/{{z}}/{{x}}/{{y}}.mvt")
}

/// Field name -> description of every property the tiles of layer `i` carry.
pub fn fields(store: &TileStore, i: usize) -> BTreeMap<String, String> {
    let atlas = store.atlas();
    let layer = &atlas.layers[i];
    let mut f = BTreeMap::new();
    f.insert(
        "code".to_string(),
        format!(
            "String: the area's code ({}); feature id = the area's index in the layer",
            layer.title
        ),
    );
    f.insert("name".to_string(), "String: the area's name".to_string());
    f.insert(
        "borough".to_string(),
        "String: GSS code of the London borough the area belongs to".to_string(),
    );
    for key in &layer.tile_properties {
        if layer.areas.iter().any(|a| a.properties.contains_key(key)) {
            f.insert(
                key.to_string(),
                format!("String: {key} of education (from the school list)"),
            );
        }
    }
    for (id, column) in &layer.columns {
        let text = match atlas.indicator(id) {
            Some(ind) => format!(
                "Number: {} ({}, {}; {}); absent where there is no value",
                ind.definition.title,
                ind.definition.unit,
                ind.definition.year,
                column.method.describe()
            ),
            None => "Number: indicator value; absent where there is no value".to_string(),
        };
        f.insert(id.clone(), text);
    }
    f
}

/// One `vector_layers` entry: each field's type word (the description before its colon) and
/// the descriptions themselves in `field_descriptions`.
fn vector_layer(
    id: &str,
    description: &str,
    fields: &BTreeMap<String, String>,
    minzoom: u8,
) -> VectorLayer {
    let types = fields
        .iter()
        .map(|(k, d)| {
            (
                k.clone(),
                d.split(':').next().unwrap_or("String").to_string(),
            )
        })
        .collect();
    let mut vl = VectorLayer::new(id.to_string(), types);
    vl.other
        .insert("field_descriptions".into(), json!(fields.clone()));
    vl.description = Some(description.to_string());
    vl.minzoom = Some(minzoom);
    vl.maxzoom = Some(MAX_ZOOM);
    vl
}

/// The TileJSON document of `tileset`, with tiles under `base`: a clone of the document
/// built once for the tileset, with its tile URL.
pub fn tilejson(store: &TileStore, t: Tileset, base: &str) -> TileJSON {
    let mut tj = store
        .def(t)
        .tilejson
        .get_or_init(|| template(store, t))
        .clone();
    tj.tiles = vec![tile_url(base, store.tileset_name(t))];
    tj
}

/// Everything in a tileset's TileJSON but its tile URL.
fn template(store: &TileStore, t: Tileset) -> TileJSON {
    let atlas = store.atlas();
    let name = store.tileset_name(t).to_string();
    let b = store.mercator_bbox(t);
    let (w, s) = mercator_to_lonlat(b[0], b[1]);
    let (e, n) = mercator_to_lonlat(b[2], b[3]);
    let minzoom = store.minzoom(t);
    let center_zoom = 10.clamp(minzoom, MAX_ZOOM);
    let mut vector_layers = Vec::new();
    let mut stats_layers = Vec::new();
    for &i in store.layers_of(t) {
        let layer = &atlas.layers[i];
        let mut fields = fields(store, i);
        if t == Tileset::Context {
            fields.retain(|k, _| ["code", "name", "borough"].contains(&k.as_str()));
        }
        vector_layers.push(vector_layer(
            &layer.id,
            &layer.description,
            &fields,
            store.layer_minzoom(i),
        ));
        let attributes: Vec<Value> = fields
            .iter()
            .map(|(k, d)| {
                let ty = if d.starts_with("Number") {
                    "number"
                } else {
                    "string"
                };
                json!({ "attribute": k, "type": ty })
            })
            .collect();
        stats_layers.push(json!({
            "layer": layer.id,
            "count": layer.areas.len(),
            "geometry": "Polygon",
            "attributeCount": attributes.len(),
            "attributes": attributes,
        }));
    }
    if t == Tileset::Context {
        for (id, description, fields) in super::context::vector_layers() {
            let fields = fields
                .iter()
                .map(|(k, d)| (k.to_string(), d.to_string()))
                .collect();
            vector_layers.push(vector_layer(id, description, &fields, 0));
        }
    }
    let description = match t {
        Tileset::Atlas => format!(
            "{}: every layer of the atlas ({}) as separate MVT layers",
            atlas.name,
            store
                .layers_of(t)
                .iter()
                .map(|&i| atlas.layers[i].id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Tileset::Layer(i) => atlas.layers[i].description.clone(),
        Tileset::Context => format!(
            "{}: a basemap from open data (area outlines, the Thames, place and station names)",
            atlas.name
        ),
    };
    let mut tj = tilejson::tilejson! {
        tiles: Vec::new(),
        vector_layers: vector_layers,
        attribution: atlas.attribution.join(" "),
        bounds: Bounds::new(w, s, e, n),
        center: Center::new((w + e) / 2.0, (s + n) / 2.0, center_zoom),
        minzoom: minzoom,
        maxzoom: MAX_ZOOM,
        name: format!("London Atlas: {name}"),
        description: description,
        scheme: "xyz".to_string(),
        version: "1.0.0".to_string(),
    };
    tj.other.insert("format".into(), json!("pbf"));
    tj.other.insert(
        "tilestats".into(),
        json!({ "layerCount": stats_layers.len(), "layers": stats_layers }),
    );
    tj
}
