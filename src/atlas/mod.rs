//! The Atlas: every layer with its areas, indexes and indicator columns, built once from a
//! checked [`Manifest`] and the data folder (see [`build`]), then shared read-only. Building
//! either succeeds whole or fails with an error naming the file and record: nothing
//! half-loaded is ever served.
//!
//! ```no_run
//! use london_atlas::{Atlas, Manifest, Options};
//! let manifest = Manifest::london()?;
//! let atlas = Atlas::load(&manifest, &Options::new("../shared/data"))?;
//! let hits = atlas.areas_at(-0.1276, 51.5007)?; // Parliament Square
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod build;
pub mod derive;
pub mod plausible;
pub mod repair;
pub mod report;

use crate::indicator::{Indicator, Series};
use crate::layer::Layer;
use crate::load::postcodes::Postcodes;
use crate::load::LoadError;
use crate::manifest::HeadlineSpec;
use crate::manifest::{Manifest, ManifestError};
use crate::priority::Priority;
use report::LoadReport;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum AtlasError {
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("layer {layer}: {source}")]
    Repair {
        layer: String,
        source: repair::RepairFailure,
    },
    #[error("layer {layer} ({path}): area code {code} appears more than once")]
    DuplicateCode {
        layer: String,
        path: String,
        code: String,
    },
}

/// How to build an atlas.
#[derive(Debug, Clone)]
pub struct Options {
    pub data_dir: PathBuf,
    /// Check every file's SHA-256 against the manifest.
    pub verify_checksums: bool,
}

impl Options {
    /// Read from `data_dir`, checking every file's checksum.
    pub fn new(data_dir: impl Into<PathBuf>) -> Options {
        Options {
            data_dir: data_dir.into(),
            verify_checksums: true,
        }
    }
}

#[derive(Debug)]
pub struct Atlas {
    pub name: String,
    pub attribution: Vec<String>,
    pub layers: Vec<Layer>,
    pub indicators: Vec<Indicator>,
    pub report: LoadReport,
    /// The indicator that counts residents (the manifest's `population`).
    pub population: Option<String>,
    /// Index of the layer whose areas are the boroughs (the manifest's `boroughs`).
    pub boroughs: Option<usize>,
    /// The Vision's priorities and the extra groups, with their indicators.
    pub priorities: Vec<Priority>,
    /// Indicators that differ only by period.
    pub series: Vec<Series>,
    /// The Vision's figures the data can reproduce (computed on request).
    pub headlines: Vec<HeadlineSpec>,
    /// Postcodes for search, when the manifest names them.
    pub postcodes: Option<Postcodes>,
    /// Places, stations, water and glyphs, when the manifest names them.
    pub context: Option<crate::context::Context>,
    /// When the newest data file last changed: `Last-Modified` of the answers, and the
    /// GeoPackage's `last_change` (so replicas of the same files answer the same bytes).
    pub data_modified: Option<std::time::SystemTime>,
    /// Every searchable name, keyed for matching (built on the first search).
    pub(crate) names: std::sync::OnceLock<Vec<crate::query::search::Name>>,
}

impl Atlas {
    /// Loads the atlas described by `manifest` from `options.data_dir`.
    pub fn load(manifest: &Manifest, options: &Options) -> Result<Atlas, AtlasError> {
        build::build(manifest, options)
    }

    pub fn layer(&self, id: &str) -> Option<&Layer> {
        self.layers.iter().find(|l| l.id == id)
    }

    pub fn layer_index(&self, id: &str) -> Option<usize> {
        self.layers.iter().position(|l| l.id == id)
    }

    pub fn indicator(&self, id: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.id == id)
    }

    pub fn series_by_id(&self, id: &str) -> Option<&Series> {
        self.series.iter().find(|s| s.id == id)
    }

    /// The boroughs layer, when the manifest names one.
    pub fn borough_layer(&self) -> Option<&Layer> {
        self.boroughs.map(|i| &self.layers[i])
    }

    /// The name of the borough an area belongs to, when known.
    pub fn borough_name_of(&self, area: &crate::layer::Area) -> Option<String> {
        area.borough
            .as_deref()
            .and_then(|b| self.borough_name(b))
            .map(str::to_string)
    }

    /// The name of a borough from its code, when the atlas has a boroughs layer.
    pub fn borough_name(&self, code: &str) -> Option<&str> {
        self.borough_layer()
            .and_then(|l| l.area(code))
            .map(|a| a.name.as_str())
    }
}
