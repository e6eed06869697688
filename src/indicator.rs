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
    /// The (first) calendar year the values describe; a series sets it from each period.
    #[serde(default)]
    pub year: u16,
    /// The period the values describe when it is not one calendar year (e.g. "2017/18").
    #[serde(default)]
    pub period: Option<String>,
    #[serde(default)]
    pub description: String,
    /// One sentence in plain words for residents: what the number measures and why it matters
    /// for health (the manifest's own words, summarising the source's definition).
    #[serde(default)]
    pub plain: String,
    pub polarity: Polarity,
    pub aggregation: Aggregation,
    /// A limit worth marking on the map (e.g. the 40 µg/m³ NO2 annual limit).
    #[serde(default)]
    pub threshold: Option<f64>,
    /// What the threshold is, with its authority ("UK legal limit (Air Quality Standards
    /// Regulations 2010)", "NHS standard"); the manifest requires it with a threshold.
    #[serde(default)]
    pub threshold_name: Option<String>,
    /// A health guideline stricter than the threshold (e.g. WHO 2021: NO2 10 µg/m³).
    #[serde(default)]
    pub guideline: Option<Guideline>,
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

/// A health-based guideline value and who sets it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Guideline {
    pub value: f64,
    /// E.g. "WHO 2021 air quality guideline".
    pub name: String,
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
    /// The priority (of the Vision's ten, or an extra group) it measures.
    pub priority: String,
    /// The series it belongs to, when it is one period of several.
    pub series: Option<String>,
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

/// How an area compares with the reference (England), as Fingertips says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Comparison {
    Better,
    Similar,
    Worse,
    /// Statistically higher or lower, for indicators that are neither good nor bad.
    Higher,
    Lower,
    #[serde(rename = "not compared")]
    NotCompared,
}

impl Comparison {
    /// The publisher's word ("Better", "Similar", "Worse", "Not compared"), any case.
    pub fn from_word(word: &str) -> Option<Comparison> {
        match word.trim().to_ascii_lowercase().as_str() {
            "better" => Some(Comparison::Better),
            "similar" | "same" => Some(Comparison::Similar),
            "worse" => Some(Comparison::Worse),
            "higher" => Some(Comparison::Higher),
            "lower" => Some(Comparison::Lower),
            "not compared" => Some(Comparison::NotCompared),
            _ => None,
        }
    }

    /// From a 95 % confidence interval and the reference value: similar when the interval
    /// holds the reference, else better or worse by polarity (higher or lower if neutral).
    pub fn from_interval(interval: [f64; 2], reference: f64, polarity: Polarity) -> Comparison {
        let [lower, upper] = interval;
        let higher = if lower > reference {
            true
        } else if upper < reference {
            false
        } else {
            return Comparison::Similar;
        };
        match (polarity, higher) {
            (Polarity::HigherIsWorse, true) | (Polarity::LowerIsWorse, false) => Comparison::Worse,
            (Polarity::HigherIsWorse, false) | (Polarity::LowerIsWorse, true) => Comparison::Better,
            (Polarity::Neutral, true) => Comparison::Higher,
            (Polarity::Neutral, false) => Comparison::Lower,
        }
    }
}

/// Indicators that differ only by period, oldest first.
#[derive(Debug, Clone, Serialize)]
pub struct Series {
    pub id: String,
    pub priority: String,
    /// The series' title without a period.
    pub title: String,
    pub unit: String,
    pub polarity: Polarity,
    /// (period as published, indicator id), oldest first.
    pub members: Vec<(String, String)>,
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

/// True when every value is a whole number a 64-bit integer (and a double) holds exactly.
pub fn all_whole(values: &[Option<f64>]) -> bool {
    values
        .iter()
        .flatten()
        .all(|v| v.fract() == 0.0 && v.abs() < 9.007_199_254_740_992e15)
}

impl Indicator {
    /// True when this indicator's values on one layer are integers: it is a count (it adds
    /// up) or a category such as a decile (never aggregated) *and* every value the layer
    /// carries is whole and exact as a 64-bit integer and a double. A count apportioned to
    /// another geography is not whole, and stays real. The one rule for every typed output
    /// (downloads, OGC API schemas, MVT values).
    pub fn is_integer_on(&self, values: &[Option<f64>]) -> bool {
        matches!(
            self.definition.aggregation,
            Aggregation::Sum | Aggregation::None
        ) && all_whole(values)
    }

    /// The rank of an optional value among a column's values: (rank if valued, count of
    /// values).
    pub fn rank_in(&self, value: Option<f64>, values: &[Option<f64>]) -> (Option<usize>, usize) {
        let all = || values.iter().flatten().copied();
        match value {
            Some(v) => {
                let (r, of) = self.rank(v, all());
                (Some(r), of)
            }
            None => (None, all().count()),
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_whole_values_make_an_integer() {
        assert!(all_whole(&[Some(1.0), None, Some(-3.0)]));
        assert!(!all_whole(&[Some(1.0), Some(2.5)]));
        assert!(!all_whole(&[Some(1.0e16)]));
    }
}
