//! One area's profile: every indicator's value beside the London figure, its rank among the
//! layer's areas (1 = worst) and how the value was obtained.

use super::QueryError;
use crate::atlas::Atlas;
use crate::indicator::Comparison;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct ProfileValue {
    pub value: Option<f64>,
    /// The figure for London as a whole.
    pub london: Option<f64>,
    /// 1 = worst in the layer (largest, for neutral indicators).
    pub rank: Option<usize>,
    /// How many areas of the layer have a value.
    pub of: usize,
    pub method: String,
    /// A published comparator (e.g. England), where the source gives one.
    pub reference: Option<crate::indicator::ReferenceValue>,
    /// How the value compares with the reference, where the publisher judged it or
    /// confidence intervals tell.
    pub comparison: Option<Comparison>,
    /// The value's 95 % confidence interval, where published.
    pub interval: Option<[f64; 2]>,
}

/// One period of a series for one area.
#[derive(Debug, Clone, Serialize)]
pub struct SeriesPoint {
    pub period: String,
    pub indicator: String,
    pub value: Option<f64>,
    pub london: Option<f64>,
    pub england: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Profile {
    pub layer: String,
    pub code: String,
    pub name: String,
    pub borough: Option<String>,
    pub borough_name: Option<String>,
    pub area_m2: f64,
    pub properties: BTreeMap<String, String>,
    pub indicators: BTreeMap<String, ProfileValue>,
    /// Every series the layer carries: the area's value, London's and England's per period.
    pub series: BTreeMap<String, Vec<SeriesPoint>>,
}

impl Atlas {
    pub fn profile(&self, layer_id: &str, code: &str) -> Result<Profile, QueryError> {
        let layer = self.require_layer(layer_id)?;
        let i = self.require_area(layer, code)?;
        let area = &layer.areas[i];
        let indicators = layer
            .columns
            .iter()
            .map(|(id, col)| {
                let value = col.values[i];
                let ind = self.indicator(id);
                let (rank, of) = match ind {
                    Some(ind) => ind.rank_in(value, &col.values),
                    None => (None, col.values.iter().flatten().count()),
                };
                let london = ind.and_then(|i| i.london);
                (
                    id.clone(),
                    ProfileValue {
                        value,
                        london,
                        rank,
                        of,
                        method: col.method.describe(),
                        reference: ind.and_then(|i| i.reference.clone()),
                        comparison: col.comparison(i),
                        interval: col.interval(i),
                    },
                )
            })
            .collect();
        Ok(Profile {
            layer: layer.id.clone(),
            code: area.code.clone(),
            name: area.name.clone(),
            borough: area.borough.clone(),
            borough_name: area
                .borough
                .as_deref()
                .and_then(|b| self.borough_name(b))
                .map(str::to_string),
            area_m2: area.area_m2,
            properties: area.properties.clone(),
            indicators,
            series: self.series_of(layer, i),
        })
    }

    /// The series `layer` carries, with area `i`'s value per period (only periods the layer
    /// has).
    pub fn series_of(
        &self,
        layer: &crate::layer::Layer,
        i: usize,
    ) -> BTreeMap<String, Vec<SeriesPoint>> {
        self.series
            .iter()
            .filter_map(|s| {
                let points: Vec<SeriesPoint> = s
                    .members
                    .iter()
                    .filter(|(_, id)| layer.columns.contains_key(id))
                    .map(|(period, id)| {
                        let ind = self.indicator(id);
                        SeriesPoint {
                            period: period.clone(),
                            indicator: id.clone(),
                            value: layer.value(id, i),
                            london: ind.and_then(|x| x.london),
                            england: ind.and_then(|x| x.reference.as_ref()?.value),
                        }
                    })
                    .collect();
                (!points.is_empty()).then(|| (s.id.clone(), points))
            })
            .collect()
    }
}
