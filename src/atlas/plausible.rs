//! Values no indicator can take, refused while joining whatever `--no-verify` let through:
//! a checksum proves a file is the published one, but without it an edited or corrupted
//! file could carry a sentinel (-999) or an overflow (1e308) that would silently become a
//! figure (or null London totals). Bounds follow from the unit alone: nothing the atlas
//! publishes reaches 10¹², and only scores and indices can be negative (IoD domain scores
//! are); everything else (people, %, rates, µg/m³, years, £, deciles) is 0 or more, and a
//! decile lies from 1 to 10.
//!
//! Failure modes: [`LoadError::Record`] naming the file, the record, the column and value.

use crate::load::table::Row;
use crate::load::LoadError;

/// Largest magnitude any indicator value may have.
pub const LARGEST: f64 = 1e12;

/// The range values of an indicator measured in `unit` must lie in.
pub fn bounds(unit: &str) -> (f64, f64) {
    let unit = unit.to_ascii_lowercase();
    if unit == "decile" {
        (1.0, 10.0)
    } else if unit.contains("score") || unit.contains("index") {
        (-LARGEST, LARGEST)
    } else {
        (0.0, LARGEST)
    }
}

/// The first row whose value lies outside `unit`'s bounds, as an error naming it.
pub fn check(file: &str, column: &str, unit: &str, rows: &[Row]) -> Result<(), LoadError> {
    let (lo, hi) = bounds(unit);
    match rows
        .iter()
        .find(|r| r.value.is_some_and(|v| !(lo..=hi).contains(&v)))
    {
        Some(r) => Err(LoadError::Record {
            path: file.to_string(),
            record: r.record,
            message: format!(
                "\"{column}\" for {} is {}, outside what a value in {unit} can be \
                 ({lo} to {hi}): a missing-value sentinel or a corrupt file",
                r.code,
                r.value.unwrap_or(f64::NAN)
            ),
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(code: &str, v: f64) -> Row {
        Row {
            record: 7,
            code: code.into(),
            value: Some(v),
            extra: vec![],
        }
    }

    #[test]
    fn sentinels_and_overflows_are_refused_naming_the_record() {
        let e = check(
            "a/b.csv",
            "2019",
            "offences",
            &[row("E1", 3.0), row("E2", -999.0)],
        )
        .expect_err("a negative count");
        let text = e.to_string();
        assert!(
            text.contains("a/b.csv") && text.contains("record 7"),
            "{text}"
        );
        assert!(text.contains("E2") && text.contains("-999"), "{text}");
        assert!(check("f.csv", "v", "score", &[row("E1", 1e308)]).is_err());
        assert!(check("f.csv", "v", "decile", &[row("E1", 11.0)]).is_err());
        assert!(check("f.csv", "v", "score", &[row("E1", -2.5)]).is_ok());
        assert!(check("f.csv", "v", "%", &[row("E1", 0.0), row("E2", 99.5)]).is_ok());
    }
}
