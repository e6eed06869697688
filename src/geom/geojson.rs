//! GeoJSON geometry in both directions: a Polygon or MultiPolygon (WGS84, RFC 7946, or British
//! National Grid) read into EPSG:27700 with every position checked, and a British National
//! Grid multipolygon written back as a WGS84 GeoJSON MultiPolygon.
//!
//! Failure modes: [`polygonal_to_bng`] returns a sentence naming the ring and position for
//! non-polygon geometry, rings with fewer than four positions or not closed, and non-finite or
//! out-of-range coordinates.
//!
//! ```
//! use london_atlas::geom::geojson::{polygonal_to_bng, Coords};
//! let g: geojson::Geometry = r#"{"type":"Polygon","coordinates":[[[-0.13,51.5],[-0.12,51.5],[-0.12,51.51],[-0.13,51.5]]]}"#.parse().unwrap();
//! let mp = polygonal_to_bng(&g.value, Coords::Wgs84).unwrap();
//! assert!((mp.0[0].exterior().0[0].x - 530_000.0).abs() < 1_000.0); // easting, metres
//! ```

use super::crs::{bng_to_wgs84, valid_lon_lat, wgs84_to_bng};
use geo::{Coord, LineString, MultiPolygon, Polygon};
use geojson::{GeometryValue, Position};
use serde_json::Value;

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
    multipolygon(mp, |c| {
        let (lon, lat) = bng_to_wgs84(c.x, c.y);
        [round(lon), round(lat)]
    })
}

/// A British National Grid multipolygon as a GeoJSON MultiPolygon in its own metres
/// (easting, northing), coordinates as stored: the original geometry, for clients that ask
/// for EPSG:27700.
pub fn bng_geojson(mp: &MultiPolygon<f64>) -> Value {
    multipolygon(mp, |c| [c.x, c.y])
}

/// A GeoJSON MultiPolygon of `mp` with each position written by `position`.
fn multipolygon(mp: &MultiPolygon<f64>, position: impl Fn(&Coord<f64>) -> [f64; 2]) -> Value {
    let ring = |r: &LineString<f64>| -> Vec<[f64; 2]> { r.0.iter().map(&position).collect() };
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
