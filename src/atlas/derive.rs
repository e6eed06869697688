//! Aggregating an indicator from a fine layer to a coarser or overlapping one: LSOAs to
//! boroughs (grouped by borough code) and LSOAs to School Superzones (weighted by shared area).
//!
//! Sums add up (apportioned by the share of each LSOA that overlaps); means are weighted by
//! the indicator's weight (e.g. population) within boroughs and by shared area for overlaps.
//! Areas with no value are skipped and counted; an aggregate with no contributing value is None.

use crate::geom::overlay::Overlap;
use crate::indicator::Aggregation;
use crate::indicator::Method;
use crate::layer::{Column, Layer};
use std::collections::HashMap;

/// Groups `from`'s values by borough code onto the areas of `target` (keyed by their codes).
/// `weight` names a column of `from` used for means; None = area weights.
pub fn by_borough(
    from: &Layer,
    indicator: &str,
    aggregation: Aggregation,
    weight: Option<&str>,
    target: &Layer,
) -> Option<Column> {
    let src = from.columns.get(indicator)?;
    let weight_col = weight.and_then(|w| from.columns.get(w));
    let mut acc: HashMap<&str, (f64, f64)> = HashMap::new();
    for (i, area) in from.areas.iter().enumerate() {
        let (Some(b), Some(v)) = (area.borough.as_deref(), src.values[i]) else {
            continue;
        };
        let w = match (aggregation, weight_col) {
            (Aggregation::Sum, _) => 1.0,
            (_, Some(wc)) => match wc.values[i] {
                Some(w) => w,
                None => continue,
            },
            (_, None) => area.area_m2,
        };
        let e = acc.entry(b).or_insert((0.0, 0.0));
        e.0 += v * w;
        e.1 += w;
    }
    let values = target
        .areas
        .iter()
        .map(|a| {
            acc.get(a.code.as_str())
                .and_then(|(num, den)| match aggregation {
                    Aggregation::Sum => Some(*num),
                    _ => (*den > 0.0).then(|| num / den),
                })
        })
        .collect();
    let method = match aggregation {
        Aggregation::Sum => Method::BoroughSum {
            from: from.id.clone(),
        },
        _ => Method::BoroughMean {
            from: from.id.clone(),
            weight: weight_col.map(|_| weight.unwrap_or_default().to_string()),
        },
    };
    Some(Column { values, method })
}

/// Aggregates `from`'s values onto each target area through precomputed overlaps.
pub fn by_overlap(
    from: &Layer,
    indicator: &str,
    aggregation: Aggregation,
    overlaps: &[Vec<Overlap>],
) -> Option<Column> {
    let src = from.columns.get(indicator)?;
    let values = overlaps
        .iter()
        .map(|parts| {
            let (mut num, mut den) = (0.0, 0.0);
            for o in parts {
                let Some(v) = src.values[o.area] else {
                    continue;
                };
                match aggregation {
                    Aggregation::Sum => {
                        let a = from.areas[o.area].area_m2;
                        if a > 0.0 {
                            num += v * (o.overlap_m2 / a).min(1.0);
                            den += 1.0;
                        }
                    }
                    _ => {
                        num += v * o.overlap_m2;
                        den += o.overlap_m2;
                    }
                }
            }
            match aggregation {
                Aggregation::Sum => (den > 0.0).then_some(num),
                _ => (den > 0.0).then(|| num / den),
            }
        })
        .collect();
    let method = match aggregation {
        Aggregation::Sum => Method::OverlapSum {
            from: from.id.clone(),
        },
        _ => Method::OverlapMean {
            from: from.id.clone(),
        },
    };
    Some(Column { values, method })
}

/// The figure for all of a layer: a total for sums, a weighted mean for means.
pub fn layer_total(
    layer: &Layer,
    indicator: &str,
    aggregation: Aggregation,
    weight: Option<&str>,
) -> Option<f64> {
    let col = layer.columns.get(indicator)?;
    let weight_col = weight.and_then(|w| layer.columns.get(w));
    let (mut num, mut den) = (0.0, 0.0);
    for (i, v) in col.values.iter().enumerate() {
        let Some(v) = v else { continue };
        let w = match (aggregation, weight_col) {
            (Aggregation::Sum, _) => 1.0,
            (_, Some(wc)) => match wc.values[i] {
                Some(w) => w,
                None => continue,
            },
            (_, None) => layer.areas[i].area_m2,
        };
        num += v * w;
        den += w;
    }
    match aggregation {
        Aggregation::Sum => (den > 0.0).then_some(num),
        Aggregation::Mean => (den > 0.0).then(|| num / den),
        Aggregation::None => None,
    }
}
