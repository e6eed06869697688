//! Which areas contain a point: the WGS84 point is moved into British National Grid and
//! tested against every candidate the R-tree gives. A point on a shared boundary belongs to
//! every area it touches; a point in the Thames (outside every borough) belongs to none.

use super::QueryError;
use crate::atlas::Atlas;
use crate::geom::crs::wgs84_to_bng;
use geo::{Intersects, Point};
use serde::Serialize;
use std::collections::BTreeMap;

/// Checks a WGS84 position, naming the coordinate that is out of range.
pub fn check_lon_lat(lon: f64, lat: f64) -> Result<(), QueryError> {
    if !(-180.0..=180.0).contains(&lon) {
        return Err(QueryError::BadParameter(format!(
            "lon {lon} is out of range: a longitude is between -180 and 180"
        )));
    }
    if !(-90.0..=90.0).contains(&lat) {
        return Err(QueryError::BadParameter(format!(
            "lat {lat} is out of range: a latitude is between -90 and 90"
        )));
    }
    Ok(())
}

/// One area containing the point, with every indicator value of its layer.
#[derive(Debug, Clone, Serialize)]
pub struct PointArea {
    pub layer: String,
    pub code: String,
    pub name: String,
    pub borough: Option<String>,
    pub borough_name: Option<String>,
    pub properties: BTreeMap<String, String>,
    pub indicators: BTreeMap<String, Option<f64>>,
}

/// `GET /api/point`: the position in both systems and every area containing it.
#[derive(Debug, Clone, Serialize)]
pub struct PointAnswer {
    pub lon: f64,
    pub lat: f64,
    pub easting: f64,
    pub northing: f64,
    pub areas: Vec<PointArea>,
}

/// One area that contains the point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub layer: usize,
    pub area: usize,
}

impl Atlas {
    /// Every area of every layer containing the British National Grid point (x, y).
    pub fn areas_at_bng(&self, x: f64, y: f64) -> Vec<Hit> {
        let p = Point::new(x, y);
        let mut hits = Vec::new();
        for (li, layer) in self.layers.iter().enumerate() {
            let mut found: Vec<usize> = layer
                .candidates_at(x, y)
                .filter(|&i| layer.areas[i].geometry.intersects(&p))
                .collect();
            found.sort_unstable();
            hits.extend(found.into_iter().map(|area| Hit { layer: li, area }));
        }
        hits
    }

    /// Every area of every layer containing the WGS84 point.
    pub fn areas_at(&self, lon: f64, lat: f64) -> Result<Vec<Hit>, QueryError> {
        check_lon_lat(lon, lat)?;
        let (x, y) = wgs84_to_bng(lon, lat);
        Ok(self.areas_at_bng(x, y))
    }

    /// The answer to `GET /api/point`: every area containing the WGS84 point.
    pub fn point(&self, lon: f64, lat: f64) -> Result<PointAnswer, QueryError> {
        let hits = self.areas_at(lon, lat)?;
        let (easting, northing) = wgs84_to_bng(lon, lat);
        let areas = hits
            .iter()
            .map(|h| {
                let layer = &self.layers[h.layer];
                let a = &layer.areas[h.area];
                PointArea {
                    layer: layer.id.clone(),
                    code: a.code.clone(),
                    name: a.name.clone(),
                    borough: a.borough.clone(),
                    borough_name: self.borough_name_of(a),
                    properties: a.properties.clone(),
                    indicators: layer
                        .columns
                        .iter()
                        .map(|(id, c)| (id.clone(), c.values[h.area]))
                        .collect(),
                }
            })
            .collect();
        Ok(PointAnswer {
            lon,
            lat,
            easting,
            northing,
            areas,
        })
    }
}
