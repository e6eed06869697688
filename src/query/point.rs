//! Which areas contain a point: the WGS84 point is moved into British National Grid and
//! tested against every candidate the R-tree gives. A point on a shared boundary belongs to
//! every area it touches; a point in the Thames (outside every borough) belongs to none.

use super::QueryError;
use crate::atlas::Atlas;
use crate::geom::crs::{valid_lon_lat, wgs84_to_bng};
use geo::{Intersects, Point};

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
        if !valid_lon_lat(lon, lat) {
            return Err(QueryError::BadParameter(format!(
                "lon {lon}, lat {lat} is not a WGS84 position (longitude -180..180, latitude -90..90)"
            )));
        }
        let (x, y) = wgs84_to_bng(lon, lat);
        Ok(self.areas_at_bng(x, y))
    }
}
