//! School Superzones (GLA): the area within a radius (400 m) of each open school, built from
//! DfE GIAS school points (Easting/Northing in British National Grid), keyed by URN.
//!
//! Each zone is a [`circle`]: a regular polygon with the true circle's area.
//!
//! Failure modes: missing columns, a duplicated URN or a non-numeric coordinate: a
//! [`LoadError`] naming the file and record. Closed schools and schools without coordinates
//! are counted in the [`SchoolReport`], never silently dropped.

use super::table::CsvFile;
use super::LoadError;
use crate::geom::shapes::circle;
use crate::layer::Area;
use crate::manifest::LayerSpec;
use geo::MultiPolygon;
use serde::Serialize;
use std::collections::HashSet;
use std::path::Path;

const STATUS: &str = "EstablishmentStatus (name)";
const EASTING: &str = "Easting";
const NORTHING: &str = "Northing";

/// What the school list held and what became of each row.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SchoolReport {
    pub rows: usize,
    pub open: usize,
    pub closed: usize,
    /// URNs of open schools without coordinates (no zone can be drawn).
    pub open_without_coordinates: Vec<String>,
}

/// Reads the school list and returns one zone per open school with coordinates.
pub fn read_superzones(
    path: &Path,
    spec: &LayerSpec,
) -> Result<(Vec<Area>, SchoolReport), LoadError> {
    let shown = path.display().to_string();
    let radius = spec.radius_m.unwrap_or(400.0);
    let segments = spec.segments.unwrap_or(64);
    let mut csv = CsvFile::open(path)?;
    let col = |name: &str| csv.column(name);
    let (urn_at, name_at, status_at, e_at, n_at) = (
        col(&spec.code_field)?,
        col(&spec.name_field)?,
        col(STATUS)?,
        col(EASTING)?,
        col(NORTHING)?,
    );
    let borough_at = spec.borough_field.as_deref().map(col).transpose()?;
    let keep_at: Vec<(String, usize)> = spec
        .keep
        .iter()
        .map(|(out, field)| Ok((out.clone(), col(field)?)))
        .collect::<Result<_, LoadError>>()?;

    let mut report = SchoolReport::default();
    let mut areas = Vec::new();
    let mut seen = HashSet::new();
    for (i, record) in csv.reader.records().enumerate() {
        let record_no = i + 1;
        let err = |message: String| LoadError::Record {
            path: shown.clone(),
            record: record_no,
            message,
        };
        let record = record.map_err(|e| err(e.to_string()))?;
        let get = |at: usize| record.get(at).unwrap_or("").trim();
        report.rows += 1;
        let urn = get(urn_at).to_string();
        if urn.is_empty() {
            return Err(err(format!("the {} column is empty", spec.code_field)));
        }
        if !seen.insert(urn.clone()) {
            return Err(err(format!("URN {urn} appears more than once")));
        }
        if !get(status_at).starts_with("Open") {
            report.closed += 1;
            continue;
        }
        report.open += 1;
        let (e, n) = (get(e_at), get(n_at));
        if e.is_empty() || n.is_empty() {
            report.open_without_coordinates.push(urn);
            continue;
        }
        let parse = |s: &str, what: &str| {
            s.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && (-1e6..=2e6).contains(v))
                .ok_or_else(|| {
                    err(format!(
                        "{what} of school {urn} is \"{s}\", not a grid coordinate in metres"
                    ))
                })
        };
        let (x, y) = (parse(e, EASTING)?, parse(n, NORTHING)?);
        let borough = borough_at
            .map(|at| get(at).to_string())
            .filter(|b| !b.is_empty());
        let geometry = MultiPolygon::new(vec![circle(x, y, radius, segments)]);
        let mut area = Area::new(urn, get(name_at).to_string(), borough, geometry);
        for (out, at) in &keep_at {
            area.properties.insert(out.clone(), get(*at).to_string());
        }
        area.properties.insert("easting".into(), format!("{x}"));
        area.properties.insert("northing".into(), format!("{y}"));
        areas.push(area);
    }
    Ok((areas, report))
}
