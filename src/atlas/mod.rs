//! The Atlas: every layer with its areas, indexes and indicator columns, built once from the
//! manifest and the data folder, then shared read-only. Building it either succeeds whole or
//! fails with an error naming the file and record: nothing half-loaded is ever served.

pub mod derive;
pub mod repair;
pub mod report;

use crate::classes::{breaks_for, Classes, Palette};
use crate::geom::overlay::{layer_overlaps, Overlap};
use crate::indicator::Aggregation;
use crate::indicator::{Indicator, Method, ReferenceValue};
use crate::layer::{Area, Column, Layer};
use crate::load::superzones::SchoolReport;
use crate::load::{self, DataDir, LoadError};
use crate::manifest::{DeriveBy, Format, Manifest, ManifestError};
use repair::{repair_areas, Repair, RepairFailure};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, thiserror::Error)]
pub enum AtlasError {
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("layer {layer}: {source}")]
    Repair {
        layer: String,
        source: RepairFailure,
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

/// What loading found: counts, repairs, join gaps and the school list's make-up.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LoadReport {
    pub layers: Vec<LayerReport>,
    pub joins: Vec<JoinReport>,
    pub schools: Option<SchoolReport>,
    pub seconds: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct LayerReport {
    pub id: String,
    pub file: String,
    pub count: usize,
    pub repaired: Vec<Repair>,
}

/// One indicator table joined to one layer.
#[derive(Debug, Clone, Serialize)]
pub struct JoinReport {
    pub indicator: String,
    pub layer: String,
    pub file: String,
    pub rows: usize,
    pub matched: usize,
    /// Codes in the file that match no area of the layer.
    pub unmatched_codes: Vec<String>,
    /// Areas of the layer that got no value (no row, or a blank/suppressed value).
    pub areas_without_value: Vec<String>,
}

#[derive(Debug)]
pub struct Atlas {
    pub name: String,
    pub attribution: Vec<String>,
    pub layers: Vec<Layer>,
    pub indicators: Vec<Indicator>,
    pub report: LoadReport,
}

impl Atlas {
    /// Loads the atlas described by `manifest` from `options.data_dir`.
    pub fn load(manifest: &Manifest, options: &Options) -> Result<Atlas, AtlasError> {
        let started = Instant::now();
        let dir = DataDir::new(&options.data_dir, manifest, options.verify_checksums);
        let mut report = LoadReport::default();
        let mut layers = Vec::with_capacity(manifest.layers.len());
        for spec in &manifest.layers {
            let path = dir.open_with_siblings(&spec.file)?;
            let mut areas = match spec.format {
                Format::Shapefile => load::shapefile::read_areas(&path, spec)?,
                Format::Geojson => load::geojson::read_areas(&path, spec)?,
                Format::Superzones => {
                    let (areas, schools) = load::superzones::read_superzones(&path, spec)?;
                    report.schools = Some(schools);
                    areas
                }
            };
            check_unique(&areas, &spec.id, &path)?;
            let repaired = repair_areas(&mut areas).map_err(|source| AtlasError::Repair {
                layer: spec.id.clone(),
                source,
            })?;
            let mut layer = Layer::new(&spec.id, &spec.title, &spec.description, areas);
            layer.repaired = repaired.iter().map(|r| r.code.clone()).collect();
            layer.minzoom = spec.minzoom.unwrap_or(0);
            layer.overlapping = spec.format == Format::Superzones;
            report.layers.push(LayerReport {
                id: spec.id.clone(),
                file: spec.file.clone(),
                count: layer.areas.len(),
                repaired,
            });
            layers.push(layer);
        }
        let layer_at: HashMap<String, usize> = layers
            .iter()
            .enumerate()
            .map(|(i, l)| (l.id.clone(), i))
            .collect();

        // Published tables first, so every derivation can use any weight column.
        let mut references: HashMap<String, ReferenceValue> = HashMap::new();
        for ind in &manifest.indicators {
            for t in &ind.tables {
                let path = dir.open(&t.file)?;
                let rows = load::table::read_filtered_column(&path, &t.key, &t.column, &t.filter)?;
                if let Some(r) = &t.reference {
                    let value = rows
                        .iter()
                        .find(|row| row.code == r.code)
                        .and_then(|row| row.value);
                    let reference = ReferenceValue {
                        code: r.code.clone(),
                        name: r.name.clone(),
                        value,
                    };
                    references.insert(ind.id.clone(), reference);
                }
                let layer = &mut layers[layer_at[&t.layer]];
                let (column, join) = join(layer, &ind.id, t, &rows);
                layer.columns.insert(ind.id.clone(), column);
                report.joins.push(join);
            }
        }
        let mut overlap_cache: HashMap<(usize, usize), Vec<Vec<Overlap>>> = HashMap::new();
        for ind in &manifest.indicators {
            for d in &ind.derives {
                let (ti, fi) = (layer_at[&d.layer], layer_at[&d.from]);
                let column = match d.by {
                    DeriveBy::Borough => derive::by_borough(
                        &layers[fi],
                        &ind.id,
                        ind.aggregation,
                        ind.weight.as_deref(),
                        &layers[ti],
                    ),
                    DeriveBy::Overlap => {
                        let ov = overlap_cache
                            .entry((ti, fi))
                            .or_insert_with(|| layer_overlaps(&layers[ti], &layers[fi]));
                        derive::by_overlap(&layers[fi], &ind.id, ind.aggregation, ov)
                    }
                };
                if let Some(column) = column {
                    layers[ti].columns.insert(ind.id.clone(), column);
                }
            }
        }
        let indicators = manifest
            .indicators
            .iter()
            .map(|spec| {
                let palette = spec
                    .palette
                    .unwrap_or_else(|| Palette::for_polarity(spec.polarity));
                let classes = layers
                    .iter()
                    .filter_map(|l| {
                        let column = l.columns.get(&spec.id)?;
                        let breaks = breaks_for(
                            &spec.breaks,
                            spec.threshold,
                            spec.aggregation == Aggregation::Sum,
                            column.values.iter().flatten().copied(),
                        );
                        Some((
                            l.id.clone(),
                            Classes::from_breaks(breaks, palette, spec.polarity),
                        ))
                    })
                    .collect();
                let source = manifest.source(&spec.source);
                let base_layer = spec
                    .tables
                    .first()
                    .map(|t| t.layer.clone())
                    .unwrap_or_default();
                let london = layer_at.get(&base_layer).and_then(|&i| {
                    derive::layer_total(
                        &layers[i],
                        &spec.id,
                        spec.aggregation,
                        spec.weight.as_deref(),
                    )
                });
                let london_method = match (spec.aggregation, &spec.weight) {
                    (Aggregation::Sum, _) => format!("total of all {base_layer} areas"),
                    (Aggregation::Mean, Some(w)) => {
                        format!("mean of all {base_layer} areas weighted by {w}")
                    }
                    (Aggregation::Mean, None) => {
                        format!("mean of all {base_layer} areas weighted by area")
                    }
                    (Aggregation::None, _) => "not aggregated".to_string(),
                };
                Indicator {
                    id: spec.id.clone(),
                    title: spec.title.clone(),
                    unit: spec.unit.clone(),
                    year: spec.year,
                    description: spec.description.clone(),
                    polarity: spec.polarity,
                    aggregation: spec.aggregation,
                    threshold: spec.threshold,
                    breaks: spec.breaks.clone(),
                    layers: layers
                        .iter()
                        .filter(|l| l.columns.contains_key(&spec.id))
                        .map(|l| l.id.clone())
                        .collect(),
                    source: spec.source.clone(),
                    source_title: source.map(|s| s.title.clone()).unwrap_or_default(),
                    publisher: source.map(|s| s.publisher.clone()).unwrap_or_default(),
                    licence: source.map(|s| s.licence.clone()).unwrap_or_default(),
                    attribution: source.map(|s| s.attribution.clone()).unwrap_or_default(),
                    url: source.map(|s| s.url.clone()).unwrap_or_default(),
                    base_layer,
                    weight: spec.weight.clone(),
                    london,
                    london_method,
                    period: spec.period.clone(),
                    reference: references.get(&spec.id).cloned(),
                    classes,
                }
            })
            .collect();
        report.seconds = started.elapsed().as_secs_f64();
        Ok(Atlas {
            name: manifest.name.clone(),
            attribution: manifest.attribution.clone(),
            layers,
            indicators,
            report,
        })
    }

    pub fn layer(&self, id: &str) -> Option<&Layer> {
        self.layers.iter().find(|l| l.id == id)
    }

    pub fn indicator(&self, id: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.id == id)
    }

    /// The name of a borough from its code, when the atlas has a `boroughs` layer.
    pub fn borough_name(&self, code: &str) -> Option<&str> {
        self.layer("boroughs")
            .and_then(|l| l.area(code))
            .map(|a| a.name.as_str())
    }
}

fn check_unique(areas: &[Area], layer: &str, path: &std::path::Path) -> Result<(), AtlasError> {
    let mut seen = HashSet::new();
    for a in areas {
        if !seen.insert(a.code.as_str()) {
            return Err(AtlasError::DuplicateCode {
                layer: layer.to_string(),
                path: path.display().to_string(),
                code: a.code.clone(),
            });
        }
    }
    Ok(())
}

fn join(
    layer: &Layer,
    indicator: &str,
    t: &crate::manifest::TableSpec,
    rows: &[load::table::Row],
) -> (Column, JoinReport) {
    let mut values = vec![None; layer.areas.len()];
    let mut unmatched = Vec::new();
    let mut matched = 0;
    for row in rows {
        if t.reference.as_ref().is_some_and(|r| r.code == row.code) {
            continue;
        }
        match layer.area_index(&row.code) {
            Some(i) => {
                values[i] = row.value;
                matched += 1;
            }
            None => unmatched.push(row.code.clone()),
        }
    }
    let without: Vec<String> = values
        .iter()
        .zip(&layer.areas)
        .filter(|(v, _)| v.is_none())
        .map(|(_, a)| a.code.clone())
        .collect();
    let report = JoinReport {
        indicator: indicator.to_string(),
        layer: layer.id.clone(),
        file: t.file.clone(),
        rows: rows.len()
            - usize::from(
                t.reference
                    .as_ref()
                    .is_some_and(|r| rows.iter().any(|row| row.code == r.code)),
            ),
        matched,
        unmatched_codes: unmatched,
        areas_without_value: without,
    };
    (
        Column {
            values,
            method: Method::Published {
                file: t.file.clone(),
                column: t.column.clone(),
            },
        },
        report,
    )
}
