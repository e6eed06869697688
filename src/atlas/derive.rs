//! Derived columns: an indicator computed for one layer from a finer layer's values, by
//! borough code (LSOAs to boroughs) or by shared area (LSOAs to School Superzones), with the
//! arithmetic of [`crate::aggregate`]. Means by borough use the indicator's weight column when
//! the source layer has it (else area); means by overlap are weighted by shared area.

use crate::aggregate::{aggregate, Method, Part, Scope, Weight};
use crate::geom::overlay::Overlap;
use crate::indicator::Aggregation;
use crate::layer::{Column, Layer};
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
    Some(Column {
        values,
        method: aggregated(Scope::Borough, aggregation, from, weight),
    })
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
    Some(Column {
        values,
        method: aggregated(Scope::Overlap, aggregation, from, None),
    })
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
