//! A boundary uploaded as a zipped ESRI shapefile (`POST /api/query` with a zip body): the
//! .shp's polygon records (all of them, as one MultiPolygon) in British National Grid or WGS84
//! as its .prj says, moved into British National Grid and checked like a drawn polygon
//! ([`super::polygon::check_polygon`]), so the answer is the GeoJSON body's.
//!
//! Failure modes: each a [`QueryError::BadGeometry`] sentence: not a zip, no .shp, no or an
//! unknown .prj, a shape that is not a polygon, no polygon at all, or the polygon checks.

use super::polygon::check_polygon;
use super::QueryError;
use crate::geom::crs::{wgs84_to_bng, wkt_is_british_national_grid};
use geo::{MapCoords, MultiPolygon};
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

/// Reads the one .shp (and its .prj) of a zip: its polygons in British National Grid,
/// checked for validity and at most `max_vertices` positions.
pub fn parse_zipped_shapefile(
    body: &[u8],
    max_vertices: usize,
) -> Result<MultiPolygon<f64>, QueryError> {
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
    let mut polygons = Vec::new();
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
        let mp = converted.map_err(|e| bad(format!("record {} of {shp}: {e}", i + 1)))?;
        polygons.extend(mp.0);
    }
    if polygons.is_empty() {
        return Err(bad(format!("{shp} holds no polygon")));
    }
    let count: usize = polygons
        .iter()
        .map(|p| p.exterior().0.len() + p.interiors().iter().map(|r| r.0.len()).sum::<usize>())
        .sum();
    if count > max_vertices {
        return Err(QueryError::TooManyVertices {
            count,
            max: max_vertices,
        });
    }
    let mut mp = MultiPolygon(polygons);
    if wgs84 {
        mp = mp.map_coords(|c| {
            let (x, y) = wgs84_to_bng(c.x, c.y);
            geo::coord! { x: x, y: y }
        });
    }
    check_polygon(mp)
}

/// True for a geographic WGS84 .prj (as ESRI and GDAL write it).
fn is_wgs84(wkt: &str) -> bool {
    let w = wkt.to_ascii_uppercase();
    w.trim_start().starts_with("GEOGCS") && (w.contains("WGS_1984") || w.contains("WGS 84"))
}
