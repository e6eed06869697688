//! GeoJSON writers (RFC 7946, WGS84, coordinates to 6 decimals, about 0.1 m): one area as a
//! Feature, a rule selection as a FeatureCollection with its totals as foreign members.
//!
//! Failure modes: none; an area missing from its layer gets a null geometry.

use crate::atlas::Atlas;
use crate::geom::geojson::bng_to_wgs84_geojson;
use crate::query::select::Selection;
use geo::MultiPolygon;
use serde_json::{json, Value};

/// Decimal places of written coordinates.
pub const DECIMALS: i32 = 6;

/// A Feature with the area's WGS84 geometry and `properties`.
pub fn feature(geometry: Option<&MultiPolygon<f64>>, properties: Value) -> Value {
    let geometry = geometry
        .map(|g| bng_to_wgs84_geojson(g, Some(DECIMALS)))
        .unwrap_or(Value::Null);
    json!({ "type": "Feature", "geometry": geometry, "properties": properties })
}

/// The selected areas with their value of the rule's indicator, plus the selection's totals.
pub fn selection(atlas: &Atlas, sel: &Selection) -> Value {
    let layer = atlas.layer(&sel.layer);
    let features: Vec<Value> = sel
        .areas
        .iter()
        .map(|a| {
            let geometry = layer.and_then(|l| l.area(&a.code)).map(|x| &x.geometry);
            let properties = json!({
                "code": a.code, "name": a.name, "borough": a.borough, sel.indicator.as_str(): a.value,
            });
            feature(geometry, properties)
        })
        .collect();
    json!({
        "type": "FeatureCollection",
        "layer": sel.layer,
        "where": sel.filter,
        "count": sel.count,
        "totals": sel.totals,
        "totals_method": sel.totals_method,
        "features": features,
    })
}
