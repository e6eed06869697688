//! Which areas contain a point: the WGS84 point is moved into British National Grid and
//! tested against every candidate the R-tree gives. A point on a shared boundary belongs to
//! every area it touches; a point in the Thames (outside every borough) belongs to none.
//! A [`PointSelection`] (`layers=`, `fields=`) narrows the answer to the layers and indicator
//! values a client names; without one every layer answers with every indicator.

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

/// Which layers and indicator values a point answer carries: `None` = all of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PointSelection {
    /// Layer indexes, in the atlas's layer order, without repeats.
    layers: Option<Vec<usize>>,
    /// Indicator ids, sorted, without repeats (empty = codes and names only).
    fields: Option<Vec<String>>,
}

/// The comma-separated, trimmed, non-empty items of a list parameter.
fn items(raw: &str) -> impl Iterator<Item = &str> {
    raw.split(',').map(str::trim).filter(|s| !s.is_empty())
}

impl PointSelection {
    /// Every layer, every indicator: today's full answer.
    pub fn all() -> PointSelection {
        PointSelection::default()
    }

    /// True when layer `index` answers.
    pub fn has_layer(&self, index: usize) -> bool {
        self.layers.as_ref().is_none_or(|l| l.contains(&index))
    }

    /// True when indicator `id` is carried.
    pub fn carries(&self, id: &str) -> bool {
        self.fields
            .as_ref()
            .is_none_or(|f| f.binary_search_by(|x| x.as_str().cmp(id)).is_ok())
    }
}

impl Atlas {
    /// Reads `layers` (layer ids) and `fields` (indicator ids; empty = none) parameters, each
    /// comma-separated and absent for all. An unknown layer, an empty layer list, or a field
    /// that no selected layer carries is refused with a sentence naming it.
    pub fn point_selection(
        &self,
        layers: Option<&str>,
        fields: Option<&str>,
    ) -> Result<PointSelection, QueryError> {
        let layers = match layers {
            None => None,
            Some(raw) => {
                let mut picked = Vec::new();
                for id in items(raw) {
                    self.require_layer(id)?;
                    picked.extend(self.layer_index(id));
                }
                if picked.is_empty() {
                    return Err(QueryError::BadParameter(
                        "layers is empty: name one or more layer ids separated by commas \
                         (see /api/layers), or leave it out for every layer"
                            .into(),
                    ));
                }
                picked.sort_unstable();
                picked.dedup();
                Some(picked)
            }
        };
        let fields = match fields {
            None => None,
            Some(raw) => {
                let chosen: Vec<&crate::layer::Layer> = self
                    .layers
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| layers.as_ref().is_none_or(|l| l.contains(i)))
                    .map(|(_, l)| l)
                    .collect();
                let mut ids: Vec<String> = Vec::new();
                for id in items(raw) {
                    if !chosen.iter().any(|l| l.columns.contains_key(id)) {
                        let mut available: Vec<&str> = chosen
                            .iter()
                            .flat_map(|l| l.columns.keys().map(String::as_str))
                            .collect();
                        available.sort_unstable();
                        available.dedup();
                        return Err(QueryError::UnknownIndicator {
                            indicator: id.to_string(),
                            layer: chosen
                                .iter()
                                .map(|l| l.id.as_str())
                                .collect::<Vec<_>>()
                                .join(", "),
                            available: available.join(", "),
                        });
                    }
                    ids.push(id.to_string());
                }
                ids.sort();
                ids.dedup();
                Some(ids)
            }
        };
        Ok(PointSelection { layers, fields })
    }

    /// Every area of every layer containing the British National Grid point (x, y).
    pub fn areas_at_bng(&self, x: f64, y: f64) -> Vec<Hit> {
        self.areas_at_bng_in(x, y, &PointSelection::all())
    }

    /// Every area of the selected layers containing the British National Grid point (x, y).
    pub fn areas_at_bng_in(&self, x: f64, y: f64, only: &PointSelection) -> Vec<Hit> {
        let p = Point::new(x, y);
        let mut hits = Vec::new();
        for (li, layer) in self.layers.iter().enumerate() {
            if !only.has_layer(li) {
                continue;
            }
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
        self.point_in(lon, lat, &PointSelection::all())
    }

    /// [`Atlas::point`] for the selected layers, carrying only the selected indicators (those
    /// an area's layer has).
    pub fn point_in(
        &self,
        lon: f64,
        lat: f64,
        only: &PointSelection,
    ) -> Result<PointAnswer, QueryError> {
        check_lon_lat(lon, lat)?;
        let (easting, northing) = wgs84_to_bng(lon, lat);
        let hits = self.areas_at_bng_in(easting, northing, only);
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
                    indicators: match &only.fields {
                        None => layer
                            .columns
                            .iter()
                            .map(|(id, c)| (id.clone(), c.values[h.area]))
                            .collect(),
                        Some(ids) => ids
                            .iter()
                            .filter_map(|id| {
                                let c = layer.columns.get(id)?;
                                Some((id.clone(), c.values[h.area]))
                            })
                            .collect(),
                    },
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
