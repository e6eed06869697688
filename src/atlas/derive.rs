//! Derived columns: an indicator computed for one layer from a finer layer's values, by
//! borough code (LSOAs to boroughs) or by shared area (LSOAs to School Superzones), with the
//! arithmetic of [`crate::aggregate`]. Means by borough use the indicator's weight column when
//! the source layer has it (else area); means by overlap are weighted by shared area.

use crate::aggregate::{aggregate, Method, Part, Scope, Weight};
use crate::geom::overlay::Overlap;
use crate::indicator::Aggregation;
use crate::layer::{Column, Layer};
use geo::{InteriorPoint, Intersects};
use std::collections::HashMap;

/// Groups `from`'s values by borough code onto the areas of `target` (keyed by their codes).
/// `weight` names a column of `from` used for means; None (or a column `from` lacks) = area.
pub fn by_borough(
    from: &Layer,
    indicator: &str,
    aggregation: Aggregation,
    weight: Option<&str>,
    target: &Layer,
) -> Option<Column> {
    let src = from.columns.get(indicator)?;
    let weight = weight.filter(|w| from.columns.contains_key(*w));
    let mut groups: HashMap<&str, Vec<Part>> = HashMap::new();
    for (i, area) in from.areas.iter().enumerate() {
        if let Some(b) = area.borough.as_deref() {
            groups
                .entry(b)
                .or_default()
                .push(Part::whole(i, area.area_m2));
        }
    }
    let w = weight_of(from, weight);
    let values = target
        .areas
        .iter()
        .map(|a| {
            let parts = groups.get(a.code.as_str())?;
            aggregate(aggregation, &src.values, w, parts.iter().copied())
        })
        .collect();
    Some(Column::new(
        values,
        aggregated(Scope::Borough, aggregation, from, weight),
    ))
}

/// For each target area, the `from` areas whose interior point it holds (each `from` area in
/// at most one target: the first, by index, on a shared border).
pub fn best_fit(from: &Layer, target: &Layer) -> Vec<Vec<usize>> {
    let mut groups = vec![Vec::new(); target.areas.len()];
    for (i, area) in from.areas.iter().enumerate() {
        let Some(p) = area.geometry.interior_point() else {
            continue;
        };
        let mut hits: Vec<usize> = target
            .candidates_at(p.x(), p.y())
            .filter(|&t| target.areas[t].geometry.intersects(&p))
            .collect();
        hits.sort_unstable();
        if let Some(&t) = hits.first() {
            groups[t].push(i);
        }
    }
    groups
}

/// Aggregates `from`'s values over precomputed groups (see [`best_fit`]), weighted like
/// [`by_borough`].
pub fn by_groups(
    from: &Layer,
    indicator: &str,
    aggregation: Aggregation,
    weight: Option<&str>,
    groups: &[Vec<usize>],
) -> Option<Column> {
    let src = from.columns.get(indicator)?;
    let weight = weight.filter(|w| from.columns.contains_key(*w));
    let w = weight_of(from, weight);
    let values = groups
        .iter()
        .map(|g| {
            let parts = g.iter().map(|&i| Part::whole(i, from.areas[i].area_m2));
            aggregate(aggregation, &src.values, w, parts)
        })
        .collect();
    Some(Column::new(
        values,
        aggregated(Scope::BestFit, aggregation, from, weight),
    ))
}

/// Aggregates the values of each target area's members (the `from` areas it was dissolved
/// from), weighted like [`by_borough`].
pub fn by_members(
    from: &Layer,
    indicator: &str,
    aggregation: Aggregation,
    weight: Option<&str>,
    target: &Layer,
) -> Option<Column> {
    let src = from.columns.get(indicator)?;
    let weight = weight.filter(|w| from.columns.contains_key(*w));
    let w = weight_of(from, weight);
    let values = target
        .areas
        .iter()
        .map(|a| {
            let parts: Vec<Part> = a
                .members
                .iter()
                .filter_map(|m| from.area_index(m))
                .map(|i| Part::whole(i, from.areas[i].area_m2))
                .collect();
            aggregate(aggregation, &src.values, w, parts)
        })
        .collect();
    Some(Column::new(
        values,
        aggregated(Scope::Members, aggregation, from, weight),
    ))
}

/// `numerator / denominator × per` for every area of `layer` that has both (and a positive
/// denominator).
pub fn ratio(layer: &Layer, numerator: &str, denominator: &str, per: f64) -> Option<Column> {
    let (n, d) = (
        layer.columns.get(numerator)?,
        layer.columns.get(denominator)?,
    );
    let values = n
        .values
        .iter()
        .zip(&d.values)
        .map(|(n, d)| match (n, d) {
            (Some(n), Some(d)) if *d > 0.0 => Some(n / d * per),
            _ => None,
        })
        .collect();
    let method = Method::Ratio {
        numerator: numerator.to_string(),
        denominator: denominator.to_string(),
        per,
    };
    Some(Column::new(values, method))
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
            let parts = parts
                .iter()
                .map(|o| Part::overlapping(o.area, o.overlap_m2, from.areas[o.area].area_m2));
            aggregate(aggregation, &src.values, Weight::Area, parts)
        })
        .collect();
    Some(Column::new(
        values,
        aggregated(Scope::Overlap, aggregation, from, None),
    ))
}

/// The figure for all of a layer (a total for sums, a weighted mean for means) and how it
/// was obtained.
pub fn layer_total(
    layer: &Layer,
    indicator: &str,
    aggregation: Aggregation,
    weight: Option<&str>,
) -> (Option<f64>, Method) {
    let method = aggregated(Scope::London, aggregation, layer, weight);
    let Some(col) = layer.columns.get(indicator) else {
        return (None, method);
    };
    let resolved = weight.filter(|w| layer.columns.contains_key(*w));
    let parts = (0..layer.areas.len()).map(|i| Part::whole(i, layer.areas[i].area_m2));
    let value = aggregate(aggregation, &col.values, weight_of(layer, resolved), parts);
    (value, method)
}

/// The weight column `weight` of `layer` (which must have it), or area weights.
pub fn weight_of<'a>(layer: &'a Layer, weight: Option<&str>) -> Weight<'a> {
    weight
        .and_then(|w| layer.columns.get(w))
        .map(|c| Weight::Column(&c.values))
        .unwrap_or(Weight::Area)
}

fn aggregated(
    scope: Scope,
    aggregation: Aggregation,
    from: &Layer,
    weight: Option<&str>,
) -> Method {
    Method::Aggregated {
        scope,
        aggregation,
        from: from.id.clone(),
        weight: weight.map(str::to_string),
    }
}
