//! Which areas break a rule (`no2_2016_mean>40`) and how many people live there. For layers
//! whose areas overlap (School Superzones), totals come from the union of the selected areas,
//! so nobody living in two zones is counted twice.

use super::QueryError;
use crate::atlas::Atlas;
use crate::geom::overlay::{union_area, union_overlaps};
use crate::indicator::worst_first;
use crate::indicator::Aggregation;
use geo::Polygon;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Op {
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = "=")]
    Eq,
}

impl Op {
    pub fn test(self, a: f64, b: f64) -> bool {
        match self {
            Op::Gt => a > b,
            Op::Ge => a >= b,
            Op::Lt => a < b,
            Op::Le => a <= b,
            Op::Eq => a == b,
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Eq => "=",
        }
    }
}

/// A rule `<indicator><op><number>`, e.g. `no2_2016_mean>40`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Filter {
    pub indicator: String,
    pub op: Op,
    pub value: f64,
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}{}", self.indicator, self.op.symbol(), self.value)
    }
}

impl FromStr for Filter {
    type Err = QueryError;

    fn from_str(s: &str) -> Result<Filter, QueryError> {
        let bad = |why: &str| {
            QueryError::BadParameter(format!(
                "where \"{s}\" is not a rule: {why}; write <indicator><op><number> with op one of > >= < <= =, e.g. no2_2016_mean>40"
            ))
        };
        let s = s.trim();
        let at = s
            .find(['>', '<', '='])
            .ok_or_else(|| bad("it has no comparison"))?;
        let indicator = s[..at].trim();
        if indicator.is_empty()
            || !indicator
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(bad("it does not start with an indicator id"));
        }
        let rest = &s[at..];
        let (op, number) = [
            (">=", Op::Ge),
            ("<=", Op::Le),
            (">", Op::Gt),
            ("<", Op::Lt),
            ("=", Op::Eq),
        ]
        .iter()
        .find_map(|(sym, op)| rest.strip_prefix(sym).map(|n| (*op, n.trim())))
        .ok_or_else(|| bad("its comparison is not understood"))?;
        let value: f64 = number
            .parse()
            .map_err(|_| bad(&format!("\"{number}\" is not a number")))?;
        if !value.is_finite() {
            return Err(bad("the number is not finite"));
        }
        Ok(Filter {
            indicator: indicator.to_string(),
            op,
            value,
        })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Selected {
    pub code: String,
    pub name: String,
    pub borough: Option<String>,
    pub value: f64,
    /// The area's own value of each of the selection's `count_columns` (for downloads).
    #[serde(skip)]
    pub counts: Vec<Option<f64>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Selection {
    pub layer: String,
    #[serde(rename = "where")]
    pub filter: String,
    /// The indicator the rule tests.
    pub indicator: String,
    pub count: usize,
    /// Totals of the layer's count indicators over the selected areas (and their area, m²).
    pub totals: BTreeMap<String, f64>,
    /// How the totals were computed.
    pub totals_method: String,
    /// Selected areas, worst first.
    pub areas: Vec<Selected>,
    /// The count indicators summed in `totals`, in order (for downloads).
    #[serde(skip)]
    pub count_columns: Vec<String>,
}

impl Atlas {
    /// The areas of `layer_id` whose value of the filter's indicator passes the filter.
    pub fn select(&self, layer_id: &str, filter: &Filter) -> Result<Selection, QueryError> {
        let layer = self.require_layer(layer_id)?;
        let column = self.require_column(layer, &filter.indicator)?;
        let mut picked: Vec<usize> = column
            .values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.filter(|v| filter.op.test(*v, filter.value)).map(|_| i))
            .collect();
        let indicator = self.indicator(&filter.indicator);
        picked.sort_by(|&a, &b| {
            worst_first(indicator, column.values[a], column.values[b])
                .then_with(|| layer.areas[a].code.cmp(&layer.areas[b].code))
        });
        let (totals, totals_method) = if layer.overlapping {
            self.union_totals(layer, &picked)
        } else {
            self.sum_totals(layer, &picked)
        };
        let count_columns: Vec<String> = totals
            .keys()
            .filter(|k| layer.columns.contains_key(k.as_str()))
            .cloned()
            .collect();
        let areas = picked
            .iter()
            .map(|&i| {
                let a = &layer.areas[i];
                Selected {
                    code: a.code.clone(),
                    name: a.name.clone(),
                    borough: a.borough.clone(),
                    value: column.values[i].unwrap_or(f64::NAN),
                    counts: count_columns.iter().map(|c| layer.value(c, i)).collect(),
                }
            })
            .collect();
        Ok(Selection {
            layer: layer.id.clone(),
            filter: filter.to_string(),
            indicator: filter.indicator.clone(),
            count: picked.len(),
            totals,
            totals_method,
            areas,
            count_columns,
        })
    }

    fn sum_totals(
        &self,
        layer: &crate::layer::Layer,
        picked: &[usize],
    ) -> (BTreeMap<String, f64>, String) {
        let mut totals = BTreeMap::new();
        for ind in self
            .indicators
            .iter()
            .filter(|i| i.definition.aggregation == Aggregation::Sum)
        {
            if layer.columns.contains_key(&ind.id) {
                totals.insert(
                    ind.id.clone(),
                    picked.iter().filter_map(|&i| layer.value(&ind.id, i)).sum(),
                );
            }
        }
        totals.insert(
            "area_m2".into(),
            picked.iter().map(|&i| layer.areas[i].area_m2).sum(),
        );
        (totals, "sum over the selected areas".into())
    }

    /// Totals over the union of overlapping areas, apportioned from each count's base layer.
    fn union_totals(
        &self,
        layer: &crate::layer::Layer,
        picked: &[usize],
    ) -> (BTreeMap<String, f64>, String) {
        let parts: Vec<&Polygon<f64>> = picked
            .iter()
            .flat_map(|&i| layer.areas[i].geometry.0.iter())
            .collect();
        // Only the base layers of count indicators are needed for the totals.
        let per_layer: Vec<_> =
            self.layers
                .iter()
                .map(|l| {
                    let needed = self.indicators.iter().any(|i| {
                        i.definition.aggregation == Aggregation::Sum && i.base_layer == l.id
                    });
                    if needed {
                        union_overlaps(&parts, l)
                    } else {
                        Vec::new()
                    }
                })
                .collect();
        let summary = self.summarise(&per_layer);
        let mut totals: BTreeMap<String, f64> = summary
            .indicators
            .into_iter()
            .filter(|(id, _)| {
                self.indicator(id)
                    .is_some_and(|i| i.definition.aggregation == Aggregation::Sum)
            })
            .map(|(id, s)| (id, s.value))
            .collect();
        totals.insert("area_m2".into(), union_area(&parts));
        (
            totals,
            "counts apportioned over the union of the selected areas (overlaps counted once)"
                .into(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse_with_every_operator() {
        for (text, op) in [
            ("a>1", Op::Gt),
            ("a>=1", Op::Ge),
            ("a<1", Op::Lt),
            ("a<=1", Op::Le),
            ("a=1", Op::Eq),
        ] {
            let f: Filter = text.parse().expect(text);
            assert_eq!((f.indicator.as_str(), f.op, f.value), ("a", op, 1.0));
        }
        let f: Filter = " no2_2016_mean > 40.5 ".parse().expect("spaces");
        assert_eq!(f.to_string(), "no2_2016_mean>40.5");
    }

    #[test]
    fn malformed_rules_say_what_is_wrong() {
        for (text, why) in [
            ("no2", "no comparison"),
            (">40", "indicator"),
            ("no2>>40", "not a number"),
            ("no2>abc", "not a number"),
            ("no2>inf", "not finite"),
            ("no2=>4", "not a number"),
        ] {
            let e = text.parse::<Filter>().expect_err(text).to_string();
            assert!(e.contains(why), "{text}: {e}");
        }
    }
}
