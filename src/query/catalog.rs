//! What the atlas offers: its layers (counts, bounds, indicators) and its indicators (with how
//! each layer's values were obtained), as typed answers for `/api/layers` and
//! `/api/indicators`.

use crate::atlas::Atlas;
use crate::geom::crs::bng_to_wgs84;
use crate::indicator::Indicator;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct LayerInfo<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub count: usize,
    pub indicators: Vec<&'a str>,
    pub repaired: &'a [String],
    pub minzoom: u8,
    pub overlapping: bool,
    /// WGS84 [west, south, east, north].
    pub bounds: Option<[f64; 4]>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IndicatorInfo<'a> {
    #[serde(flatten)]
    pub indicator: &'a Indicator,
    /// Layer id -> how that layer's values were obtained.
    pub methods: BTreeMap<&'a str, String>,
}

impl Atlas {
    pub fn layer_infos(&self) -> Vec<LayerInfo<'_>> {
        self.layers
            .iter()
            .map(|l| LayerInfo {
                id: &l.id,
                title: &l.title,
                description: &l.description,
                count: l.areas.len(),
                indicators: l.columns.keys().map(String::as_str).collect(),
                repaired: &l.repaired,
                minzoom: l.minzoom,
                overlapping: l.overlapping,
                bounds: l.extent().map(|[x0, y0, x1, y1]| {
                    let (w, s) = bng_to_wgs84(x0, y0);
                    let (e, n) = bng_to_wgs84(x1, y1);
                    [w, s, e, n]
                }),
            })
            .collect()
    }

    pub fn indicator_infos(&self) -> Vec<IndicatorInfo<'_>> {
        self.indicators
            .iter()
            .map(|i| IndicatorInfo {
                indicator: i,
                methods: self
                    .layers
                    .iter()
                    .filter_map(|l| Some((l.id.as_str(), l.columns.get(&i.id)?.method.describe())))
                    .collect(),
            })
            .collect()
    }
}
