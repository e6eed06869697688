//! CSV writers: a rule selection as one row per area (code, name, borough, value, then the
//! area's counts — residents, children, ...) and a last `TOTAL` row with what the selected
//! areas add up to; a scorecard as one row per measure. Numbers are written with at most four
//! decimals (the finest any source publishes), so no `30.300000000000004`.
//!
//! Failure modes: [`csv::Error`] from the writer (not expected when writing to memory).

use crate::query::scorecard::Scorecard;
use crate::query::select::Selection;

/// The selected areas, worst first, with the rule's indicator as the value column.
pub fn selection(sel: &Selection) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut head = vec!["code", "name", "borough", sel.indicator.as_str()];
    head.extend(sel.count_columns.iter().map(String::as_str));
    head.push("area_m2");
    w.write_record(&head)?;
    for a in &sel.areas {
        let mut row = vec![
            a.code.clone(),
            a.name.clone(),
            a.borough.clone().unwrap_or_default(),
            number(Some(a.value)),
        ];
        row.extend(a.counts.iter().map(|v| number(*v)));
        row.push(String::new());
        w.write_record(&row)?;
    }
    let mut total = vec![
        "TOTAL".to_string(),
        format!(
            "Total of {} areas where {} ({})",
            sel.count, sel.filter, sel.totals_method
        ),
        String::new(),
        String::new(),
    ];
    total.extend(
        sel.count_columns
            .iter()
            .map(|c| number(sel.totals.get(c).copied())),
    );
    total.push(number(sel.totals.get("area_m2").map(|m| m.round())));
    w.write_record(&total)?;
    w.into_inner().map_err(|e| e.into_error().into())
}

/// A scorecard as one row per measure, grouped by priority.
pub fn scorecard(card: &Scorecard) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "priority_number",
        "priority",
        "indicator",
        "title",
        "period",
        "unit",
        "value",
        "london",
        "england",
        "compared_with_england",
        "trend_from_period",
        "trend_change",
        "trend",
        "rank",
        "of",
    ])?;
    let num = number;
    for p in &card.priorities {
        let number = p.number.map(|n| n.to_string()).unwrap_or_default();
        if p.rows.is_empty() {
            // A priority without measures keeps its row, with its note as the title.
            let mut row = vec![number.as_str(), p.title.as_str(), "", p.note.as_str()];
            row.resize(15, "");
            w.write_record(row)?;
            continue;
        }
        for m in &p.rows {
            let comparison = m
                .comparison
                .and_then(|c| serde_json::to_value(c).ok())
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            let trend = m.trend.as_ref();
            w.write_record([
                number.as_str(),
                p.title.as_str(),
                m.indicator.as_str(),
                m.title.as_str(),
                m.period.as_str(),
                m.unit.as_str(),
                &num(m.value),
                &num(m.london),
                &num(m.england),
                &comparison,
                trend.map(|t| t.from_period.as_str()).unwrap_or(""),
                &num(trend.map(|t| t.change)),
                trend.map(|t| t.direction).unwrap_or(""),
                &m.rank.map(|r| r.to_string()).unwrap_or_default(),
                &m.of.to_string(),
            ])?;
        }
    }
    w.flush()?;
    w.into_inner().map_err(|e| e.into_error().into())
}

/// A whole layer as one row per area: code, name, borough, then every indicator (integers
/// without a decimal point, empty where there is no value). No geometry.
pub fn layer(table: &super::table::LayerTable) -> Result<Vec<u8>, csv::Error> {
    use super::table::{FieldKind, TEXT_COLUMNS};
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = TEXT_COLUMNS
        .iter()
        .copied()
        .chain(table.fields.iter().map(|f| f.id));
    w.write_record(header)?;
    for i in 0..table.layer.areas.len() {
        let mut row: Vec<String> = table.text(i).iter().map(|t| t.to_string()).collect();
        row.extend(
            table
                .fields
                .iter()
                .map(|f| match (table.value(i, f), f.kind) {
                    (None, _) => String::new(),
                    (Some(v), FieldKind::Integer) => (v as i64).to_string(),
                    (Some(v), FieldKind::Real) => v.to_string(),
                }),
        );
        w.write_record(&row)?;
    }
    w.flush()?;
    w.into_inner().map_err(|e| e.into_error().into())
}

/// The companion of [`layer`]: one row per indicator field saying what it is (type, title,
/// unit, period, how this layer's values were obtained) and where it comes from (source,
/// publisher, licence, attribution, url).
pub fn fields(table: &super::table::LayerTable) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "field",
        "type",
        "title",
        "unit",
        "period",
        "method",
        "source",
        "source_title",
        "publisher",
        "licence",
        "attribution",
        "url",
    ])?;
    for f in &table.fields {
        let kind = match f.kind {
            super::table::FieldKind::Integer => "integer",
            super::table::FieldKind::Real => "real",
        };
        w.write_record([
            f.id,
            kind,
            f.title,
            f.unit,
            &f.period,
            &f.method,
            f.source,
            f.source_title,
            f.publisher,
            f.licence,
            f.attribution,
            f.url,
        ])?;
    }
    w.flush()?;
    w.into_inner().map_err(|e| e.into_error().into())
}

/// A value as CSV text: at most four decimals, no trailing zeros; empty when missing.
pub fn number(v: Option<f64>) -> String {
    match v {
        Some(v) if v.is_finite() => {
            let r = (v * 1e4).round() / 1e4;
            let r = if r == 0.0 { 0.0 } else { r };
            r.to_string()
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::number;

    #[test]
    fn numbers_lose_float_noise_but_keep_published_precision() {
        assert_eq!(number(Some(30.300000000000004)), "30.3");
        assert_eq!(number(Some(56.935)), "56.935");
        assert_eq!(number(Some(2_214_069.0)), "2214069");
        assert_eq!(number(Some(-0.00001)), "0");
        assert_eq!(number(None), "");
        assert_eq!(number(Some(f64::NAN)), "");
    }
}
