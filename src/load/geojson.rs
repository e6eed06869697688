//! GeoJSON area layers: a user-supplied FeatureCollection of polygons (WGS84, RFC 7946, or a
//! legacy `crs` member naming EPSG:27700) read as areas in British National Grid.
//!
//! Failure modes: a file that is not a FeatureCollection, an unsupported `crs` member, a
//! feature without a code property or geometry, or a geometry [`polygonal_to_bng`] refuses:
//! each a [`LoadError`] naming the file and the feature.

use super::LoadError;
use crate::geom::geojson::{polygonal_to_bng, Coords};
use crate::layer::Area;
use crate::manifest::LayerSpec;
use geojson::GeoJson;
use serde_json::Value;
use std::path::Path;

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
