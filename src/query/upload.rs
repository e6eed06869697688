//! A boundary uploaded as a zipped ESRI shapefile (`POST /api/query` with a zip body): each
//! polygon record of the .shp (named from the .dbf's name field when there is one), in
//! British National Grid or WGS84 as its .prj says, moved into British National Grid. The
//! records are then checked and summarised like a GeoJSON FeatureCollection's features
//! ([`super::boundary`]).
//!
//! Failure modes: each a [`QueryError::BadGeometry`] sentence: not a zip, no .shp, no or an
//! unknown .prj, a shape that is not a polygon, no polygon at all, or too many positions.

use super::boundary::Part;
use super::QueryError;
use crate::geom::crs::{wgs84_to_bng, wkt_is_british_national_grid};
use geo::{CoordsIter, MapCoords, MultiPolygon};
use std::io::{Cursor, Read};

/// The first bytes of every zip file (a local file header).
pub const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// True when `body` looks like a zip file.
pub fn is_zip(body: &[u8]) -> bool {
    body.starts_with(ZIP_MAGIC)
}

fn bad(message: String) -> QueryError {
    QueryError::BadGeometry(message)
}

/// Reads the one .shp (and its .prj, and .dbf if any) of a zip: one [`Part`] per polygon
/// record, in British National Grid, at most `max_vertices` positions in all. Validity is
/// checked by the caller.
pub fn read_zipped_shapefile(body: &[u8], max_vertices: usize) -> Result<Vec<Part>, QueryError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(body))
        .map_err(|e| bad(format!("the body is not a readable zip file: {e}")))?;
    let names: Vec<String> = zip
        .file_names()
        .map(|n| n.map(|n| n.into_owned()))
        .collect::<Result<_, _>>()
        .map_err(|e| bad(format!("the zip's file names cannot be read: {e}")))?;
    let with_ext = |ext: &str| -> Vec<&String> {
        names
            .iter()
            .filter(|n| n.to_ascii_lowercase().ends_with(ext) && !n.contains("__MACOSX"))
            .collect()
    };
    let shp =
        match with_ext(".shp").as_slice() {
            [one] => (*one).clone(),
            [] => return Err(bad(
                "the zip holds no .shp file; zip a polygon shapefile (.shp, .shx, .dbf and .prj)"
                    .into(),
            )),
            many => {
                return Err(bad(format!(
                    "the zip holds {} .shp files; upload one shapefile",
                    many.len()
                )))
            }
        };
    let stem = &shp[..shp.len() - 4];
    let prj_name = names
        .iter()
        .find(|n| n.len() == stem.len() + 4 && n.starts_with(stem) && n.to_ascii_lowercase().ends_with(".prj"))
        .cloned()
        .ok_or_else(|| bad(format!("the zip has no .prj beside {shp}, so its coordinate system is unknown; include the .prj (British National Grid or WGS84)")))?;
    let mut read = |name: &str| -> Result<Vec<u8>, QueryError> {
        let mut f = zip
            .by_name(name)
            .map_err(|e| bad(format!("cannot read {name} in the zip: {e}")))?;
        let mut out = Vec::new();
        f.read_to_end(&mut out)
            .map_err(|e| bad(format!("cannot read {name} in the zip: {e}")))?;
        Ok(out)
    };
    let prj = String::from_utf8_lossy(&read(&prj_name)?).into_owned();
    let wgs84 = if wkt_is_british_national_grid(&prj) {
        false
    } else if is_wgs84(&prj) {
        true
    } else {
        return Err(bad(format!(
            "{prj_name} is neither British National Grid (EPSG:27700) nor WGS84 (EPSG:4326); reproject the boundary to one of them"
        )));
    };
    let shapes = shapefile::ShapeReader::new(Cursor::new(read(&shp)?))
        .and_then(|r| r.read())
        .map_err(|e| bad(format!("{shp} is not a readable shapefile: {e}")))?;
    let dbf_name = names
        .iter()
        .find(|n| {
            n.len() == stem.len() + 4
                && n.starts_with(stem)
                && n.to_ascii_lowercase().ends_with(".dbf")
        })
        .cloned();
    let labels = match dbf_name {
        Some(name) => record_names(&read(&name)?, &name)?,
        None => Vec::new(),
    };
    let mut parts = Vec::new();
    let mut count = 0;
    for (i, shape) in shapes.into_iter().enumerate() {
        let converted = match shape {
            shapefile::Shape::Polygon(p) => MultiPolygon::<f64>::try_from(p),
            shapefile::Shape::PolygonZ(p) => MultiPolygon::<f64>::try_from(p),
            shapefile::Shape::PolygonM(p) => MultiPolygon::<f64>::try_from(p),
            shapefile::Shape::NullShape => continue,
            other => {
                return Err(bad(format!(
                    "record {} of {shp} is a {}, not a polygon",
                    i + 1,
                    other.shapetype()
                )))
            }
        };
        let mut mp = converted.map_err(|e| bad(format!("record {} of {shp}: {e}", i + 1)))?;
        count += mp.coords_count();
        if count > max_vertices {
            return Err(QueryError::TooManyVertices {
                count,
                max: max_vertices,
            });
        }
        if wgs84 {
            mp = mp.map_coords(|c| {
                let (x, y) = wgs84_to_bng(c.x, c.y);
                geo::coord! { x: x, y: y }
            });
        }
        parts.push(Part {
            name: labels.get(i).cloned().flatten(),
            what: format!("record {} of {shp}", i + 1),
            polygon: mp,
        });
    }
    if parts.is_empty() {
        return Err(bad(format!("{shp} holds no polygon")));
    }
    Ok(parts)
}

/// Each record's name from a .dbf: the text of the first field whose name ends in NAME or NM
/// (NAME, or LAD22NM as ONS names them); none when the table has no such field.
fn record_names(dbf: &[u8], file: &str) -> Result<Vec<Option<String>>, QueryError> {
    let mut reader = shapefile::dbase::Reader::new(Cursor::new(dbf))
        .map_err(|e| bad(format!("{file} is not a readable dBase table: {e}")))?;
    let field = reader
        .fields()
        .iter()
        .map(|f| f.name().to_string())
        .find(|n| {
            let u = n.to_ascii_uppercase();
            u.ends_with("NAME") || u.ends_with("NM")
        });
    let Some(field) = field else {
        return Ok(Vec::new());
    };
    let records = reader
        .read()
        .map_err(|e| bad(format!("{file} is not a readable dBase table: {e}")))?;
    Ok(records
        .iter()
        .map(|r| match r.get(&field) {
            Some(shapefile::dbase::FieldValue::Character(Some(s))) if !s.trim().is_empty() => {
                Some(s.trim().to_string())
            }
            Some(shapefile::dbase::FieldValue::Memo(s)) if !s.trim().is_empty() => {
                Some(s.trim().to_string())
            }
            _ => None,
        })
        .collect())
}

/// True for a geographic WGS84 .prj (as ESRI and GDAL write it).
fn is_wgs84(wkt: &str) -> bool {
    let w = wkt.to_ascii_uppercase();
    w.trim_start().starts_with("GEOGCS") && (w.contains("WGS_1984") || w.contains("WGS 84"))
}
