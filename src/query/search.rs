//! Finding places by name or code: postcodes (see [`super::postcode`]), boroughs, LSOAs
//! (name or code), wards, care systems, schools (name or URN), or a "lon, lat" pair.

use super::QueryError;
use crate::atlas::Atlas;
use crate::geom::crs::{bng_to_wgs84, valid_lon_lat};
use geo::{BoundingRect, InteriorPoint};
use serde::Serialize;

/// Most results returned.
pub const MAX_RESULTS: usize = 20;

#[derive(Debug, Clone, Serialize)]
pub struct Found {
    /// `area`, `postcode`, `postcode_sector` or `postcode_district`.
    pub kind: &'static str,
    /// The area found, or for a postcode the 2011 LSOA holding it.
    pub layer: String,
    pub code: String,
    pub name: String,
    pub borough: Option<String>,
    pub borough_name: Option<String>,
    /// A point inside the area (WGS84 lon, lat): where a map should fly to.
    pub center: [f64; 2],
    /// WGS84 bounds [west, south, east, north].
    pub bbox: [f64; 4],
    /// For postcodes: the codes of the areas holding the point.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lsoa11: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lsoa21: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ward: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchAnswer {
    pub query: String,
    /// Set when the query was read as a "lon, lat" position.
    pub point: Option<[f64; 2]>,
    pub results: Vec<Found>,
    /// Why nothing was found, when there is something to say (an unknown postcode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl Atlas {
    /// Places matching `q`, best first: exact code or name, then names starting with it,
    /// then names containing it; boroughs before LSOAs before schools.
    pub fn search(&self, q: &str) -> Result<SearchAnswer, QueryError> {
        let query = q.trim();
        if query.is_empty() {
            return Err(QueryError::BadParameter(
                "the search text q is empty".into(),
            ));
        }
        if query.chars().count() > 100 {
            return Err(QueryError::BadParameter(
                "the search text q is longer than 100 characters".into(),
            ));
        }
        if let Some((lon, lat)) = parse_lon_lat(query) {
            return Ok(SearchAnswer {
                query: query.to_string(),
                point: Some([lon, lat]),
                results: Vec::new(),
                message: None,
            });
        }
        if let Some(answer) = self.postcode_search(query) {
            return Ok(answer);
        }
        let needle = query.to_lowercase();
        let mut scored: Vec<(u8, usize, usize)> = Vec::new();
        for (li, layer) in self.layers.iter().enumerate() {
            for (ai, a) in layer.areas.iter().enumerate() {
                let name = a.name.to_lowercase();
                let score = if a.code.eq_ignore_ascii_case(query) || name == needle {
                    0
                } else if name.starts_with(&needle) {
                    1
                } else if name.contains(&needle) {
                    2
                } else {
                    continue;
                };
                scored.push((score, li, ai));
            }
        }
        scored.sort_by(|a, b| {
            (a.0, a.1).cmp(&(b.0, b.1)).then_with(|| {
                self.layers[a.1].areas[a.2]
                    .name
                    .cmp(&self.layers[b.1].areas[b.2].name)
            })
        });
        let results = scored
            .into_iter()
            .take(MAX_RESULTS)
            .map(|(_, li, ai)| {
                let layer = &self.layers[li];
                let a = &layer.areas[ai];
                let c = a
                    .geometry
                    .interior_point()
                    .map(|p| bng_to_wgs84(p.x(), p.y()))
                    .unwrap_or((0.0, 0.0));
                let bbox = a
                    .geometry
                    .bounding_rect()
                    .map(|r| {
                        let (w, s) = bng_to_wgs84(r.min().x, r.min().y);
                        let (e, n) = bng_to_wgs84(r.max().x, r.max().y);
                        [w, s, e, n]
                    })
                    .unwrap_or([0.0; 4]);
                Found {
                    kind: "area",
                    layer: layer.id.clone(),
                    code: a.code.clone(),
                    name: a.name.clone(),
                    borough: a.borough.clone(),
                    borough_name: a
                        .borough
                        .as_deref()
                        .and_then(|b| self.borough_name(b))
                        .map(str::to_string),
                    center: [c.0, c.1],
                    bbox,
                    lsoa11: None,
                    lsoa21: None,
                    ward: None,
                }
            })
            .collect();
        Ok(SearchAnswer {
            query: query.to_string(),
            point: None,
            results,
            message: None,
        })
    }
}

/// "lon, lat" (or "lon lat") in degrees.
fn parse_lon_lat(q: &str) -> Option<(f64, f64)> {
    let parts: Vec<&str> = q.split([',', ' ']).filter(|s| !s.is_empty()).collect();
    if parts.len() != 2 {
        return None;
    }
    let lon: f64 = parts[0].parse().ok()?;
    let lat: f64 = parts[1].parse().ok()?;
    valid_lon_lat(lon, lat).then_some((lon, lat))
}
