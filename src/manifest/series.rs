//! Series: indicators that differ only by period, declared once in the manifest and expanded
//! at parse into one indicator per period, `<series id>_<first year of the period>` (or, when
//! several periods start in the same year, every number of the period: "2022-07" ->
//! `_2022_07`), titled "<title>, <label>", whose table is the series' table with `{period}`
//! replaced. The label is the period unless `labels` says how people read it.
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
    if !s.labels.is_empty() && s.labels.len() != s.periods.len() {
        return Err(format!(
            "series {} has {} labels for {} periods",
            s.id,
            s.labels.len(),
            s.periods.len()
        ));
    }
    let years: Vec<Option<u16>> = s.periods.iter().map(|p| first_year(p)).collect();
    let shared_years = (1..years.len()).any(|k| years[..k].contains(&years[k]));
    s.periods
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let year = years[k].ok_or_else(|| {
                format!("series {}: period \"{p}\" does not start with a year", s.id)
            })?;
            let label = s.labels.get(k).unwrap_or(p);
            let suffix = if shared_years {
                numbers_of(p)
            } else {
                year.to_string()
            };
            let mut definition = s.definition.clone();
            definition.year = year;
            definition.period = Some(label.clone());
            definition.title = format!("{}, {label}", s.definition.title);
            Ok(IndicatorSpec {
                id: format!("{}_{suffix}", s.id),
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

/// Every run of digits of a period joined by `_` ("2022-07" -> "2022_07").
fn numbers_of(period: &str) -> String {
    period
        .split(|c: char| !c.is_ascii_digit())
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("_")
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
        assert_eq!(numbers_of("2022-07"), "2022_07");
    }
}
