//! Indicators: what each value means and where it came from (title, unit, year, source,
//! licence, polarity), how it aggregates, and how each layer's values were obtained.

use crate::classes::Classes;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Polarity {
    HigherIsWorse,
    LowerIsWorse,
    Neutral,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Aggregation {
    /// Counts: add up (apportion by overlap share where areas are cut).
    Sum,
    /// Rates, scores and concentrations: weighted mean.
    Mean,
    /// Categories such as deciles: never aggregated.
    None,
}

/// How a layer's values of an indicator were obtained.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Method {
    /// Joined by area code from the published table.
    Published { file: String, column: String },
    /// Sum of the values of the areas of `from` in each borough.
    BoroughSum { from: String },
    /// Mean of `from` in each borough, weighted by `weight` (an indicator id) or by area.
    BoroughMean {
        from: String,
        weight: Option<String>,
    },
    /// Sum of `from`'s values apportioned by the share of each `from` area that overlaps.
    OverlapSum { from: String },
    /// Mean of `from`'s values weighted by the area shared with each `from` area.
    OverlapMean { from: String },
}

impl Method {
    /// A plain-language sentence for people reading an API answer or a map legend.
    pub fn describe(&self) -> String {
        match self {
            Method::Published { .. } => "as published".to_string(),
            Method::BoroughSum { from } => format!("sum of the {from} areas in the borough"),
            Method::BoroughMean {
                from,
                weight: Some(w),
            } => {
                format!("mean of the {from} areas in the borough, weighted by {w}")
            }
            Method::BoroughMean { from, weight: None } => {
                format!("mean of the {from} areas in the borough, weighted by area")
            }
            Method::OverlapSum { from } => {
                format!("sum of {from} values apportioned by overlap area")
            }
            Method::OverlapMean { from } => {
                format!("mean of {from} values weighted by overlap area")
            }
        }
    }
}

/// An indicator's description and provenance.
#[derive(Debug, Clone, Serialize)]
pub struct Indicator {
    pub id: String,
    pub title: String,
    pub unit: String,
    pub year: u16,
    pub description: String,
    pub polarity: Polarity,
    pub aggregation: Aggregation,
    pub threshold: Option<f64>,
    pub breaks: Vec<f64>,
    /// Layers that carry values of this indicator.
    pub layers: Vec<String>,
    /// The source dataset's id, title, publisher, licence, attribution and URL.
    pub source: String,
    pub source_title: String,
    pub publisher: String,
    pub licence: String,
    pub attribution: String,
    pub url: String,
    /// The layer the published values sit on (the finest geography).
    pub base_layer: String,
    /// Weight used for means over London and over drawn polygons (None = area).
    pub weight: Option<String>,
    /// The figure for London as a whole, computed from `base_layer`.
    pub london: Option<f64>,
    pub london_method: String,
    /// The period the values describe, when not one calendar year (e.g. "2017/18").
    pub period: Option<String>,
    /// A published comparator such as England's figure.
    pub reference: Option<ReferenceValue>,
    /// How the map draws it on each layer that carries it (layer id -> classes).
    pub classes: BTreeMap<String, Classes>,
}

/// A published comparator figure (e.g. England) from the indicator's own table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReferenceValue {
    pub code: String,
    pub name: String,
    pub value: Option<f64>,
}

/// Orders values worst first for an indicator's polarity (None = no indicator: largest
/// first); areas without a value go last.
pub fn worst_first(
    indicator: Option<&Indicator>,
    a: Option<f64>,
    b: Option<f64>,
) -> std::cmp::Ordering {
    let lower_is_worse = indicator.is_some_and(|i| i.polarity == Polarity::LowerIsWorse);
    match (a, b) {
        (Some(x), Some(y)) if lower_is_worse => x.total_cmp(&y),
        (Some(x), Some(y)) => y.total_cmp(&x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    }
}

impl Indicator {
    /// Rank of `value` among `values`, 1 = worst (per polarity; for neutral indicators,
    /// 1 = largest). Ties share the best rank. Returns (rank, count of values).
    pub fn rank(&self, value: f64, values: impl Iterator<Item = f64>) -> (usize, usize) {
        let mut worse = 0;
        let mut of = 0;
        for v in values {
            of += 1;
            let is_worse = match self.polarity {
                Polarity::LowerIsWorse => v < value,
                Polarity::HigherIsWorse | Polarity::Neutral => v > value,
            };
            if is_worse {
                worse += 1;
            }
        }
        (worse + 1, of)
    }
}
