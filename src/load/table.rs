//! CSV indicator tables: one value column joined by an area-code column.
//!
//! Failure modes: a missing key or value column, a duplicated code, or a value that is
//! neither a number nor a recognised "missing" marker (blank, NA, n/a, .., x, *, -): each a
//! [`LoadError`] naming the file, the record (1 = first data row) and the problem.

use super::LoadError;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

/// One row of a joined column: record number, area code, value (None = missing/suppressed).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub record: usize,
    pub code: String,
    pub value: Option<f64>,
    /// The requested extra columns' text, in the order asked (see [`read_table`]).
    pub extra: Vec<String>,
}

/// Markers that publishers use for a missing or suppressed value.
const MISSING: [&str; 8] = ["", "na", "n/a", "..", "x", "*", "-", ":"];

/// An open CSV file with its header row, for finding columns by name.
pub struct CsvFile {
    pub reader: csv::Reader<std::fs::File>,
    pub headers: csv::StringRecord,
    /// The path as shown in errors.
    pub shown: String,
}

impl CsvFile {
    pub fn open(path: &Path) -> Result<CsvFile, LoadError> {
        let shown = path.display().to_string();
        let unreadable = |e: csv::Error| LoadError::Unreadable {
            path: shown.clone(),
            message: e.to_string(),
        };
        let mut reader = csv::ReaderBuilder::new()
            .flexible(false)
            .from_path(path)
            .map_err(unreadable)?;
        let headers = reader.headers().map_err(unreadable)?.clone();
        Ok(CsvFile {
            reader,
            headers,
            shown,
        })
    }

    /// Index of the column named `name` (a UTF-8 byte-order mark and spaces are ignored).
    pub fn column(&self, name: &str) -> Result<usize, LoadError> {
        column_in(&self.headers, &self.shown, name)
    }
}

fn column_in(headers: &csv::StringRecord, shown: &str, name: &str) -> Result<usize, LoadError> {
    headers
        .iter()
        .position(|h| h.trim_start_matches('\u{feff}').trim() == name)
        .ok_or_else(|| LoadError::Invalid {
            path: shown.to_string(),
            message: format!(
                "has no column \"{name}\" (its header has {} columns, starting {:?})",
                headers.len(),
                headers.iter().take(4).collect::<Vec<_>>()
            ),
        })
}

/// Reads `column` keyed by `key` from a CSV file with a header row.
pub fn read_column(path: &Path, key: &str, column: &str) -> Result<Vec<Row>, LoadError> {
    read_filtered_column(path, key, column, &BTreeMap::new())
}

/// [`read_column`] over the rows of a long table whose `filter` columns have the given
/// values (e.g. one indicator, period and sex of a Fingertips extract).
pub fn read_filtered_column(
    path: &Path,
    key: &str,
    column: &str,
    filter: &BTreeMap<String, String>,
) -> Result<Vec<Row>, LoadError> {
    read_table(path, key, column, filter, &[])
}

/// [`read_filtered_column`] that also returns the text of the `extra` columns of each row
/// (e.g. a comparison with England, confidence limits).
pub fn read_table(
    path: &Path,
    key: &str,
    column: &str,
    filter: &BTreeMap<String, String>,
    extra: &[&str],
) -> Result<Vec<Row>, LoadError> {
    Table::read(path)?.rows(key, column, filter, extra)
}

/// A whole CSV file in memory, read once however many columns are taken from it.
#[derive(Debug, Clone)]
pub struct Table {
    headers: csv::StringRecord,
    records: Vec<csv::StringRecord>,
    shown: String,
}

impl Table {
    /// Reads every record (a malformed record is an error naming it).
    pub fn read(path: &Path) -> Result<Table, LoadError> {
        let mut csv = CsvFile::open(path)?;
        let records = csv
            .reader
            .records()
            .enumerate()
            .map(|(i, r)| {
                r.map_err(|e| LoadError::Record {
                    path: csv.shown.clone(),
                    record: i + 1,
                    message: e.to_string(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Table {
            headers: csv.headers.clone(),
            records,
            shown: csv.shown.clone(),
        })
    }

    fn column(&self, name: &str) -> Result<usize, LoadError> {
        column_in(&self.headers, &self.shown, name)
    }

    /// The text (trimmed) of the named columns of every record, in file order.
    pub fn records<const N: usize>(
        &self,
        columns: &[&str; N],
    ) -> Result<impl Iterator<Item = [&str; N]> + '_, LoadError> {
        let mut at = [0usize; N];
        for (k, c) in columns.iter().enumerate() {
            at[k] = self.column(c)?;
        }
        Ok(self
            .records
            .iter()
            .map(move |r| at.map(|i| r.get(i).unwrap_or("").trim())))
    }

    /// `column` keyed by `key` over the rows whose `filter` columns have the given values,
    /// with the text of the `extra` columns.
    pub fn rows(
        &self,
        key: &str,
        column: &str,
        filter: &BTreeMap<String, String>,
        extra: &[&str],
    ) -> Result<Vec<Row>, LoadError> {
        let (key_at, value_at) = (self.column(key)?, self.column(column)?);
        let extra_at: Vec<usize> = extra
            .iter()
            .map(|c| self.column(c))
            .collect::<Result<_, _>>()?;
        let filter_at: Vec<(usize, &str)> = filter
            .iter()
            .map(|(col, want)| Ok((self.column(col)?, want.as_str())))
            .collect::<Result<_, LoadError>>()?;
        let mut rows = Vec::new();
        let mut seen = HashSet::new();
        for (i, record) in self.records.iter().enumerate() {
            let record_no = i + 1;
            let err = |message: String| LoadError::Record {
                path: self.shown.clone(),
                record: record_no,
                message,
            };
            if !filter_at
                .iter()
                .all(|(at, want)| record.get(*at).map(str::trim) == Some(*want))
            {
                continue;
            }
            let code = record.get(key_at).unwrap_or("").trim().to_string();
            if code.is_empty() {
                return Err(err(format!("the key column \"{key}\" is empty")));
            }
            if !seen.insert(code.clone()) {
                return Err(err(format!("code {code} appears more than once")));
            }
            let raw = record.get(value_at).unwrap_or("").trim();
            let value = if MISSING.contains(&raw.to_ascii_lowercase().as_str()) {
                None
            } else {
                let v: f64 = raw.replace(',', "").parse().map_err(|_| {
                    err(format!(
                        "\"{column}\" for {code} is \"{raw}\", which is not a number"
                    ))
                })?;
                if !v.is_finite() {
                    return Err(err(format!(
                        "\"{column}\" for {code} is not a finite number"
                    )));
                }
                Some(v)
            };
            let extra = extra_at
                .iter()
                .map(|&at| record.get(at).unwrap_or("").trim().to_string())
                .collect();
            rows.push(Row {
                record: record_no,
                code,
                value,
                extra,
            });
        }
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn temp_csv(name: &str, text: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("atlas-table-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("t.csv");
        std::fs::File::create(&path)
            .and_then(|mut f| f.write_all(text.as_bytes()))
            .expect("write");
        path
    }

    #[test]
    fn missing_markers_become_none_and_numbers_parse() {
        let p = temp_csv("ok", "\u{feff}code,v\nA,1.5\nB,\nC,NA\nD,\"1,234\"\n");
        let rows = read_column(&p, "code", "v").expect("reads");
        let values: Vec<_> = rows.iter().map(|r| r.value).collect();
        assert_eq!(values, [Some(1.5), None, None, Some(1234.0)]);
    }

    #[test]
    fn a_bad_value_names_the_record_and_code() {
        let p = temp_csv("bad", "code,v\nA,1\nB,lots\n");
        let err = read_column(&p, "code", "v").expect_err("fails").to_string();
        assert!(
            err.contains("record 2") && err.contains("B") && err.contains("lots"),
            "{err}"
        );
    }

    #[test]
    fn a_duplicate_code_is_refused() {
        let p = temp_csv("dup", "code,v\nA,1\nA,2\n");
        let err = read_column(&p, "code", "v").expect_err("fails").to_string();
        assert!(err.contains("more than once"), "{err}");
    }

    #[test]
    fn a_missing_column_is_named() {
        let p = temp_csv("col", "code,v\nA,1\n");
        let err = read_column(&p, "code", "w").expect_err("fails").to_string();
        assert!(err.contains("\"w\""), "{err}");
    }
}
