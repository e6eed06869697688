//! One layer as a table for whole-layer downloads: every area (code, name, borough) with every
//! indicator the layer carries as a typed field, its original (repaired) geometry in British
//! National Grid or moved to WGS84, and where each indicator's values come from.
//!
//! Field types: an indicator is an integer field when the manifest says its values are counts
//! (`aggregation = "sum"`) or categories such as deciles (`aggregation = "none"`) *and* every
//! value this layer carries is whole (a count apportioned to another geography is not, and
//! stays real); everything else is real. Codes and names are text.
//!
//! Failure modes: none here; an unknown layer is the caller's [`super::download`] error.

use crate::atlas::Atlas;
use crate::geom::crs::bng_to_wgs84;
use crate::indicator::Indicator;
use crate::layer::Layer;
use geo::{MapCoords, MultiPolygon};
use serde::Serialize;

/// The coordinate reference system a download is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Crs {
    /// EPSG:27700, the boundaries as published (metres).
    BritishNationalGrid,
    /// EPSG:4326, longitude/latitude degrees (moved with [`crate::geom::crs`]).
    Wgs84,
}

impl Crs {
    /// `27700`, `4326` or their `EPSG:` forms.
    pub fn parse(text: &str) -> Option<Crs> {
        let t = text.trim().to_ascii_uppercase();
        match t.strip_prefix("EPSG:").unwrap_or(&t) {
            "27700" => Some(Crs::BritishNationalGrid),
            "4326" => Some(Crs::Wgs84),
            _ => None,
        }
    }

    pub fn epsg(self) -> i32 {
        match self {
            Crs::BritishNationalGrid => 27700,
            Crs::Wgs84 => 4326,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Crs::BritishNationalGrid => "OSGB 1936 / British National Grid",
            Crs::Wgs84 => "WGS 84",
        }
    }

    /// The OGC WKT (version 1) definition, as the EPSG registry gives it.
    pub fn wkt(self) -> &'static str {
        match self {
            Crs::BritishNationalGrid => BNG_WKT,
            Crs::Wgs84 => WGS84_WKT,
        }
    }

    /// Decimal places worth writing in text formats (a millimetre; about 0.1 m in degrees).
    pub fn decimals(self) -> i32 {
        match self {
            Crs::BritishNationalGrid => 3,
            Crs::Wgs84 => 6,
        }
    }
}

const BNG_WKT: &str = r#"PROJCS["OSGB 1936 / British National Grid",GEOGCS["OSGB 1936",DATUM["OSGB_1936",SPHEROID["Airy 1830",6377563.396,299.3249646,AUTHORITY["EPSG","7001"]],TOWGS84[446.448,-125.157,542.06,0.15,0.247,0.842,-20.489],AUTHORITY["EPSG","6277"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4277"]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",49],PARAMETER["central_meridian",-2],PARAMETER["scale_factor",0.9996012717],PARAMETER["false_easting",400000],PARAMETER["false_northing",-100000],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AXIS["Easting",EAST],AXIS["Northing",NORTH],AUTHORITY["EPSG","27700"]]"#;

const WGS84_WKT: &str = r#"GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]"#;

/// How a field is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    Integer,
    Real,
}

/// One indicator column of the table with what it means and where it comes from.
#[derive(Debug, Clone, Serialize)]
pub struct Field<'a> {
    pub id: &'a str,
    pub kind: FieldKind,
    pub title: &'a str,
    pub unit: &'a str,
    pub period: String,
    /// How this layer's values were obtained (as published, summed, weighted ...).
    pub method: String,
    pub source: &'a str,
    pub source_title: &'a str,
    pub publisher: &'a str,
    pub licence: &'a str,
    pub attribution: &'a str,
    pub url: &'a str,
}

/// A whole layer, ready for any writer in [`crate::formats`].
#[derive(Debug)]
pub struct LayerTable<'a> {
    pub layer: &'a Layer,
    pub crs: Crs,
    pub fields: Vec<Field<'a>>,
    /// The atlas's attribution lines (boundaries and data).
    pub attribution: &'a [String],
    /// When the data last changed (the atlas's `data_modified`).
    pub modified: Option<std::time::SystemTime>,
}

impl LayerTable<'_> {
    /// When the data last changed, as GeoPackage writes times (ISO 8601 UTC, milliseconds);
    /// the epoch when unknown. Never the time of writing, so the same data gives the same file.
    pub fn modified_iso(&self) -> String {
        let t = self.modified.unwrap_or(std::time::UNIX_EPOCH);
        humantime::format_rfc3339_millis(t).to_string()
    }
}

/// The text columns every table starts with (code, name, borough code).
pub const TEXT_COLUMNS: [&str; 3] = ["code", "name", "borough"];

impl<'a> LayerTable<'a> {
    /// The table of `layer` with every indicator it carries, in the order the atlas lists them.
    pub fn new(atlas: &'a Atlas, layer: &'a Layer, crs: Crs) -> LayerTable<'a> {
        let fields = atlas
            .indicators
            .iter()
            .filter_map(|ind| {
                let column = layer.columns.get(&ind.id)?;
                Some(field(ind, &column.values, column.method.describe()))
            })
            .collect();
        LayerTable {
            layer,
            crs,
            fields,
            attribution: &atlas.attribution,
            modified: atlas.data_modified,
        }
    }

    /// The three text values of area `i`: code, name, borough code ("" when none).
    pub fn text(&self, i: usize) -> [&str; 3] {
        let a = &self.layer.areas[i];
        [&a.code, &a.name, a.borough.as_deref().unwrap_or("")]
    }

    /// The value of field `f` for area `i`.
    pub fn value(&self, i: usize, f: &Field) -> Option<f64> {
        self.layer.value(f.id, i)
    }

    /// Area `i`'s geometry in the table's CRS.
    pub fn geometry(&self, i: usize) -> MultiPolygon<f64> {
        let g = &self.layer.areas[i].geometry;
        match self.crs {
            Crs::BritishNationalGrid => g.clone(),
            Crs::Wgs84 => g.map_coords(|c| {
                let (x, y) = bng_to_wgs84(c.x, c.y);
                geo::coord! { x: x, y: y }
            }),
        }
    }

    /// Where the values come from, as one JSON document (for file metadata).
    pub fn provenance_json(&self) -> serde_json::Value {
        serde_json::json!({
            "layer": self.layer.id,
            "title": self.layer.title,
            "description": self.layer.description,
            "crs": format!("EPSG:{}", self.crs.epsg()),
            "areas": self.layer.areas.len(),
            "attribution": self.attribution,
            "fields": self.fields,
        })
    }

    /// One line naming the layer and its attribution (file descriptions).
    pub fn description(&self) -> String {
        format!(
            "{}: {} areas with {} indicators. {}",
            self.layer.title,
            self.layer.areas.len(),
            self.fields.len(),
            self.attribution.join(" ")
        )
    }
}

fn field<'a>(ind: &'a Indicator, values: &[Option<f64>], method: String) -> Field<'a> {
    let d = &ind.definition;
    let p = &ind.provenance;
    Field {
        id: &ind.id,
        kind: if ind.is_integer_on(values) {
            FieldKind::Integer
        } else {
            FieldKind::Real
        },
        title: &d.title,
        unit: &d.unit,
        period: d.period.clone().unwrap_or_else(|| d.year.to_string()),
        method,
        source: &p.source,
        source_title: &p.source_title,
        publisher: &p.publisher,
        licence: &p.licence,
        attribution: &p.attribution,
        url: &p.url,
    }
}
