//! One area's profile: every indicator's value beside the London figure, its rank among the
//! layer's areas (1 = worst) and how the value was obtained.

use super::QueryError;
use crate::atlas::Atlas;
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
}

impl Atlas {
    pub fn profile(&self, layer_id: &str, code: &str) -> Result<Profile, QueryError> {
        let layer = self.require_layer(layer_id)?;
        let i = layer
            .area_index(code)
            .ok_or_else(|| QueryError::UnknownArea {
                layer: layer.id.clone(),
                code: code.to_string(),
            })?;
        let area = &layer.areas[i];
        let indicators = layer
            .columns
            .iter()
            .map(|(id, col)| {
                let value = col.values[i];
                let ind = self.indicator(id);
                let all = || col.values.iter().flatten().copied();
                let (rank, of) = match (value, ind) {
                    (Some(v), Some(ind)) => {
                        let (r, of) = ind.rank(v, all());
                        (Some(r), of)
                    }
                    _ => (None, all().count()),
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
        })
    }
}
