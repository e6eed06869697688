//! Aggregation: the one place that says how the values of small areas add up to a larger area
//! (a borough, a school zone, a drawn polygon, London), and the sentence that describes it.
//!
//! A *part* is a piece of one source area: the share of it that lies inside the target (1 for
//! a whole area) and that piece's size in m². Counts ([`Aggregation::Sum`]) add up, each part
//! apportioned by its share. Rates, scores and concentrations ([`Aggregation::Mean`]) are a
//! weighted mean: weighted by a weight column (e.g. population) apportioned by share, or by
//! the part's size where no weight is known. Parts without a value are skipped; an aggregate
//! with nothing to add up is `None`. Categories ([`Aggregation::None`]) never aggregate.
//!
//! Failure modes: none; a weight column without a value for a part skips that part.
//!
//! ```
//! use london_atlas::aggregate::{aggregate, Part, Weight};
//! use london_atlas::indicator::Aggregation;
//! let people = [Some(100.0), Some(300.0)];
//! let halves = [Part::new(0, 0.5, 10.0), Part::new(1, 0.5, 10.0)];
//! assert_eq!(aggregate(Aggregation::Sum, &people, Weight::Area, halves), Some(200.0));
//! let no2 = [Some(30.0), Some(50.0)];
//! let by_people = Weight::Column(&people);
//! assert_eq!(aggregate(Aggregation::Mean, &no2, by_people, halves), Some(45.0));
//! ```

use crate::indicator::Aggregation;
use serde::Serialize;

/// A piece of one source area inside a target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Part {
    /// Index of the source area in its layer.
    pub area: usize,
    /// Share of the source area inside the target, 0..=1.
    pub share: f64,
    /// Size of the piece, m².
    pub size_m2: f64,
}

impl Part {
    pub fn new(area: usize, share: f64, size_m2: f64) -> Part {
        Part {
            area,
            share,
            size_m2,
        }
    }

    /// A whole source area of `area_m2`.
    pub fn whole(area: usize, area_m2: f64) -> Part {
        Part::new(area, 1.0, area_m2)
    }

    /// The piece of a source area of `area_m2` that overlaps the target by `overlap_m2`.
    pub fn overlapping(area: usize, overlap_m2: f64, area_m2: f64) -> Part {
        Part::new(area, share(overlap_m2, area_m2), overlap_m2)
    }
}

/// The share of an area of `area_m2` that an overlap of `overlap_m2` covers, 0..=1.
pub fn share(overlap_m2: f64, area_m2: f64) -> f64 {
    if area_m2 > 0.0 {
        (overlap_m2 / area_m2).min(1.0)
    } else {
        0.0
    }
}

/// What a mean is weighted by.
#[derive(Debug, Clone, Copy)]
pub enum Weight<'a> {
    /// A column aligned with the source areas (e.g. population), apportioned by share.
    Column(&'a [Option<f64>]),
    /// The size of each part.
    Area,
}

/// Adds up `values` over `parts` (see the module documentation).
pub fn aggregate(
    aggregation: Aggregation,
    values: &[Option<f64>],
    weight: Weight<'_>,
    parts: impl IntoIterator<Item = Part>,
) -> Option<f64> {
    let (mut num, mut den, mut any) = (0.0, 0.0, false);
    for p in parts {
        let Some(v) = values.get(p.area).copied().flatten() else {
            continue;
        };
        match aggregation {
            Aggregation::Sum => {
                num += v * p.share;
                any = true;
            }
            Aggregation::Mean => {
                let w = match weight {
                    Weight::Column(c) => match c.get(p.area).copied().flatten() {
                        Some(w) => w * p.share,
                        None => continue,
                    },
                    Weight::Area => p.size_m2,
                };
                num += v * w;
                den += w;
            }
            Aggregation::None => return None,
        }
    }
    match aggregation {
        Aggregation::Sum => any.then_some(num),
        Aggregation::Mean => (den > 0.0).then(|| num / den),
        Aggregation::None => None,
    }
}

/// Where a figure's parts come from, for the sentence that describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// The areas of a layer grouped by their borough code.
    Borough,
    /// The areas of a layer weighted by the area they share with each target area.
    Overlap,
    /// Every area of a layer: the figure for London.
    London,
    /// A drawn polygon or the union of selected areas: areas apportioned by share inside.
    Polygon,
    /// The areas of a layer that each target area was dissolved from.
    Members,
    /// The areas of a layer whose interior point each target area holds.
    BestFit,
}

/// How a figure was obtained; [`Method::describe`] is the one sentence for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Method {
    /// Joined by area code from the published table.
    Published { file: String, column: String },
    /// `numerator / denominator × per`, from the area's own totals.
    Ratio {
        numerator: String,
        denominator: String,
        per: f64,
    },
    /// Aggregated from the areas of layer `from`.
    Aggregated {
        scope: Scope,
        aggregation: Aggregation,
        from: String,
        /// The weight column of a mean; None = by area.
        weight: Option<String>,
    },
}

impl Method {
    /// A plain-language sentence for people reading an API answer or a map legend.
    pub fn describe(&self) -> String {
        let (scope, aggregation, from, weight) = match self {
            Method::Published { .. } => return "as published".to_string(),
            Method::Ratio {
                numerator,
                denominator,
                per,
            } => {
                return match per {
                    p if *p == 1.0 => format!("{numerator} divided by {denominator}"),
                    p => format!(
                        "{numerator} per {} {denominator}",
                        crate::numbers::thousands(*p)
                    ),
                }
            }
            Method::Aggregated {
                scope,
                aggregation,
                from,
                weight,
            } => (scope, aggregation, from, weight),
        };
        let by = |w: &Option<String>| match w {
            Some(w) => w.clone(),
            None => "area".to_string(),
        };
        match (scope, aggregation) {
            (_, Aggregation::None) => "not aggregated".to_string(),
            (Scope::Borough, Aggregation::Sum) => format!("sum of the {from} areas in the borough"),
            (Scope::Members, Aggregation::Sum) => format!("sum of its {from}"),
            (Scope::BestFit, Aggregation::Sum) => {
                format!("sum of the {from} areas whose interior point it holds (best fit)")
            }
            (Scope::BestFit, Aggregation::Mean) => format!(
                "mean of the {from} areas whose interior point it holds (best fit), weighted by {}",
                by(weight)
            ),
            (Scope::Members, Aggregation::Mean) => {
                format!("mean of its {from}, weighted by {}", by(weight))
            }
            (Scope::Borough, Aggregation::Mean) => {
                format!("mean of the {from} areas in the borough, weighted by {}", by(weight))
            }
            (Scope::Overlap, Aggregation::Sum) => {
                format!("sum of {from} values apportioned by overlap area")
            }
            (Scope::Overlap, Aggregation::Mean) => {
                format!("mean of {from} values weighted by overlap area")
            }
            (Scope::London, Aggregation::Sum) => format!("total of all {from} areas"),
            (Scope::London, Aggregation::Mean) => {
                format!("mean of all {from} areas weighted by {}", by(weight))
            }
            (Scope::Polygon, Aggregation::Sum) => {
                format!("sum of {from} values apportioned by the share of each area inside")
            }
            (Scope::Polygon, Aggregation::Mean) => match weight {
                Some(w) => {
                    format!("mean of {from} values weighted by {w} apportioned by overlap share")
                }
                None => format!(
                    "mean of {from} values weighted by overlap area (no population for this geography)"
                ),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_without_a_value_or_weight_are_skipped() {
        let values = [Some(10.0), None, Some(20.0)];
        let weights = [Some(1.0), Some(5.0), None];
        let parts = (0..3).map(|i| Part::whole(i, 1.0));
        let mean = aggregate(Aggregation::Mean, &values, Weight::Column(&weights), parts);
        assert_eq!(mean, Some(10.0));
        let none: [Option<f64>; 1] = [None];
        assert_eq!(
            aggregate(Aggregation::Sum, &none, Weight::Area, [Part::whole(0, 1.0)]),
            None
        );
        assert_eq!(
            aggregate(
                Aggregation::None,
                &values,
                Weight::Area,
                [Part::whole(0, 1.0)]
            ),
            None
        );
    }

    #[test]
    fn area_weights_use_the_size_of_each_piece() {
        let values = [Some(10.0), Some(40.0)];
        let parts = [
            Part::overlapping(0, 30.0, 100.0),
            Part::overlapping(1, 10.0, 10.0),
        ];
        assert_eq!(parts[0].share, 0.3);
        let mean = aggregate(Aggregation::Mean, &values, Weight::Area, parts);
        assert_eq!(mean, Some((10.0 * 30.0 + 40.0 * 10.0) / 40.0));
        assert_eq!(share(5.0, 0.0), 0.0);
        assert_eq!(share(12.0, 10.0), 1.0);
    }

    #[test]
    fn every_method_has_its_sentence() {
        let m = |scope, aggregation, weight: Option<&str>| {
            Method::Aggregated {
                scope,
                aggregation,
                from: "lsoa11".into(),
                weight: weight.map(str::to_string),
            }
            .describe()
        };
        assert_eq!(
            m(Scope::Overlap, Aggregation::Mean, None),
            "mean of lsoa11 values weighted by overlap area"
        );
        assert_eq!(
            m(Scope::Borough, Aggregation::Mean, Some("population_2019")),
            "mean of the lsoa11 areas in the borough, weighted by population_2019"
        );
        assert_eq!(
            m(Scope::London, Aggregation::Sum, None),
            "total of all lsoa11 areas"
        );
        assert_eq!(m(Scope::London, Aggregation::None, None), "not aggregated");
        let published = Method::Published {
            file: "f.csv".into(),
            column: "c".into(),
        };
        assert_eq!(published.describe(), "as published");
        let ratio = Method::Ratio {
            numerator: "violence_2019".into(),
            denominator: "population_2019".into(),
            per: 1000.0,
        };
        assert_eq!(ratio.describe(), "violence_2019 per 1,000 population_2019");
    }
}
