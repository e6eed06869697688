//! MapLibre GL style (version 8) drawing a choropleth of one indicator from the `atlas`
//! tileset: the indicator's finest layer from that layer's minzoom, boroughs below it, and
//! borough outlines on top. Class breaks come from the indicator (the legal limit, e.g. NO2's
//! 40 µg/m³, is always a break; deciles 1..10 for IMD); without breaks, London deciles of the
//! values. Colours: ColorBrewer YlOrRd (colour-blind safe) with worse = darker and warmer
//! whatever the polarity; neutral counts use Blues, more = darker. The legend travels in
//! `metadata["london-atlas:legend"]`.
//!
//! Failure modes: [`StyleError::UnknownIndicator`] for an indicator id the atlas lacks.

use super::cache::TileStore;
use super::ATLAS_TILESET;
use crate::indicator::Indicator;
use crate::manifest::Polarity;
use serde_json::{json, Value};

#[derive(Debug, thiserror::Error)]
pub enum StyleError {
    #[error("unknown indicator \"{id}\": indicators are {known}")]
    UnknownIndicator { id: String, known: String },
}

const YL_OR_RD: [[u8; 3]; 9] = [
    [0xff, 0xff, 0xcc],
    [0xff, 0xed, 0xa0],
    [0xfe, 0xd9, 0x76],
    [0xfe, 0xb2, 0x4c],
    [0xfd, 0x8d, 0x3c],
    [0xfc, 0x4e, 0x2a],
    [0xe3, 0x1a, 0x1c],
    [0xbd, 0x00, 0x26],
    [0x80, 0x00, 0x26],
];
const BLUES: [[u8; 3]; 9] = [
    [0xf7, 0xfb, 0xff],
    [0xde, 0xeb, 0xf7],
    [0xc6, 0xdb, 0xef],
    [0x9e, 0xca, 0xe1],
    [0x6b, 0xae, 0xd6],
    [0x42, 0x92, 0xc6],
    [0x21, 0x71, 0xb5],
    [0x08, 0x51, 0x9c],
    [0x08, 0x30, 0x6b],
];
/// Colour of areas without a value.
pub const NO_DATA: &str = "#bdbdbd";

/// `n` colours sampled evenly along a 9-class ramp (linear in sRGB), light to dark.
pub fn ramp(n: usize, anchors: &[[u8; 3]; 9]) -> Vec<String> {
    (0..n)
        .map(|k| {
            let t = if n == 1 {
                1.0
            } else {
                k as f64 / (n - 1) as f64
            } * 8.0;
            let (i, f) = ((t.floor() as usize).min(7), t - t.floor().min(7.0));
            let c: Vec<u8> = (0..3)
                .map(|j| {
                    let (a, b) = (anchors[i][j] as f64, anchors[i + 1][j] as f64);
                    (a + (b - a) * f).round() as u8
                })
                .collect();
            format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
        })
        .collect()
}

/// Class breaks of an indicator: its own (with its threshold added), else London deciles.
pub fn breaks(store: &TileStore, ind: &Indicator) -> Vec<f64> {
    let mut b = ind.breaks.clone();
    if b.is_empty() {
        if let Some(layer) = store.atlas().layer(&ind.base_layer) {
            let mut v: Vec<f64> = layer
                .columns
                .get(&ind.id)
                .map(|c| {
                    c.values
                        .iter()
                        .flatten()
                        .copied()
                        .filter(|x| x.is_finite())
                        .collect()
                })
                .unwrap_or_default();
            v.sort_by(f64::total_cmp);
            if !v.is_empty() {
                b = (1..10)
                    .map(|k| v[(v.len() * k / 10).min(v.len() - 1)])
                    .collect();
            }
        }
    }
    if let Some(t) = ind.threshold {
        if !b.iter().any(|x| (x - t).abs() < 1e-9) {
            b.push(t);
        }
    }
    b.sort_by(f64::total_cmp);
    b.dedup();
    b
}

/// Colours of the `breaks.len() + 1` classes, lowest values first.
pub fn class_colours(ind: &Indicator, classes: usize) -> Vec<String> {
    match ind.polarity {
        Polarity::HigherIsWorse => ramp(classes, &YL_OR_RD),
        Polarity::LowerIsWorse => {
            let mut c = ramp(classes, &YL_OR_RD);
            c.reverse();
            c
        }
        Polarity::Neutral => ramp(classes, &BLUES),
    }
}

fn fill_colour(id: &str, breaks: &[f64], colours: &[String]) -> Value {
    let mut step = vec![
        json!("step"),
        json!(["to-number", ["get", id]]),
        json!(colours[0]),
    ];
    for (b, c) in breaks.iter().zip(&colours[1..]) {
        step.push(json!(b));
        step.push(json!(c));
    }
    json!(["case", ["has", id], Value::Array(step), NO_DATA])
}

fn legend(ind: &Indicator, breaks: &[f64], colours: &[String]) -> Value {
    let entries: Vec<Value> = colours
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
            let over = ind.threshold.is_some_and(|t| from.is_some_and(|f| *f >= t));
            json!({ "colour": c, "from": from, "to": to, "label": label, "over_limit": over })
        })
        .collect();
    json!({
        "indicator": ind.id, "title": ind.title, "unit": ind.unit, "polarity": ind.polarity,
        "threshold": ind.threshold, "no_data": NO_DATA, "classes": entries,
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
    let b = breaks(store, ind);
    let colours = class_colours(ind, b.len() + 1);
    let fine = atlas
        .layers
        .iter()
        .position(|l| l.id == ind.base_layer && l.columns.contains_key(id))
        .or_else(|| atlas.layers.iter().position(|l| l.columns.contains_key(id)));
    let fine_min = fine.map(|i| store.layer_minzoom(i)).unwrap_or(0);
    let opacity = json!([
        "case",
        ["boolean", ["feature-state", "hover"], false],
        0.95,
        0.75
    ]);
    let mut layers = vec![json!({
        "id": "background", "type": "background", "paint": { "background-color": "#f4f4f1" }
    })];
    let boroughs = atlas.layers.iter().position(|l| l.id == "boroughs");
    if let Some(bi) = boroughs {
        if atlas.layers[bi].columns.contains_key(id) && Some(bi) != fine && fine_min > 0 {
            layers.push(json!({
                "id": format!("{id}-boroughs"), "type": "fill", "source": ATLAS_TILESET,
                "source-layer": "boroughs", "maxzoom": fine_min,
                "paint": { "fill-color": fill_colour(id, &b, &colours), "fill-opacity": opacity,
                           "fill-outline-color": "#ffffff" }
            }));
        }
    }
    if let Some(fi) = fine {
        let lid = &atlas.layers[fi].id;
        layers.push(json!({
            "id": format!("{id}-{lid}"), "type": "fill", "source": ATLAS_TILESET,
            "source-layer": lid, "minzoom": fine_min,
            "paint": { "fill-color": fill_colour(id, &b, &colours), "fill-opacity": opacity,
                       "fill-outline-color": ["interpolate", ["linear"], ["zoom"], 10, "rgba(255,255,255,0)", 13, "rgba(255,255,255,0.6)"] }
        }));
    }
    if boroughs.is_some() {
        layers.push(json!({
            "id": "borough-outlines", "type": "line", "source": ATLAS_TILESET,
            "source-layer": "boroughs",
            "paint": { "line-color": "#333333",
                       "line-width": ["interpolate", ["linear"], ["zoom"], 8, 0.6, 14, 2.0] }
        }));
    }
    let bounds = store.mercator_bbox(super::cache::Tileset::Atlas);
    let (w, s) = crate::crs::mercator_to_lonlat(bounds[0], bounds[1]);
    let (e, n) = crate::crs::mercator_to_lonlat(bounds[2], bounds[3]);
    Ok(json!({
        "version": 8,
        "name": format!("London Atlas: {}", ind.title),
        "metadata": { "london-atlas:legend": legend(ind, &b, &colours),
                      "london-atlas:source": ind.attribution },
        "center": [(w + e) / 2.0, (s + n) / 2.0],
        "zoom": 9,
        "sources": {
            ATLAS_TILESET: { "type": "vector", "url": format!("{base}/tiles/{ATLAS_TILESET}.json") }
        },
        "layers": layers,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramps_run_light_to_dark_and_keep_the_anchors_ends() {
        let c = ramp(10, &YL_OR_RD);
        assert_eq!(c.len(), 10);
        assert_eq!(c[0], "#ffffcc");
        assert_eq!(c[9], "#800026");
        assert_eq!(ramp(9, &YL_OR_RD)[4], "#fd8d3c");
    }
}
