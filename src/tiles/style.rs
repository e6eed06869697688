//! MapLibre GL style (version 8) drawing a choropleth of one indicator from the `atlas`
//! tileset: the indicator's finest layer from that layer's minzoom, boroughs below it, and
//! borough outlines on top. Classes and colours are the indicator's own
//! ([`crate::classes`], the same the web map draws), drawn as one fill layer per class (a
//! `filter` and a fixed colour) plus one for areas without a value, so QGIS 3.22's converter
//! keeps them; the source carries `tiles`, zoom range and bounds besides the TileJSON `url`,
//! because QGIS cannot open a TileJSON URL. The classes also travel in
//! `metadata["london-atlas:classes"]` (per layer) and the finest layer's legend in
//! `metadata["london-atlas:legend"]`.
//!
//! Failure modes: [`StyleError::UnknownIndicator`] for an indicator id the atlas lacks.

use super::store::TileStore;
use super::ATLAS_TILESET;
use crate::classes::Classes;
use crate::indicator::Indicator;
use serde_json::{json, Value};

#[derive(Debug, thiserror::Error)]
pub enum StyleError {
    #[error("unknown indicator \"{id}\": indicators are {known}")]
    UnknownIndicator { id: String, known: String },
}

/// The filter of class `k` of indicator `id`: from its lower break (inclusive) to its upper
/// break (exclusive), as [`Classes::class_of`] cuts; `None` = the areas without a value.
fn class_filter(id: &str, classes: &Classes, k: Option<usize>) -> Value {
    let Some(k) = k else {
        return json!(["!", ["has", id]]);
    };
    let mut all = vec![json!("all"), json!(["has", id])];
    if let Some(lo) = k.checked_sub(1).and_then(|i| classes.breaks.get(i)) {
        all.push(json!([">=", ["get", id], lo]));
    }
    if let Some(hi) = classes.breaks.get(k) {
        all.push(json!(["<", ["get", id], hi]));
    }
    Value::Array(all)
}

/// One fill layer per class (a filter and a fixed colour) and one for areas without a
/// value: what QGIS's style converter keeps (it skips `step`, `case` and `to-number`), and
/// what MapLibre draws the same as one data-driven layer.
fn class_layers(
    id: &str,
    layer: &str,
    classes: &Classes,
    zooms: Value,
    outline: Value,
) -> Vec<Value> {
    let classes_and_no_data = (0..classes.colours.len())
        .map(|k| (Some(k), classes.colours[k].as_str()))
        .chain(std::iter::once((None, classes.no_data)));
    classes_and_no_data
        .map(|(k, colour)| {
            let name = k.map_or("no-data".to_string(), |k| format!("class-{}", k + 1));
            let mut l = json!({
                "id": format!("{id}-{layer}-{name}"), "type": "fill", "source": ATLAS_TILESET,
                "source-layer": layer, "filter": class_filter(id, classes, k),
                "paint": { "fill-color": colour, "fill-opacity": FILL_OPACITY, "fill-outline-color": outline }
            });
            if let (Value::Object(m), Value::Object(z)) = (&mut l, &zooms) {
                m.extend(z.clone());
            }
            l
        })
        .collect()
}

/// Opacity of the class fills (the borough outlines and background show through).
const FILL_OPACITY: f64 = 0.8;

/// The legend of an indicator's classes on one layer: per class its colour, bounds and label
/// (also drawn on static map images, `crate::render`).
pub fn legend(ind: &Indicator, classes: &Classes) -> Value {
    let breaks = &classes.breaks;
    let entries: Vec<Value> = classes
        .colours
        .iter()
        .enumerate()
        .map(|(k, c)| {
            let from = if k == 0 { None } else { breaks.get(k - 1) };
            let to = breaks.get(k);
            let label = match (from, to) {
                (None, Some(t)) => format!("under {t}"),
                (Some(f), Some(t)) => format!("{f} to under {t}"),
                (Some(f), None) => format!("{f} or more"),
                (None, None) => "all".to_string(),
            };
            let over = ind
                .definition
                .threshold
                .is_some_and(|t| from.is_some_and(|f| *f >= t));
            json!({ "colour": c, "from": from, "to": to, "label": label, "over_limit": over })
        })
        .collect();
    json!({
        "indicator": ind.id, "title": ind.definition.title, "unit": ind.definition.unit, "polarity": ind.definition.polarity,
        "threshold": ind.definition.threshold, "no_data": classes.no_data, "classes": entries,
    })
}

/// The layer an indicator's choropleth is drawn on: its base layer when it has values there,
/// else the first layer that has them.
pub fn choropleth_layer(atlas: &crate::atlas::Atlas, ind: &Indicator) -> Option<usize> {
    atlas
        .layers
        .iter()
        .position(|l| l.id == ind.base_layer && l.columns.contains_key(&ind.id))
        .or_else(|| {
            atlas
                .layers
                .iter()
                .position(|l| l.columns.contains_key(&ind.id))
        })
}

/// The style for indicator `id`, with tiles described at `base`/tiles/atlas.json.
pub fn style(store: &TileStore, id: &str, base: &str) -> Result<Value, StyleError> {
    let atlas = store.atlas();
    let ind = atlas
        .indicator(id)
        .ok_or_else(|| StyleError::UnknownIndicator {
            id: id.to_string(),
            known: atlas
                .indicators
                .iter()
                .map(|i| i.id.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })?;
    let fine = choropleth_layer(atlas, ind);
    let fine_min = fine.map(|i| store.layer_minzoom(i)).unwrap_or(0);
    let mut layers = vec![json!({
        "id": "background", "type": "background", "paint": { "background-color": "#f4f4f1" }
    })];
    let boroughs = atlas.boroughs;
    if let Some(bi) = boroughs {
        let bid = &atlas.layers[bi].id;
        if let Some(classes) = ind
            .classes
            .get(bid)
            .filter(|_| Some(bi) != fine && fine_min > 0)
        {
            layers.extend(class_layers(
                id,
                bid,
                classes,
                json!({ "maxzoom": fine_min }),
                json!("#ffffff"),
            ));
        }
    }
    if let Some(fi) = fine {
        let lid = &atlas.layers[fi].id;
        let outline = json!([
            "interpolate",
            ["linear"],
            ["zoom"],
            10,
            "rgba(255,255,255,0)",
            13,
            "rgba(255,255,255,0.6)"
        ]);
        layers.extend(class_layers(
            id,
            lid,
            &ind.classes[lid],
            json!({ "minzoom": fine_min }),
            outline,
        ));
    }
    if let Some(bi) = boroughs {
        layers.push(json!({
            "id": "borough-outlines", "type": "line", "source": ATLAS_TILESET,
            "source-layer": atlas.layers[bi].id,
            "paint": { "line-color": "#333333",
                       "line-width": ["interpolate", ["linear"], ["zoom"], 8, 0.6, 14, 2.0] }
        }));
    }
    let bounds = store.mercator_bbox(super::tileset::Tileset::Atlas);
    let (w, s) = crate::geom::crs::mercator_to_lonlat(bounds[0], bounds[1]);
    let (e, n) = crate::geom::crs::mercator_to_lonlat(bounds[2], bounds[3]);
    Ok(json!({
        "version": 8,
        "name": format!("London Atlas: {}", ind.definition.title),
        "metadata": { "london-atlas:legend": fine.map(|i| legend(ind, &ind.classes[&atlas.layers[i].id])),
                      "london-atlas:classes": ind.classes,
                      "london-atlas:source": ind.provenance.attribution },
        "center": [(w + e) / 2.0, (s + n) / 2.0],
        "zoom": 9,
        "sources": {
            // `url` for MapLibre; `tiles` and the zoom range and bounds too, because QGIS
            // cannot open a TileJSON URL (its issue #36391).
            ATLAS_TILESET: {
                "type": "vector", "url": format!("{base}/tiles/{ATLAS_TILESET}.json"),
                "tiles": [super::tilejson::tile_url(base, ATLAS_TILESET)],
                "minzoom": store.minzoom(super::tileset::Tileset::Atlas), "maxzoom": super::grid::MAX_ZOOM,
                "bounds": [w, s, e, n],
            }
        },
        "layers": layers,
    }))
}
