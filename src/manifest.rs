//! The data manifest: which files make the atlas, where each comes from (official URL,
//! licence, attribution, checksum), which layers are built from them and which indicators
//! are joined to which layer. The default manifest is `boundaries/london.toml`, compiled in.
//!
//! [`Manifest::parse`] is the only way to get a [`Manifest`]: it parses and cross-checks, and
//! its fields are private, so a `Manifest` in hand has been checked (every file a layer or
//! table reads is listed, every layer and source an indicator names exists, ids are unique).
//! The words of the domain (what an indicator means) are [`Definition`]s from
//! [`crate::indicator`], parsed in place, not copied.
//!
//! Failure modes: [`ManifestError`] for TOML that does not parse, an unknown key, or
//! references to things it does not define.

use crate::indicator::{Aggregation, Definition};
use serde::Deserialize;
use std::collections::HashSet;
use std::path::Path;

/// The manifest shipped with London Atlas.
pub const LONDON_TOML: &str = include_str!("../boundaries/london.toml");

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("cannot read manifest {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("manifest {path} is not valid: {message}")]
    Parse { path: String, message: String },
    #[error("manifest {path}: {message}")]
    Inconsistent { path: String, message: String },
}

/// A checked manifest (see the module documentation).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    name: String,
    /// Attribution lines every map must show.
    #[serde(default)]
    attribution: Vec<String>,
    /// The indicator that counts residents: the `population` of polygon summaries.
    population: Option<String>,
    /// The layer whose areas are the boroughs (their names; outlines on maps).
    boroughs: Option<String>,
    #[serde(rename = "source", default)]
    sources: Vec<Source>,
    #[serde(rename = "layer", default)]
    layers: Vec<LayerSpec>,
    #[serde(rename = "indicator", default)]
    indicators: Vec<IndicatorSpec>,
}

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
    pub keep: std::collections::BTreeMap<String, String>,
    /// Which of the kept attributes vector tiles carry too (e.g. a school's phase).
    #[serde(default)]
    pub tile_properties: Vec<String>,
    /// The CRS of a shapefile without a recognisable .prj ("EPSG:27700" is the only one known).
    pub crs: Option<String>,
    /// The lowest zoom at which this layer is drawn in tiles.
    pub minzoom: Option<u8>,
}

/// One indicator: its definition, its source and how its values reach each layer.
#[derive(Debug, Clone, Deserialize)]
pub struct IndicatorSpec {
    pub id: String,
    /// Id of a [`Source`].
    pub source: String,
    #[serde(rename = "table", default)]
    pub tables: Vec<TableSpec>,
    #[serde(rename = "derive", default)]
    pub derives: Vec<DeriveSpec>,
    #[serde(flatten)]
    pub definition: Definition,
    /// Keys nothing above reads (a typo): refused by the check.
    #[serde(flatten)]
    unknown: std::collections::BTreeMap<String, toml::Value>,
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
    pub filter: std::collections::BTreeMap<String, String>,
    /// A row that is a comparator, not an area (e.g. England, E92000001): its value becomes
    /// the indicator's reference figure instead of an unmatched code.
    pub reference: Option<Reference>,
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
}

/// An indicator computed for one layer from another layer's values.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeriveSpec {
    pub layer: String,
    pub from: String,
    pub by: DeriveBy,
}

impl Manifest {
    /// The compiled-in London manifest.
    pub fn london() -> Result<Manifest, ManifestError> {
        Manifest::parse(LONDON_TOML, "boundaries/london.toml")
    }

    /// Reads a manifest file.
    pub fn from_path(path: &Path) -> Result<Manifest, ManifestError> {
        let text = std::fs::read_to_string(path).map_err(|source| ManifestError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Manifest::parse(&text, &path.display().to_string())
    }

    /// Parses and cross-checks a manifest; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Manifest, ManifestError> {
        let manifest: Manifest = toml::from_str(text).map_err(|e| ManifestError::Parse {
            path: origin.to_string(),
            message: e.to_string(),
        })?;
        manifest
            .check()
            .map_err(|message| ManifestError::Inconsistent {
                path: origin.to_string(),
                message,
            })?;
        Ok(manifest)
    }

    /// The atlas's name (e.g. "London").
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Attribution lines every map must show.
    pub fn attribution(&self) -> &[String] {
        &self.attribution
    }

    /// The indicator that counts residents, if the manifest names one.
    pub fn population(&self) -> Option<&str> {
        self.population.as_deref()
    }

    /// The layer whose areas are the boroughs, if the manifest names one.
    pub fn boroughs(&self) -> Option<&str> {
        self.boroughs.as_deref()
    }

    pub fn sources(&self) -> &[Source] {
        &self.sources
    }

    pub fn layers(&self) -> &[LayerSpec] {
        &self.layers
    }

    pub fn indicators(&self) -> &[IndicatorSpec] {
        &self.indicators
    }

    /// The source that lists `path`, if any.
    pub fn source_of(&self, path: &str) -> Option<&Source> {
        self.sources
            .iter()
            .find(|s| s.files.iter().any(|f| f.path == path))
    }

    pub fn file(&self, path: &str) -> Option<&FileSpec> {
        self.sources
            .iter()
            .flat_map(|s| &s.files)
            .find(|f| f.path == path)
    }

    pub fn source(&self, id: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.id == id)
    }

    fn check(&self) -> Result<(), String> {
        let mut files = HashSet::new();
        for f in self.sources.iter().flat_map(|s| &s.files) {
            if !files.insert(f.path.as_str()) {
                return Err(format!("file {} is listed twice", f.path));
            }
        }
        let mut layers = HashSet::new();
        for l in &self.layers {
            if !layers.insert(l.id.as_str()) {
                return Err(format!("layer {} is defined twice", l.id));
            }
            if !files.contains(l.file.as_str()) {
                return Err(format!(
                    "layer {} reads {}, which no [[source]] lists",
                    l.id, l.file
                ));
            }
        }
        for l in &self.layers {
            if let Some(p) = l.tile_properties.iter().find(|p| !l.keep.contains_key(*p)) {
                return Err(format!(
                    "layer {} puts {p} in tiles but does not keep it (add it to [layer.keep])",
                    l.id
                ));
            }
        }
        let mut indicators = HashSet::new();
        for i in &self.indicators {
            if !indicators.insert(i.id.as_str()) {
                return Err(format!("indicator {} is defined twice", i.id));
            }
            if let Some(key) = i.unknown.keys().next() {
                return Err(format!("indicator {} has an unknown key \"{key}\"", i.id));
            }
            if self.source(&i.source).is_none() {
                return Err(format!(
                    "indicator {} names unknown source {}",
                    i.id, i.source
                ));
            }
            for t in &i.tables {
                if !layers.contains(t.layer.as_str()) {
                    return Err(format!(
                        "indicator {} joins to unknown layer {}",
                        i.id, t.layer
                    ));
                }
                if !files.contains(t.file.as_str()) {
                    return Err(format!(
                        "indicator {} reads {}, which no [[source]] lists",
                        i.id, t.file
                    ));
                }
            }
            for d in &i.derives {
                for l in [&d.layer, &d.from] {
                    if !layers.contains(l.as_str()) {
                        return Err(format!(
                            "indicator {} derives with unknown layer {}",
                            i.id, l
                        ));
                    }
                }
                if i.definition.aggregation == Aggregation::None {
                    return Err(format!(
                        "indicator {} has aggregation none and cannot be derived",
                        i.id
                    ));
                }
            }
        }
        let named = |what: &str, id: Option<&str>, known: &HashSet<&str>| match id {
            Some(id) if !known.contains(id) => Err(format!("{what} names unknown {id}")),
            _ => Ok(()),
        };
        named("population", self.population(), &indicators)?;
        named("boroughs", self.boroughs(), &layers)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_london_manifest_parses_and_is_consistent() {
        let m = Manifest::london().expect("london manifest");
        let ids: Vec<_> = m.layers().iter().map(|l| l.id.as_str()).collect();
        assert_eq!(ids, ["boroughs", "lsoa11", "lsoa21", "superzones"]);
        for id in [
            "imd2019_score",
            "imd2019_decile",
            "imd2025_score",
            "imd2025_decile",
        ] {
            assert!(m.indicators().iter().any(|i| i.id == id), "{id}");
        }
        assert_eq!(m.population(), Some("population_2019"));
        assert_eq!(m.boroughs(), Some("boroughs"));
        for s in m.sources() {
            assert!(
                s.url.starts_with("https://"),
                "{} has no official URL",
                s.id
            );
        }
    }

    #[test]
    fn a_layer_reading_an_unlisted_file_is_refused() {
        let text = r#"
name = "t"
[[layer]]
id = "a"
title = "A"
format = "shapefile"
file = "nowhere.shp"
code_field = "C"
name_field = "N"
"#;
        let err = Manifest::parse(text, "t.toml").expect_err("must fail");
        assert!(err.to_string().contains("nowhere.shp"), "{err}");
    }

    #[test]
    fn a_misspelt_indicator_key_is_refused_by_name() {
        let text = r#"
name = "t"
[[source]]
id = "s"
title = "S"
publisher = "P"
url = "https://example.org"
licence = "OGL"
attribution = "A"
[[indicator]]
id = "x"
source = "s"
title = "X"
unit = "u"
year = 2020
polarity = "neutral"
aggregation = "sum"
threshhold = 4
"#;
        let err = Manifest::parse(text, "t.toml").expect_err("must fail");
        assert!(
            err.to_string().contains("unknown key \"threshhold\""),
            "{err}"
        );
    }
}
