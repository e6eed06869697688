//! A boundary as planners send it to `POST /api/query`: one GeoJSON Polygon or MultiPolygon
//! (or a Feature of one), a GeoJSON FeatureCollection, or a zipped shapefile. Each feature is
//! checked on its own and summarised on its own as well as together: the answer for their
//! union, with `features` listing each one's answer when there are several.
//!
//! Failure modes: each a [`QueryError`] sentence naming the feature: one that is not a
//! polygon, invalid, or outside Great Britain; more than [`MAX_FEATURES`] features; more than
//! the vertex cap in all; a collection with no polygon.
//!
//! ```
//! use london_atlas::query::boundary::parse_boundary;
//! let body = br#"{"type":"FeatureCollection","features":[
//!   {"type":"Feature","properties":{"name":"A"},"geometry":{"type":"Polygon","coordinates":[[[-0.13,51.50],[-0.12,51.50],[-0.12,51.51],[-0.13,51.50]]]}},
//!   {"type":"Feature","properties":{"name":"B"},"geometry":{"type":"Polygon","coordinates":[[[-0.10,51.50],[-0.09,51.50],[-0.09,51.51],[-0.10,51.50]]]}}]}"#;
//! let b = parse_boundary(body, 20_000).unwrap();
//! assert_eq!(b.parts.len(), 2);
//! assert_eq!(b.parts[1].name.as_deref(), Some("B"));
//! assert_eq!(b.union.0.len(), 2); // two separate triangles
//! ```

use super::polygon::{check_polygon, geometry_to_bng, read_geojson, PolygonAnswer};
use super::upload::{is_zip, read_zipped_shapefile};
use super::QueryError;
use crate::atlas::Atlas;
use crate::geom::geojson::{bng_to_wgs84_geojson, position_count};
use geo::{unary_union, MultiPolygon};
use geojson::GeoJson;
use serde::Serialize;
use serde_json::Value;

/// Most features one request may summarise separately.
pub const MAX_FEATURES: usize = 100;

/// One feature of a boundary, in British National Grid.
#[derive(Debug, Clone)]
pub struct Part {
    /// The feature's name (a `name` property, or a shapefile's name field), if it has one.
    pub name: Option<String>,
    /// Where it came from, for error sentences ("feature 3", "record 2 of wards.shp").
    pub what: String,
    pub polygon: MultiPolygon<f64>,
}

/// A checked boundary: its features and their union.
#[derive(Debug, Clone)]
pub struct Boundary {
    pub parts: Vec<Part>,
    pub union: MultiPolygon<f64>,
}

/// One feature's own answer.
#[derive(Debug, Clone, Serialize)]
pub struct FeatureAnswer {
    /// Position in the upload, from 1.
    pub index: usize,
    pub name: Option<String>,
    #[serde(flatten)]
    pub answer: PolygonAnswer,
}

/// The answer for a boundary: the union's, plus each feature's when there are several, plus
/// the boundary itself in WGS84 when asked for (`?boundary=geojson`: how the server read an
/// upload, for drawing it and keeping it in a link).
#[derive(Debug, Clone, Serialize)]
pub struct BoundaryAnswer {
    #[serde(flatten)]
    pub union: PolygonAnswer,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<FeatureAnswer>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub boundary: Option<Value>,
}

/// Reads a request body (GeoJSON or a zipped shapefile) into a checked [`Boundary`] of at
/// most `max_vertices` positions.
pub fn parse_boundary(body: &[u8], max_vertices: usize) -> Result<Boundary, QueryError> {
    let raw = if is_zip(body) {
        read_zipped_shapefile(body, max_vertices)?
    } else {
        match read_geojson(body)? {
            GeoJson::FeatureCollection(fc) => collection_parts(fc, max_vertices)?,
            GeoJson::Feature(f) => {
                let name = name_of(f.properties.as_ref());
                let g = f
                    .geometry
                    .ok_or_else(|| QueryError::BadGeometry("the Feature has no geometry".into()))?;
                vec![Part {
                    name,
                    what: "the feature".into(),
                    polygon: geometry_to_bng(&g, max_vertices)?,
                }]
            }
            GeoJson::Geometry(g) => vec![Part {
                name: None,
                what: "the polygon".into(),
                polygon: geometry_to_bng(&g, max_vertices)?,
            }],
        }
    };
    if raw.len() > MAX_FEATURES {
        return Err(QueryError::BadGeometry(format!(
            "the boundary has {} features; send at most {MAX_FEATURES} at once",
            raw.len()
        )));
    }
    let mut parts = Vec::with_capacity(raw.len());
    for p in raw {
        let polygon = check_polygon(p.polygon).map_err(|e| match e {
            QueryError::BadGeometry(m) if p.what != "the polygon" => {
                QueryError::BadGeometry(format!("{}: {m}", p.what))
            }
            other => other,
        })?;
        parts.push(Part { polygon, ..p });
    }
    let union = match parts.as_slice() {
        [one] => one.polygon.clone(),
        many => unary_union(many.iter().flat_map(|p| p.polygon.0.iter())),
    };
    Ok(Boundary { parts, union })
}

/// The polygonal features of a FeatureCollection (features with no geometry are skipped,
/// any other geometry refused by its position).
fn collection_parts(
    fc: geojson::FeatureCollection,
    max_vertices: usize,
) -> Result<Vec<Part>, QueryError> {
    let total: usize = fc
        .features
        .iter()
        .filter_map(|f| f.geometry.as_ref())
        .map(|g| position_count(&g.value))
        .sum();
    if total > max_vertices {
        return Err(QueryError::TooManyVertices {
            count: total,
            max: max_vertices,
        });
    }
    let mut parts = Vec::new();
    for (i, f) in fc.features.iter().enumerate() {
        let Some(g) = &f.geometry else { continue };
        let what = format!("feature {}", i + 1);
        let polygon = geometry_to_bng(g, max_vertices)
            .map_err(|e| QueryError::BadGeometry(format!("{what}: {e}")))?;
        parts.push(Part {
            name: name_of(f.properties.as_ref()),
            what,
            polygon,
        });
    }
    if parts.is_empty() {
        return Err(QueryError::BadGeometry(
            "the FeatureCollection has no feature with a geometry".into(),
        ));
    }
    Ok(parts)
}

/// A feature's name: its `name` (or `NAME`, `Name`, `title`) property when it is text.
fn name_of(props: Option<&serde_json::Map<String, Value>>) -> Option<String> {
    let props = props?;
    ["name", "NAME", "Name", "title"]
        .iter()
        .find_map(|k| props.get(*k).and_then(Value::as_str))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

impl Atlas {
    /// The answer for a boundary: its union's, and each feature's when there are several,
    /// each stopping once `keep_going` says no (as [`Atlas::query_polygon_while`]).
    pub fn query_boundary_while(
        &self,
        boundary: &Boundary,
        with_geojson: bool,
        budget: std::time::Duration,
        keep_going: &dyn Fn() -> bool,
    ) -> Result<BoundaryAnswer, QueryError> {
        let union = self.query_polygon_while(&boundary.union, budget, keep_going)?;
        let mut features = Vec::new();
        if boundary.parts.len() > 1 {
            for (i, p) in boundary.parts.iter().enumerate() {
                features.push(FeatureAnswer {
                    index: i + 1,
                    name: p.name.clone(),
                    answer: self.query_polygon_while(&p.polygon, budget, keep_going)?,
                });
            }
        }
        let boundary = with_geojson.then(|| boundary_geojson(boundary));
        Ok(BoundaryAnswer {
            union,
            features,
            boundary,
        })
    }
}

/// The boundary's features as a WGS84 FeatureCollection (6 decimals, about 0.1 m).
fn boundary_geojson(b: &Boundary) -> Value {
    let features: Vec<Value> = b
        .parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            serde_json::json!({
                "type": "Feature",
                "properties": { "index": i + 1, "name": p.name },
                "geometry": bng_to_wgs84_geojson(&p.polygon, Some(6)),
            })
        })
        .collect();
    serde_json::json!({ "type": "FeatureCollection", "features": features })
}
