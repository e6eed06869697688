//! FlatGeobuf writer (the `flatgeobuf` crate): one MultiPolygon feature per area with typed
//! columns (text codes and names, Long for integer fields, Double for the rest; each column's
//! title is the indicator's title), the CRS as an EPSG code plus WKT, a packed Hilbert R-tree
//! index, and the provenance as the header's `description` (one line) and `metadata` (JSON).
//!
//! Failure modes: the crate's [`flatgeobuf::Error`] (an unencodable geometry or a failed write),
//! as [`FgbError`].

use super::table::{FieldKind, LayerTable, TEXT_COLUMNS};
use flatgeobuf::geozero::{ColumnValue, PropertyProcessor};
use flatgeobuf::{ColumnType, FgbCrs, FgbWriter, FgbWriterOptions, GeometryType};

#[derive(Debug, thiserror::Error)]
pub enum FgbError {
    #[error("FlatGeobuf: {0}")]
    Fgb(#[from] flatgeobuf::Error),
    #[error("FlatGeobuf feature {code}: {source}")]
    Feature {
        code: String,
        source: flatgeobuf::geozero::error::GeozeroError,
    },
}

/// The whole table as FlatGeobuf bytes.
pub fn write(table: &LayerTable) -> Result<Vec<u8>, FgbError> {
    let description = table.description();
    let metadata = table.provenance_json().to_string();
    let options = FgbWriterOptions {
        write_index: true,
        detect_type: false,
        promote_to_multi: true,
        crs: FgbCrs {
            org: Some("EPSG"),
            code: table.crs.epsg(),
            name: Some(table.crs.name()),
            wkt: Some(table.crs.wkt()),
            ..Default::default()
        },
        title: Some(&table.layer.title),
        description: Some(&description),
        metadata: Some(&metadata),
        ..Default::default()
    };
    let mut fgb =
        FgbWriter::create_with_options(&table.layer.id, GeometryType::MultiPolygon, options)?;
    for c in TEXT_COLUMNS {
        fgb.add_column(c, ColumnType::String, |_, col| col.nullable = c != "code");
    }
    for f in &table.fields {
        let ty = match f.kind {
            FieldKind::Integer => ColumnType::Long,
            FieldKind::Real => ColumnType::Double,
        };
        fgb.add_column(f.id, ty, |fbb, col| {
            col.nullable = true;
            col.title = Some(fbb.create_string(f.title));
            col.description = Some(fbb.create_string(&format!(
                "{} ({}, {}); {}",
                f.title, f.unit, f.period, f.attribution
            )));
        });
    }
    for i in 0..table.layer.areas.len() {
        let geometry = geo::Geometry::MultiPolygon(table.geometry(i));
        let text = table.text(i);
        let mut failed = None;
        fgb.add_feature_geom(geometry, |feat| {
            let mut put = |k: usize, name: &str, v: &ColumnValue| {
                if let Err(e) = feat.property(k, name, v) {
                    failed.get_or_insert(e);
                }
            };
            for (k, c) in TEXT_COLUMNS.iter().enumerate() {
                if !(text[k].is_empty() && *c != "code") {
                    put(k, c, &ColumnValue::String(text[k]));
                }
            }
            for (j, f) in table.fields.iter().enumerate() {
                let k = TEXT_COLUMNS.len() + j;
                match (table.value(i, f), f.kind) {
                    (None, _) => {}
                    (Some(v), FieldKind::Integer) => put(k, f.id, &ColumnValue::Long(v as i64)),
                    (Some(v), FieldKind::Real) => put(k, f.id, &ColumnValue::Double(v)),
                }
            }
        })
        .map_err(|source| FgbError::Feature {
            code: text[0].to_string(),
            source,
        })?;
        if let Some(source) = failed {
            return Err(FgbError::Feature {
                code: text[0].to_string(),
                source,
            });
        }
    }
    let mut out = Vec::new();
    fgb.write(&mut out)?;
    Ok(out)
}
