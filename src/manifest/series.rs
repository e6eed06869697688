//! Series: indicators that differ only by period, declared once in the manifest and expanded
//! at parse into one indicator per period, `<series id>_<first year of the period>`, titled
//! "<title>, <period>", whose table is the series' table with `{period}` replaced.
//!
//! Failure modes: a sentence naming the series for a period that does not start with a year,
//! a `year` or `period` given to the whole series, or an unknown key.

use super::spec::{IndicatorSpec, SeriesSpec, TableSpec};

/// The first calendar year of a published period ("2017/18" -> 2017, "2016-18" -> 2016).
pub fn first_year(period: &str) -> Option<u16> {
    period.get(..4)?.parse().ok()
}

/// The indicators of one series, in period order.
pub(super) fn expand(s: &SeriesSpec) -> Result<Vec<IndicatorSpec>, String> {
    if let Some(key) = s.unknown.keys().next() {
        return Err(format!("series {} has an unknown key \"{key}\"", s.id));
    }
    if s.definition.year != 0 || s.definition.period.is_some() {
        return Err(format!(
            "series {} gives a year or period; each of its periods gives its own",
            s.id
        ));
    }
    if s.periods.is_empty() {
        return Err(format!("series {} has no periods", s.id));
    }
    s.periods
        .iter()
        .map(|p| {
            let year = first_year(p).ok_or_else(|| {
                format!("series {}: period \"{p}\" does not start with a year", s.id)
            })?;
            let mut definition = s.definition.clone();
            definition.year = year;
            definition.period = Some(p.clone());
            definition.title = format!("{}, {p}", s.definition.title);
            Ok(IndicatorSpec {
                id: format!("{}_{year}", s.id),
                source: s.source.clone(),
                priority: s.priority.clone(),
                ratio: None,
                series: Some(s.id.clone()),
                tables: vec![for_period(&s.table, p)],
                derives: s.derives.clone(),
                definition,
                unknown: Default::default(),
            })
        })
        .collect()
}

fn for_period(t: &TableSpec, period: &str) -> TableSpec {
    let fill = |v: &str| v.replace("{period}", period);
    TableSpec {
        column: fill(&t.column),
        filter: t.filter.iter().map(|(k, v)| (k.clone(), fill(v))).collect(),
        ..t.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_start_with_their_first_year() {
        assert_eq!(first_year("2017/18"), Some(2017));
        assert_eq!(first_year("2016-18"), Some(2016));
        assert_eq!(first_year("2019"), Some(2019));
        assert_eq!(first_year("19/20"), None);
    }
}
