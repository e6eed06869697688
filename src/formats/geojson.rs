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

/// A whole layer as a FeatureCollection: one Feature per area (`id` = its code) with every
/// indicator as a property, coordinates rounded to the CRS's [`Crs::decimals`]. In British
/// National Grid it carries the (pre-RFC 7946) `crs` member GDAL and QGIS read; the
/// provenance is the top-level `provenance` member.
///
/// [`Crs::decimals`]: super::table::Crs::decimals
pub fn layer(table: &super::table::LayerTable) -> Value {
    use super::table::{Crs, FieldKind, TEXT_COLUMNS};
    let k = 10f64.powi(table.crs.decimals());
    let round = |v: f64| (v * k).round() / k;
    let features: Vec<Value> = (0..table.layer.areas.len())
        .map(|i| {
            let mut props = serde_json::Map::new();
            for (c, t) in TEXT_COLUMNS.iter().zip(table.text(i)) {
                let v = if t.is_empty() && *c != "code" {
                    Value::Null
                } else {
                    Value::from(t)
                };
                props.insert(c.to_string(), v);
            }
            for f in &table.fields {
                let v = match (table.value(i, f), f.kind) {
                    (None, _) => Value::Null,
                    (Some(v), FieldKind::Integer) => Value::from(v as i64),
                    (Some(v), FieldKind::Real) => Value::from(v),
                };
                props.insert(f.id.to_string(), v);
            }
            let g = table.geometry(i);
            let polygons: Vec<Vec<Vec<[f64; 2]>>> =
                g.0.iter()
                    .map(|p| {
                        std::iter::once(p.exterior())
                            .chain(p.interiors())
                            .map(|r| r.0.iter().map(|c| [round(c.x), round(c.y)]).collect())
                            .collect()
                    })
                    .collect();
            json!({
                "type": "Feature",
                "id": table.layer.areas[i].code,
                "geometry": { "type": "MultiPolygon", "coordinates": polygons },
                "properties": props,
            })
        })
        .collect();
    let mut fc = json!({
        "type": "FeatureCollection",
        "name": table.layer.id,
        "provenance": table.provenance_json(),
        "features": features,
    });
    if table.crs == Crs::BritishNationalGrid {
        fc["crs"] = json!({
            "type": "name",
            "properties": { "name": format!("urn:ogc:def:crs:EPSG::{}", table.crs.epsg()) },
        });
    }
    fc
}
