//! CSV writers: a rule selection as one row per area (code, name, borough, value).
//!
//! Failure modes: [`csv::Error`] from the writer (not expected when writing to memory).

use crate::query::select::Selection;

/// The selected areas, worst first, with the rule's indicator as the value column.
pub fn selection(sel: &Selection) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["code", "name", "borough", sel.indicator.as_str()])?;
    for a in &sel.areas {
        w.write_record([
            a.code.as_str(),
            a.name.as_str(),
            a.borough.as_deref().unwrap_or(""),
            &a.value.to_string(),
        ])?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}
