//! Every area of a layer with its value of one indicator, worst first (areas without a value
//! last): the web map's table view. Cheaper than a selection (no totals).

use super::QueryError;
use crate::atlas::Atlas;
use crate::indicator::worst_first;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct AreaValue {
    pub code: String,
    pub name: String,
    pub borough: Option<String>,
    pub borough_name: Option<String>,
    pub value: Option<f64>,
}

/// `GET /api/values`.
#[derive(Debug, Clone, Serialize)]
pub struct Values {
    pub layer: String,
    pub indicator: String,
    pub method: String,
    pub count: usize,
    pub areas: Vec<AreaValue>,
}

impl Atlas {
    /// The values of `indicator` on `layer_id`, worst first.
    pub fn values(&self, layer_id: &str, indicator: &str) -> Result<Values, QueryError> {
        let layer = self.require_layer(layer_id)?;
        let column = self.require_column(layer, indicator)?;
        let ind = self.indicator(indicator);
        let mut order: Vec<usize> = (0..layer.areas.len()).collect();
        order.sort_by(|&a, &b| worst_first(ind, column.values[a], column.values[b]));
        let areas: Vec<AreaValue> = order
            .iter()
            .map(|&i| {
                let a = &layer.areas[i];
                AreaValue {
                    code: a.code.clone(),
                    name: a.name.clone(),
                    borough: a.borough.clone(),
                    borough_name: self.borough_name_of(a),
                    value: column.values[i],
                }
            })
            .collect();
        Ok(Values {
            layer: layer.id.clone(),
            indicator: indicator.to_string(),
            method: column.method.describe(),
            count: areas.len(),
            areas,
        })
    }
}
