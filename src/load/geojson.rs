//! GeoJSON areas and polygons: user-supplied boundary layers (a FeatureCollection in WGS84,
//! RFC 7946) and the conversion of any GeoJSON Polygon/MultiPolygon to EPSG:27700, shared
//! with the polygon query so both check coordinates the same way.
//!
//! Failure modes: non-polygon geometry, rings with fewer than four positions or not closed,
//! non-finite or out-of-range coordinates, a missing code property, an unsupported `crs`
//! member: each an error naming the feature and what is wrong.

use super::LoadError;
use crate::crs::{valid_lon_lat, wgs84_to_bng};
use crate::layer::Area;
use crate::manifest::LayerSpec;
use geo::{Coord, LineString, MultiPolygon, Polygon};
use geojson::{GeoJson, GeometryValue, Position};
use serde_json::Value;
use std::path::Path;

/// The coordinates a GeoJSON document is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coords {
    /// Longitude/latitude degrees (RFC 7946, the default).
    Wgs84,
    /// British National Grid metres (a legacy `crs` member naming EPSG:27700).
    Bng,
}

/// Converts a Polygon or MultiPolygon to British National Grid, checking every position.
pub fn polygonal_to_bng(
    value: &GeometryValue,
    coords: Coords,
) -> Result<MultiPolygon<f64>, String> {
    match value {
        GeometryValue::Polygon { coordinates } => {
            Ok(MultiPolygon::new(vec![polygon(coordinates, coords, None)?]))
        }
        GeometryValue::MultiPolygon { coordinates } => coordinates
            .iter()
            .enumerate()
            .map(|(i, p)| polygon(p, coords, Some(i + 1)))
            .collect::<Result<Vec<_>, _>>()
            .map(MultiPolygon::new),
        other => Err(format!(
            "the geometry is a {}, but a Polygon or MultiPolygon is needed",
            other.type_name()
        )),
    }
}

/// A British National Grid multipolygon as a GeoJSON MultiPolygon in WGS84, coordinates
/// rounded to `decimals` places when given (6 is about 0.1 m). The inverse of
/// [`polygonal_to_bng`], up to the transform's centimetres.
pub fn bng_to_wgs84_geojson(mp: &MultiPolygon<f64>, decimals: Option<i32>) -> Value {
    let round = |v: f64| match decimals {
        Some(d) => {
            let k = 10f64.powi(d);
            (v * k).round() / k
        }
        None => v,
    };
    let ring = |r: &LineString<f64>| -> Vec<[f64; 2]> {
        r.0.iter()
            .map(|c| {
                let (lon, lat) = crate::crs::bng_to_wgs84(c.x, c.y);
                [round(lon), round(lat)]
            })
            .collect()
    };
    let polygons: Vec<Vec<Vec<[f64; 2]>>> =
        mp.0.iter()
            .map(|p| {
                std::iter::once(ring(p.exterior()))
                    .chain(p.interiors().iter().map(ring))
                    .collect()
            })
            .collect();
    serde_json::json!({ "type": "MultiPolygon", "coordinates": polygons })
}

/// Number of positions in a polygonal geometry (for vertex caps); 0 for other types.
pub fn position_count(value: &GeometryValue) -> usize {
    match value {
        GeometryValue::Polygon { coordinates } => coordinates.iter().map(Vec::len).sum(),
        GeometryValue::MultiPolygon { coordinates } => {
            coordinates.iter().flatten().map(Vec::len).sum()
        }
        _ => 0,
    }
}

fn polygon(
    rings: &[Vec<Position>],
    coords: Coords,
    part: Option<usize>,
) -> Result<Polygon<f64>, String> {
    let where_ = |ring: usize| match part {
        Some(p) => format!("ring {ring} of polygon {p}"),
        None => format!("ring {ring}"),
    };
    if rings.is_empty() {
        return Err(match part {
            Some(p) => format!("polygon {p} has no rings"),
            None => "the polygon has no rings".to_string(),
        });
    }
    let mut out = Vec::with_capacity(rings.len());
    for (r, ring) in rings.iter().enumerate() {
        let at = where_(r + 1);
        if ring.len() < 4 {
            return Err(format!(
                "{at} has {} positions; a ring needs at least 4 (first and last equal)",
                ring.len()
            ));
        }
        let mut pts = Vec::with_capacity(ring.len());
        for (k, p) in ring.iter().enumerate() {
            let s = p.as_slice();
            if s.len() < 2 {
                return Err(format!(
                    "position {} of {at} has fewer than two numbers",
                    k + 1
                ));
            }
            let (x, y) = (s[0], s[1]);
            let c = match coords {
                Coords::Wgs84 => {
                    if !valid_lon_lat(x, y) {
                        return Err(format!(
                            "position {} of {at} is [{x}, {y}], not a WGS84 longitude (-180..180) and latitude (-90..90)",
                            k + 1
                        ));
                    }
                    wgs84_to_bng(x, y)
                }
                Coords::Bng => {
                    if !(x.is_finite() && y.is_finite()) {
                        return Err(format!("position {} of {at} is not finite", k + 1));
                    }
                    (x, y)
                }
            };
            pts.push(Coord { x: c.0, y: c.1 });
        }
        let (first, last) = (ring[0].as_slice(), ring[ring.len() - 1].as_slice());
        if first[..2] != last[..2] {
            return Err(format!(
                "{at} is not closed: its first and last positions differ"
            ));
        }
        out.push(LineString::new(pts));
    }
    let exterior = out.remove(0);
    Ok(Polygon::new(exterior, out))
}

/// Reads a GeoJSON FeatureCollection of polygons as areas in EPSG:27700.
pub fn read_areas(path: &Path, spec: &LayerSpec) -> Result<Vec<Area>, LoadError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| LoadError::Unreadable {
        path: shown.clone(),
        message: e.to_string(),
    })?;
    let gj: GeoJson = text.parse().map_err(|e| LoadError::Invalid {
        path: shown.clone(),
        message: format!("is not GeoJSON: {e}"),
    })?;
    let GeoJson::FeatureCollection(fc) = gj else {
        return Err(LoadError::Invalid {
            path: shown,
            message: "is not a GeoJSON FeatureCollection".into(),
        });
    };
    let coords = match fc.foreign_members.as_ref().and_then(|m| m.get("crs")) {
        None => Coords::Wgs84,
        Some(crs) => {
            let name = crs
                .pointer("/properties/name")
                .and_then(Value::as_str)
                .unwrap_or("");
            if name.contains("27700") {
                Coords::Bng
            } else if name.contains("CRS84") || name.ends_with("4326") || name.ends_with("4326\"") {
                Coords::Wgs84
            } else {
                return Err(LoadError::Invalid {
                    path: shown,
                    message: format!("declares crs \"{name}\"; London Atlas reads GeoJSON in WGS84 (RFC 7946) or EPSG:27700"),
                });
            }
        }
    };
    let mut areas = Vec::with_capacity(fc.features.len());
    for (i, f) in fc.features.iter().enumerate() {
        let err = |message: String| LoadError::Record {
            path: shown.clone(),
            record: i + 1,
            message,
        };
        let prop = |field: &str| -> Option<String> {
            match f.properties.as_ref()?.get(field)? {
                Value::String(s) => Some(s.trim().to_string()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            }
        };
        let code = prop(&spec.code_field)
            .filter(|c| !c.is_empty())
            .ok_or_else(|| err(format!("feature has no property {}", spec.code_field)))?;
        let name = prop(&spec.name_field).unwrap_or_default();
        let borough = spec.borough_field.as_deref().and_then(prop);
        let geometry = f
            .geometry
            .as_ref()
            .ok_or_else(|| err(format!("feature {code} has no geometry")))?;
        let mp = polygonal_to_bng(&geometry.value, coords)
            .map_err(|m| err(format!("feature {code}: {m}")))?;
        let mut area = Area::new(code, name, borough, mp);
        for (out, field) in &spec.keep {
            area.properties
                .insert(out.clone(), prop(field).unwrap_or_default());
        }
        areas.push(area);
    }
    Ok(areas)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> GeometryValue {
        serde_json::from_str::<geojson::Geometry>(s)
            .expect("geometry")
            .value
    }

    #[test]
    fn an_open_ring_is_refused_with_its_position() {
        let g = parse(
            r#"{"type":"Polygon","coordinates":[[[-0.1,51.5],[-0.1,51.6],[0.0,51.6],[0.0,51.5]]]}"#,
        );
        let e = polygonal_to_bng(&g, Coords::Wgs84).expect_err("open");
        assert!(e.contains("ring 1 is not closed"), "{e}");
    }

    #[test]
    fn out_of_range_latitude_is_refused() {
        let g = parse(
            r#"{"type":"Polygon","coordinates":[[[-0.1,51.5],[-0.1,95.0],[0.0,51.6],[-0.1,51.5]]]}"#,
        );
        let e = polygonal_to_bng(&g, Coords::Wgs84).expect_err("range");
        assert!(e.contains("position 2 of ring 1"), "{e}");
    }

    #[test]
    fn a_point_is_not_a_polygon() {
        let g = parse(r#"{"type":"Point","coordinates":[-0.1,51.5]}"#);
        let e = polygonal_to_bng(&g, Coords::Wgs84).expect_err("point");
        assert!(e.contains("Point"), "{e}");
    }
}
