//! Change between two periods of a measure on one layer: each area's difference (later minus
//! earlier), diverging classes that say which way is better, and London's figures.
//!
//! Failure modes: [`QueryError`] for an unknown layer, an indicator the layer lacks, or two
//! indicators that are not periods of the same series.

use super::QueryError;
use crate::atlas::Atlas;
use crate::classes::{change_classes, Classes};
use crate::indicator::Polarity;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct AreaChange {
    pub code: String,
    pub name: String,
    pub from: Option<f64>,
    pub to: Option<f64>,
    /// `to - from`, when both are known.
    pub change: Option<f64>,
}

/// `GET /api/change`.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub layer: String,
    pub series: String,
    pub from: String,
    pub to: String,
    pub from_period: String,
    pub to_period: String,
    pub unit: String,
    pub polarity: Polarity,
    /// Which way is better: "lower", "higher", or none for neutral measures.
    pub better: Option<&'static str>,
    pub classes: Classes,
    pub london_from: Option<f64>,
    pub london_to: Option<f64>,
    pub areas: Vec<AreaChange>,
}

impl Atlas {
    /// How `from` changed to `to` (two periods of one series) on each area of `layer_id`.
    pub fn change(&self, layer_id: &str, from: &str, to: &str) -> Result<Change, QueryError> {
        let layer = self.require_layer(layer_id)?;
        let (a, b) = (
            self.require_column(layer, from)?,
            self.require_column(layer, to)?,
        );
        let (fi, ti) = (self.indicator(from), self.indicator(to));
        let series = match (fi.and_then(|i| i.series.clone()), ti.and_then(|i| i.series.clone())) {
            (Some(x), Some(y)) if x == y => x,
            _ => {
                return Err(QueryError::BadParameter(format!(
                    "{from} and {to} are not two periods of one series; see /api/priorities for the series"
                )))
            }
        };
        let (Some(fi), Some(ti)) = (fi, ti) else {
            return Err(QueryError::BadParameter(format!(
                "{from} or {to} is not an indicator"
            )));
        };
        let polarity = ti.definition.polarity;
        let areas: Vec<AreaChange> = layer
            .areas
            .iter()
            .enumerate()
            .map(|(i, area)| {
                let (x, y) = (a.values[i], b.values[i]);
                AreaChange {
                    code: area.code.clone(),
                    name: area.name.clone(),
                    from: x,
                    to: y,
                    change: x.zip(y).map(|(x, y)| y - x),
                }
            })
            .collect();
        let classes = change_classes(areas.iter().filter_map(|a| a.change), polarity);
        let period = |i: &crate::indicator::Indicator| {
            i.definition
                .period
                .clone()
                .unwrap_or_else(|| i.definition.year.to_string())
        };
        Ok(Change {
            layer: layer.id.clone(),
            series,
            from: from.to_string(),
            to: to.to_string(),
            from_period: period(fi),
            to_period: period(ti),
            unit: ti.definition.unit.clone(),
            polarity,
            better: match polarity {
                Polarity::HigherIsWorse => Some("lower"),
                Polarity::LowerIsWorse => Some("higher"),
                Polarity::Neutral => None,
            },
            classes,
            london_from: fi.london,
            london_to: ti.london,
            areas,
        })
    }
}
