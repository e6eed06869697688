//! ESRI shapefile areas: the .prj must be British National Grid (recognised from its WKT,
//! since the official files carry no EPSG code); rings become geo polygons with their holes.
//!
//! Failure modes: an unknown or missing CRS, a missing attribute, a record without a polygon
//! or without a code: each a [`LoadError`] naming the file and record. Invalid rings are
//! returned as they are; [`super::repair`] mends them.

use super::LoadError;
use crate::geom::crs::wkt_is_british_national_grid;
use crate::layer::Area;
use crate::manifest::LayerSpec;
use geo::{Contains, Coord, LineString, MultiPolygon, Point, Polygon};
use shapefile::dbase::{FieldValue, Record};
use shapefile::{PolygonRing, Shape};
use std::path::Path;

/// Reads every record of a polygon shapefile as an [`Area`] in EPSG:27700.
pub fn read_areas(path: &Path, spec: &LayerSpec) -> Result<Vec<Area>, LoadError> {
    let shown = path.display().to_string();
    check_crs(path, spec)?;
    let mut reader = shapefile::Reader::from_path(path).map_err(|e| LoadError::Unreadable {
        path: shown.clone(),
        message: e.to_string(),
    })?;
    let mut areas = Vec::new();
    for (i, item) in reader.iter_shapes_and_records().enumerate() {
        let record_no = i + 1;
        let err = |message: String| LoadError::Record {
            path: shown.clone(),
            record: record_no,
            message,
        };
        let (shape, record) = item.map_err(|e| err(e.to_string()))?;
        let code = text_field(&record, &spec.code_field).map_err(&err)?;
        if code.is_empty() {
            return Err(err(format!(
                "field {} (the area code) is empty",
                spec.code_field
            )));
        }
        let name = text_field(&record, &spec.name_field).map_err(&err)?;
        let borough = match &spec.borough_field {
            Some(f) => Some(text_field(&record, f).map_err(&err)?),
            None => None,
        };
        let geometry = match shape {
            Shape::Polygon(p) => rings_to_multipolygon(p.into_inner()),
            Shape::PolygonZ(p) => rings_to_multipolygon(
                p.into_inner()
                    .into_iter()
                    .map(|r| map_ring(r, |q| (q.x, q.y)))
                    .collect(),
            ),
            Shape::PolygonM(p) => rings_to_multipolygon(
                p.into_inner()
                    .into_iter()
                    .map(|r| map_ring(r, |q| (q.x, q.y)))
                    .collect(),
            ),
            other => {
                return Err(err(format!(
                    "{code} is a {}, not a polygon",
                    other.shapetype()
                )))
            }
        };
        if geometry.0.is_empty() {
            return Err(err(format!("{code} has no polygon rings")));
        }
        let mut area = Area::new(code, name, borough, geometry);
        for (out, field) in &spec.keep {
            area.properties
                .insert(out.clone(), text_field(&record, field).map_err(&err)?);
        }
        areas.push(area);
    }
    Ok(areas)
}

fn check_crs(path: &Path, spec: &LayerSpec) -> Result<(), LoadError> {
    let shown = path.display().to_string();
    let declared = spec.crs.as_deref();
    if let Some(crs) = declared {
        if crs.eq_ignore_ascii_case("EPSG:27700") {
            return Ok(());
        }
        return Err(LoadError::Invalid {
            path: shown,
            message: format!("the manifest declares CRS {crs}; shapefiles must be in British National Grid (EPSG:27700): reproject with `ogr2ogr -t_srs EPSG:27700`"),
        });
    }
    let prj = path.with_extension("prj");
    let wkt = std::fs::read_to_string(&prj).map_err(|_| LoadError::Invalid {
        path: shown.clone(),
        message: format!("has no readable {} so its coordinate reference system is unknown; if it is British National Grid, set crs = \"EPSG:27700\" on the layer in the manifest", prj.display()),
    })?;
    if wkt_is_british_national_grid(&wkt) {
        Ok(())
    } else {
        let head: String = wkt.chars().take(80).collect();
        Err(LoadError::Invalid {
            path: shown,
            message: format!("its .prj describes an unsupported coordinate reference system ({head}...); London Atlas reads shapefiles in British National Grid (EPSG:27700): reproject with `ogr2ogr -t_srs EPSG:27700`"),
        })
    }
}

fn map_ring<P>(
    ring: PolygonRing<P>,
    f: impl Fn(&P) -> (f64, f64),
) -> PolygonRing<shapefile::Point> {
    let conv = |pts: Vec<P>| {
        pts.iter()
            .map(&f)
            .map(|(x, y)| shapefile::Point { x, y })
            .collect()
    };
    match ring {
        PolygonRing::Outer(p) => PolygonRing::Outer(conv(p)),
        PolygonRing::Inner(p) => PolygonRing::Inner(conv(p)),
    }
}

/// Builds polygons from shapefile rings: each outer ring starts a polygon, each inner ring is
/// a hole of the outer ring that contains it (or of the first outer, if none does, as in
/// damaged files; repair sorts that out).
fn rings_to_multipolygon(rings: Vec<PolygonRing<shapefile::Point>>) -> MultiPolygon<f64> {
    let to_ls = |pts: &[shapefile::Point]| {
        LineString::new(pts.iter().map(|p| Coord { x: p.x, y: p.y }).collect())
    };
    let mut outers: Vec<Polygon<f64>> = Vec::new();
    let mut inners: Vec<LineString<f64>> = Vec::new();
    for ring in &rings {
        match ring {
            PolygonRing::Outer(p) => outers.push(Polygon::new(to_ls(p), vec![])),
            PolygonRing::Inner(p) => inners.push(to_ls(p)),
        }
    }
    if outers.is_empty() {
        // Only counter-clockwise rings: treat them as outers rather than lose the area.
        return MultiPolygon::new(
            inners
                .into_iter()
                .map(|r| Polygon::new(r, vec![]))
                .collect(),
        );
    }
    for hole in inners {
        let probe = hole.0.first().map(|c| Point::from(*c));
        let owner = probe
            .and_then(|p| outers.iter().position(|o| o.contains(&p)))
            .unwrap_or(0);
        outers[owner].interiors_push(hole);
    }
    MultiPolygon::new(outers)
}

/// A DBF attribute as text; numbers lose a trailing ".0".
fn text_field(record: &Record, field: &str) -> Result<String, String> {
    match record.get(field) {
        None => Err(format!("has no field {field}")),
        Some(FieldValue::Character(s)) => Ok(s.as_deref().unwrap_or("").trim().to_string()),
        Some(FieldValue::Memo(s)) => Ok(s.trim().to_string()),
        Some(FieldValue::Numeric(Some(n)))
        | Some(FieldValue::Double(n))
        | Some(FieldValue::Currency(n)) => Ok(number_text(*n)),
        Some(FieldValue::Float(Some(n))) => Ok(number_text(f64::from(*n))),
        Some(FieldValue::Integer(n)) => Ok(n.to_string()),
        Some(FieldValue::Numeric(None)) | Some(FieldValue::Float(None)) => Ok(String::new()),
        Some(other) => Ok(format!("{other}")),
    }
}

fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}
