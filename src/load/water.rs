//! Water for the basemap: a GeoJSON FeatureCollection of polygons (the Thames, WGS84) read into
//! British National Grid, each invalid polygon repaired, the overlapping pieces dissolved into
//! one multipolygon and cut to a box (the Thames file runs from Staines to the estuary).
//!
//! Failure modes: a file that is not a FeatureCollection of polygons, or a polygon that cannot
//! be repaired: a [`LoadError`] naming the file and feature.

use super::LoadError;
use crate::geom::geojson::{polygonal_to_bng, Coords};
use crate::geom::validity::{canonical, invalidity, make_valid};
use geo::{unary_union, BooleanOps, MultiPolygon, Polygon, Rect};
use geojson::GeoJson;
use std::path::Path;

/// The water, and how many of its source polygons needed repair.
#[derive(Debug, Clone)]
pub struct Water {
    pub geometry: MultiPolygon<f64>,
    pub polygons: usize,
    pub repaired: usize,
}

/// Reads, repairs, dissolves and clips to `clip` (BNG metres).
pub fn read_water(path: &Path, clip: Rect<f64>) -> Result<Water, LoadError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| LoadError::Unreadable {
        path: shown.clone(),
        message: e.to_string(),
    })?;
    let invalid = |message: String| LoadError::Invalid {
        path: shown.clone(),
        message,
    };
    let GeoJson::FeatureCollection(fc) = text
        .parse::<GeoJson>()
        .map_err(|e| invalid(format!("is not GeoJSON: {e}")))?
    else {
        return Err(invalid("is not a GeoJSON FeatureCollection".into()));
    };
    let mut parts: Vec<Polygon<f64>> = Vec::new();
    let mut repaired = 0;
    for (i, f) in fc.features.iter().enumerate() {
        let err = |message: String| LoadError::Record {
            path: shown.clone(),
            record: i + 1,
            message,
        };
        let g = f
            .geometry
            .as_ref()
            .ok_or_else(|| err("the feature has no geometry".into()))?;
        let mut mp = polygonal_to_bng(&g.value, Coords::Wgs84).map_err(err)?;
        if invalidity(&mp).is_some() {
            mp = make_valid(&mp).map_err(|e| err(format!("cannot be repaired: {e}")))?;
            repaired += 1;
        }
        parts.extend(mp.0);
    }
    let polygons = fc.features.len();
    let dissolved: MultiPolygon<f64> = unary_union(&parts);
    let geometry = canonical(dissolved.intersection(&MultiPolygon::new(vec![clip.to_polygon()])));
    Ok(Water {
        geometry,
        polygons,
        repaired,
    })
}
