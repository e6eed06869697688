//! What a drawn polygon touches and adds up to. The GeoJSON polygon (WGS84) is checked,
//! moved into British National Grid and intersected exactly with every layer's areas; the
//! summary apportions counts by the share of each area inside the polygon and weights means
//! by apportioned population (or by overlap area where no population is known).

use super::QueryError;
use crate::aggregate::{aggregate, share, Method, Part, Scope};
use crate::atlas::derive::weight_of;
use crate::atlas::Atlas;
use crate::geom::geojson::{polygonal_to_bng, position_count, Coords};
use crate::geom::overlay::{overlaps_while, DeadlinePassed, Overlap, QueryShape};
use crate::geom::validity::invalidity;
use geo::{Area as _, BoundingRect, MultiPolygon};
use geojson::GeoJson;
use serde::Serialize;
use std::collections::BTreeMap;

/// Most vertices a query polygon may have.
pub const MAX_VERTICES: usize = 20_000;

/// One area a polygon touches.
#[derive(Debug, Clone, Serialize)]
pub struct Touched {
    pub code: String,
    pub name: String,
    pub borough: Option<String>,
    pub overlap_m2: f64,
    /// Share of the area that lies inside the polygon (0..1).
    pub overlap_share: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SummaryValue {
    pub value: f64,
    pub method: String,
    pub layer: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Residents (the manifest's population indicator), apportioned by overlap share.
    pub population: Option<f64>,
    pub indicators: BTreeMap<String, SummaryValue>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PolygonAnswer {
    pub area_m2: f64,
    pub layers: BTreeMap<String, Vec<Touched>>,
    pub summary: Summary,
}

/// Parses a request body: a GeoJSON Polygon or MultiPolygon, or a Feature of one, in WGS84.
/// Returns it in British National Grid, checked for validity and size.
pub fn parse_polygon(body: &[u8], max_vertices: usize) -> Result<MultiPolygon<f64>, QueryError> {
    let geometry = match read_geojson(body)? {
        GeoJson::Geometry(g) => g,
        GeoJson::Feature(f) => f.geometry.ok_or_else(|| QueryError::BadGeometry("the Feature has no geometry".into()))?,
        GeoJson::FeatureCollection(_) => {
            return Err(QueryError::BadGeometry(
                "the body is a FeatureCollection; send one Polygon or MultiPolygon (or a Feature of one)".into(),
            ))
        }
    };
    geometry_to_bng(&geometry, max_vertices)
}

/// A request body as GeoJSON (any kind), or a sentence saying why it is not.
pub(crate) fn read_geojson(body: &[u8]) -> Result<GeoJson, QueryError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| QueryError::BadGeometry("the body is not UTF-8 text".into()))?;
    if text.trim().is_empty() {
        return Err(QueryError::BadGeometry(
            "the body is empty; send a GeoJSON Polygon or MultiPolygon".into(),
        ));
    }
    text.parse()
        .map_err(|e| QueryError::BadGeometry(format!("the body is not valid GeoJSON: {e}")))
}

/// A GeoJSON Polygon or MultiPolygon (WGS84) in British National Grid, checked for size and
/// validity like [`parse_polygon`]'s.
pub fn geometry_to_bng(
    geometry: &geojson::Geometry,
    max_vertices: usize,
) -> Result<MultiPolygon<f64>, QueryError> {
    let count = position_count(&geometry.value);
    if count > max_vertices {
        return Err(QueryError::TooManyVertices {
            count,
            max: max_vertices,
        });
    }
    let mp = polygonal_to_bng(&geometry.value, Coords::Wgs84).map_err(QueryError::BadGeometry)?;
    check_polygon(mp)
}

/// Checks a query polygon already in British National Grid: inside the grid's domain, valid,
/// with an area (for drawn polygons and uploaded boundaries alike).
pub fn check_polygon(mp: MultiPolygon<f64>) -> Result<MultiPolygon<f64>, QueryError> {
    if let Some(r) = mp.bounding_rect() {
        // The grid's own domain: beyond it the transform (and the question) make no sense.
        if r.min().x < -100_000.0
            || r.max().x > 800_000.0
            || r.min().y < -100_000.0
            || r.max().y > 1_400_000.0
        {
            return Err(QueryError::BadGeometry(
                "the polygon reaches beyond Great Britain; queries are answered in British National Grid, which covers Great Britain only".into(),
            ));
        }
    }
    if let Some(problem) = invalidity(&mp) {
        return Err(QueryError::BadGeometry(format!(
            "the polygon is not valid ({problem}); draw it without crossing or touching edges"
        )));
    }
    if mp.unsigned_area() <= 0.0 {
        return Err(QueryError::BadGeometry("the polygon has no area".into()));
    }
    Ok(mp)
}

impl Atlas {
    /// Everything a valid British National Grid polygon touches, and what it adds up to.
    pub fn query_polygon(&self, polygon: &MultiPolygon<f64>) -> PolygonAnswer {
        // Without a deadline nothing can run past it; the Err arm is never taken.
        self.query_polygon_until(polygon, None)
            .unwrap_or_else(|_| self.answer(polygon, vec![Vec::new(); self.layers.len()]))
    }

    /// [`Atlas::query_polygon`] that gives up after `budget` (a polygon can be drawn to make
    /// the exact answer expensive; the server must stay responsive).
    pub fn query_polygon_within(
        &self,
        polygon: &MultiPolygon<f64>,
        budget: std::time::Duration,
    ) -> Result<PolygonAnswer, QueryError> {
        let deadline = std::time::Instant::now() + budget;
        self.query_polygon_until(polygon, Some(deadline))
            .map_err(|_| QueryError::TooComplex(budget.as_secs_f64()))
    }

    /// [`Atlas::query_polygon`] that gives up once `keep_going` says no (checked before each
    /// area of each layer): the server passes a budget of the worker thread's CPU time and
    /// whether the client is still there. Refused as too intricate after `budget`.
    pub fn query_polygon_while(
        &self,
        polygon: &MultiPolygon<f64>,
        budget: std::time::Duration,
        keep_going: &dyn Fn() -> bool,
    ) -> Result<PolygonAnswer, QueryError> {
        self.query_polygon_checked(polygon, keep_going)
            .map_err(|_| QueryError::TooComplex(budget.as_secs_f64()))
    }

    /// Overlaps with every layer from one prepared shape, then the answer.
    fn query_polygon_until(
        &self,
        polygon: &MultiPolygon<f64>,
        deadline: Option<std::time::Instant>,
    ) -> Result<PolygonAnswer, DeadlinePassed> {
        self.query_polygon_checked(polygon, &|| {
            deadline.is_none_or(|d| std::time::Instant::now() <= d)
        })
    }

    fn query_polygon_checked(
        &self,
        polygon: &MultiPolygon<f64>,
        keep_going: &dyn Fn() -> bool,
    ) -> Result<PolygonAnswer, DeadlinePassed> {
        let per_layer = match QueryShape::new(polygon) {
            Some(shape) => self
                .layers
                .iter()
                .map(|l| overlaps_while(&shape, l, keep_going))
                .collect::<Result<Vec<_>, _>>()?,
            None => vec![Vec::new(); self.layers.len()],
        };
        Ok(self.answer(polygon, per_layer))
    }

    fn answer(&self, polygon: &MultiPolygon<f64>, per_layer: Vec<Vec<Overlap>>) -> PolygonAnswer {
        let layers = self
            .layers
            .iter()
            .zip(&per_layer)
            .map(|(layer, ovs)| {
                let rows = ovs
                    .iter()
                    .map(|o| {
                        let a = &layer.areas[o.area];
                        Touched {
                            code: a.code.clone(),
                            name: a.name.clone(),
                            borough: a.borough.clone(),
                            overlap_m2: o.overlap_m2,
                            overlap_share: share(o.overlap_m2, a.area_m2),
                        }
                    })
                    .collect();
                (layer.id.clone(), rows)
            })
            .collect();
        let summary = self.summarise(&per_layer);
        PolygonAnswer {
            area_m2: polygon.unsigned_area(),
            layers,
            summary,
        }
    }

    /// Apportioned totals and weighted means over the overlaps of each indicator's base layer.
    pub(crate) fn summarise(&self, per_layer: &[Vec<Overlap>]) -> Summary {
        let mut indicators = BTreeMap::new();
        for ind in &self.indicators {
            let def = &ind.definition;
            let Some(li) = self.layer_index(&ind.base_layer) else {
                continue;
            };
            let layer = &self.layers[li];
            let Some(column) = layer.columns.get(&ind.id) else {
                continue;
            };
            let weight = def
                .weight
                .as_deref()
                .filter(|w| layer.columns.contains_key(*w));
            let parts = per_layer[li]
                .iter()
                .map(|o| Part::overlapping(o.area, o.overlap_m2, layer.areas[o.area].area_m2));
            let w = weight_of(layer, weight);
            let Some(value) = aggregate(def.aggregation, &column.values, w, parts) else {
                continue;
            };
            let method = Method::Aggregated {
                scope: Scope::Polygon,
                aggregation: def.aggregation,
                from: layer.id.clone(),
                weight: weight.map(str::to_string),
            };
            indicators.insert(
                ind.id.clone(),
                SummaryValue {
                    value,
                    method: method.describe(),
                    layer: layer.id.clone(),
                },
            );
        }
        let population = self
            .population
            .as_deref()
            .and_then(|p| indicators.get(p))
            .map(|s| s.value);
        Summary {
            population,
            indicators,
        }
    }
}
