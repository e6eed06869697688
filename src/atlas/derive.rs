//! Derived columns: an indicator computed for one layer from a finer layer's values, with the
//! arithmetic of [`crate::aggregate`]: over groups of whole areas (by borough code, by the
//! members a dissolved area was made of, or by best fit of interior points; means weighted by
//! the indicator's weight column when the source layer has it, else by area), or by shared
//! area (LSOAs to School Superzones; means weighted by shared area); and ratios of two
//! columns of the same layer.

use crate::aggregate::{aggregate, Method, Part, Scope, Weight};
use crate::geom::overlay::Overlap;
use crate::indicator::Aggregation;
use crate::layer::{Column, Layer};
use geo::{InteriorPoint, Intersects};

/// For each target area, the `from` areas whose borough code is the target's code.
pub fn by_borough_code(from: &Layer, target: &Layer) -> Vec<Vec<usize>> {
    let mut groups = vec![Vec::new(); target.areas.len()];
    for (i, area) in from.areas.iter().enumerate() {
        if let Some(t) = area.borough.as_deref().and_then(|b| target.area_index(b)) {
            groups[t].push(i);
        }
    }
    groups
}

/// For each target area, the `from` areas it was dissolved from (its members).
pub fn members(from: &Layer, target: &Layer) -> Vec<Vec<usize>> {
    target
        .areas
        .iter()
        .map(|a| {
            a.members
                .iter()
                .filter_map(|m| from.area_index(m))
                .collect()
        })
        .collect()
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

/// Aggregates `from`'s values over whole areas grouped per target area (`groups[t]` = the
/// `from` areas of target `t`, in order). `weight` names a column of `from` for means; None
/// (or a column `from` lacks) = area. `scope` says how the groups were made.
pub fn by_groups(
    from: &Layer,
    indicator: &str,
    aggregation: Aggregation,
    weight: Option<&str>,
    groups: &[Vec<usize>],
    scope: Scope,
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
        aggregated(scope, aggregation, from, weight),
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
