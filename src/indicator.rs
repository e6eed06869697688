//! Indicators: the vocabulary of what a value means ([`Polarity`], [`Aggregation`], the
//! manifest's [`Definition`]), where it came from ([`Provenance`]), and the atlas's
//! [`Indicator`]: those plus the layers that carry it, its London figure and its classes.
//! How each layer's values were obtained is an [`crate::aggregate::Method`].

use crate::classes::{Classes, Palette};
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

/// What an indicator is, as the manifest defines it: its meaning, unit, period, polarity,
/// how it aggregates and how it is drawn. Parsed straight from the manifest, never copied.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Definition {
    pub title: String,
    pub unit: String,
    pub year: u16,
    /// The period the values describe when it is not one calendar year (e.g. "2017/18").
    #[serde(default)]
    pub period: Option<String>,
    #[serde(default)]
    pub description: String,
    pub polarity: Polarity,
    pub aggregation: Aggregation,
    /// A limit worth marking on the map (e.g. the 40 µg/m³ NO2 annual limit).
    #[serde(default)]
    pub threshold: Option<f64>,
    /// Class breaks for choropleths (see [`crate::classes`]).
    #[serde(default)]
    pub breaks: Vec<f64>,
    /// Weight for means over London and over drawn polygons: an indicator id on the same
    /// layer (e.g. population_2019); None = area weights.
    #[serde(default)]
    pub weight: Option<String>,
    /// The colour ramp; None = by polarity.
    #[serde(default)]
    pub palette: Option<Palette>,
}

/// Where an indicator's values come from: the published dataset and its terms.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Provenance {
    /// The dataset's id in the manifest.
    pub source: String,
    pub source_title: String,
    pub publisher: String,
    pub licence: String,
    pub attribution: String,
    /// Where a user downloads the official data.
    pub url: String,
}

/// An indicator of the atlas: its definition and provenance, the layers that carry it, the
/// London figure, a published comparator and how the map draws it.
#[derive(Debug, Clone, Serialize)]
pub struct Indicator {
    pub id: String,
    #[serde(flatten)]
    pub definition: Definition,
    #[serde(flatten)]
    pub provenance: Provenance,
    /// Layers that carry values of this indicator.
    pub layers: Vec<String>,
    /// The layer the published values sit on (the finest geography).
    pub base_layer: String,
    /// The figure for London as a whole, computed from `base_layer`.
    pub london: Option<f64>,
    pub london_method: String,
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
    let lower_is_worse = indicator.is_some_and(|i| i.definition.polarity == Polarity::LowerIsWorse);
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
            let is_worse = match self.definition.polarity {
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
