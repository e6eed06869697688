//! The manifest's parts as written in TOML: sources and their files, layers, indicators and
//! their tables and derivations, series, priorities and headlines.

use crate::indicator::Definition;
use serde::Deserialize;
use std::collections::BTreeMap;

/// One published dataset and the files of it that the atlas reads.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub id: String,
    pub title: String,
    pub publisher: String,
    /// Where a user downloads the official data.
    pub url: String,
    /// Where the exact copy read here was taken from, when not from `url` itself.
    pub via: Option<String>,
    pub licence: String,
    pub attribution: String,
    #[serde(rename = "file", default)]
    pub files: Vec<FileSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSpec {
    /// Path relative to the data folder.
    pub path: String,
    /// Lower-case hex SHA-256 of the file as published (optional for user data).
    pub sha256: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// ESRI shapefile; the CRS is read from the .prj (British National Grid only).
    Shapefile,
    /// GeoJSON FeatureCollection in WGS84 (RFC 7946).
    Geojson,
    /// School points (GIAS CSV with Easting/Northing) buffered into School Superzones.
    Superzones,
    /// Areas of an earlier layer (`from`) merged into groups named by a lookup table (`file`:
    /// `member_field` -> `code_field`, `name_field`), e.g. boroughs into care systems.
    Dissolve,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerSpec {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub format: Format,
    pub file: String,
    /// Attribute holding the area code (shapefile/GeoJSON), or the school URN column.
    pub code_field: String,
    pub name_field: String,
    /// Attribute holding the borough (LAD) code of the area.
    pub borough_field: Option<String>,
    /// Superzones: the radius around each school, metres.
    pub radius_m: Option<f64>,
    /// Superzones: vertices used to draw each circle.
    pub segments: Option<usize>,
    /// Extra text attributes to keep (shown in profiles): output name -> field.
    #[serde(default)]
    pub keep: BTreeMap<String, String>,
    /// Which of the kept attributes vector tiles carry too (e.g. a school's phase).
    #[serde(default)]
    pub tile_properties: Vec<String>,
    /// The CRS of a shapefile without a recognisable .prj ("EPSG:27700" is the only one known).
    pub crs: Option<String>,
    /// The lowest zoom at which this layer is drawn in tiles.
    pub minzoom: Option<u8>,
    /// Dissolve: the layer whose areas are merged.
    pub from: Option<String>,
    /// Dissolve: the lookup column holding the code of each merged area.
    pub member_field: Option<String>,
}

/// One indicator: its definition, its source and how its values reach each layer.
#[derive(Debug, Clone, Deserialize)]
pub struct IndicatorSpec {
    pub id: String,
    /// Id of a [`Source`].
    pub source: String,
    /// Id of the [`PrioritySpec`] it measures.
    pub priority: String,
    /// Computed on each of its layers from two other indicators.
    pub ratio: Option<RatioSpec>,
    /// The series it belongs to: set for the indicators a [`SeriesSpec`] declares, or named
    /// by a stand-alone indicator that is one period of a measure whose periods come from
    /// different files (e.g. `no2_2013_mean`, `no2_2016_mean` in series `no2_mean`).
    #[serde(default)]
    pub series: Option<String>,
    #[serde(rename = "table", default)]
    pub tables: Vec<TableSpec>,
    #[serde(rename = "derive", default)]
    pub derives: Vec<DeriveSpec>,
    #[serde(flatten)]
    pub definition: Definition,
    /// Keys nothing above reads (a typo): refused by the check.
    #[serde(flatten)]
    pub(super) unknown: BTreeMap<String, toml::Value>,
}

/// A CSV column joined by area code onto a layer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableSpec {
    pub layer: String,
    pub file: String,
    pub key: String,
    pub column: String,
    /// For long ("tidy") tables: keep only the rows whose columns have these values.
    #[serde(default)]
    pub filter: BTreeMap<String, String>,
    /// A row that is a comparator, not an area (e.g. England, E92000001): its value becomes
    /// the indicator's reference figure instead of an unmatched code.
    pub reference: Option<Reference>,
    /// A column saying how each area compares with the reference as the publisher judged
    /// it ("Better", "Similar", "Worse", "Not compared").
    pub compare: Option<String>,
    /// Columns holding each value's 95 % confidence interval (lower, upper).
    pub lower: Option<String>,
    pub upper: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeriveBy {
    /// Group the `from` areas by their borough code onto the target layer's codes.
    Borough,
    /// Weight the `from` areas by the area they share with each target area.
    Overlap,
    /// The `from` areas each target area was dissolved from (its members).
    Members,
    /// Each `from` area counted wholly in the target area holding its interior point (the
    /// "best fit" ONS uses for LSOAs in wards), for layers that nearly nest.
    #[serde(rename = "best-fit")]
    BestFit,
}

/// An indicator computed for one layer from another layer's values.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeriveSpec {
    pub layer: String,
    pub from: String,
    pub by: DeriveBy,
}

/// An indicator computed as `numerator / denominator × per` on each of `layers` (a ratio of
/// that layer's own totals, e.g. offences per 1,000 residents).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatioSpec {
    pub numerator: String,
    pub denominator: String,
    #[serde(default = "one")]
    pub per: f64,
    pub layers: Vec<String>,
}

fn one() -> f64 {
    1.0
}

/// One of the Vision's priorities (or a group of context indicators).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrioritySpec {
    pub id: String,
    /// 1-10 for the Vision's priorities; none for the extra groups.
    pub number: Option<u8>,
    pub title: String,
    /// The measures the Vision tracks for it, in its words.
    #[serde(default)]
    pub measures: Vec<String>,
    /// What the data does and does not cover (e.g. why a priority has no indicator).
    #[serde(default)]
    pub note: String,
}

/// Indicators that differ only by period, declared once: each period becomes an indicator
/// `<id>_<first year of the period>` whose table is `table` with `{period}` replaced.
#[derive(Debug, Clone, Deserialize)]
pub struct SeriesSpec {
    pub id: String,
    pub source: String,
    pub priority: String,
    /// The periods as published (e.g. "2017/18", "2016-18", "2019", "2022-07"), as the table
    /// names them.
    pub periods: Vec<String>,
    /// How people read each period, when the table's form is not that ("2019-01-01/P5Y" ->
    /// "2019-23"); one per period.
    #[serde(default)]
    pub labels: Vec<String>,
    /// `column` and `filter` values may hold `{period}`.
    pub table: TableSpec,
    #[serde(rename = "derive", default)]
    pub derives: Vec<DeriveSpec>,
    /// Title, unit, polarity ... shared by every period (no `year` or `period`).
    #[serde(flatten)]
    pub definition: Definition,
    #[serde(flatten)]
    pub(super) unknown: BTreeMap<String, toml::Value>,
}

/// A figure the Vision states that the data can reproduce.
#[derive(Debug, Clone, Deserialize)]
pub struct HeadlineSpec {
    pub id: String,
    /// The Vision's words.
    pub vision: String,
    #[serde(flatten)]
    pub figure: HeadlineFigure,
}

/// How a headline's figures are computed.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum HeadlineFigure {
    /// Totals of count indicators over the areas of `layer` that pass a rule.
    Select {
        layer: String,
        #[serde(rename = "where")]
        rule: String,
        totals: Vec<String>,
    },
    /// The London figures of indicators.
    London { indicators: Vec<String> },
    /// How the London figure changed from one indicator (period) to another.
    Change { from: String, to: String },
}

/// Where postcodes are looked up: OS Code-Point Open units and derived district and sector
/// centroids (files some `[[source]]` lists).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostcodeSpec {
    pub units: String,
    pub districts: String,
    pub sectors: String,
}

/// The basemap and place search: populated places, stations, water and label glyphs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextSpec {
    /// OS Open Names populated places (CSV with NAME1, LOCAL_TYPE, lon, lat and scale hints).
    pub places: String,
    /// National Rail stations (CSV: stationName, crsCode, lat, long).
    pub rail_stations: String,
    /// TfL stations (CSV: naptan_id, name, lat, lon, modes, is_hub, in_london).
    pub tfl_stations: String,
    /// Water polygons (GeoJSON, WGS84).
    pub water: String,
    /// Folder of MapLibre glyph PBFs: `{folder}/{fontstack}/{start}-{end}.pbf`.
    pub glyphs: String,
    /// Layers whose outlines the `context` tileset carries, each from a zoom.
    #[serde(default, rename = "outline")]
    pub outlines: Vec<OutlineSpec>,
}

/// A layer drawn as outlines in the basemap.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutlineSpec {
    pub layer: String,
    #[serde(default)]
    pub minzoom: u8,
}
