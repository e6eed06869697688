//! Building an [`Atlas`] in named steps: [`load_layers`] (read, check codes, repair,
//! index), [`join_tables`] (published columns joined by area code, with comparisons and
//! confidence intervals), [`derive_columns`] (columns aggregated from finer layers),
//! [`compute_ratios`] (rates from two columns of the same layer), [`describe_indicators`]
//! (definition, provenance, London figure and classes of each indicator) and
//! [`describe_priorities`] (the Vision's priorities and the series).
//!
//! Failure modes: any [`AtlasError`]; the first one stops the build.

use super::derive;
use super::repair::repair_areas;
use super::report::{JoinReport, LayerReport, LoadReport};
use super::{Atlas, AtlasError, Options};
use crate::aggregate::{Method, Scope};
use crate::classes::{breaks_for, Classes, Palette};
use crate::geom::overlay::{layer_overlaps, Overlap};
use crate::indicator::{
    Aggregation, Comparison, Indicator, Polarity, Provenance, ReferenceValue, Series,
};
use crate::layer::{Area, Column, Layer};
use crate::load::postcodes::Postcodes;
use crate::load::table::{Row, Table};
use crate::load::{self, DataDir};
use crate::manifest::{first_year, DeriveBy, Format, IndicatorSpec, Manifest, TableSpec};
use crate::priority::Priority;
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Instant;

/// Builds the atlas `manifest` describes from `options.data_dir`.
pub fn build(manifest: &Manifest, options: &Options) -> Result<Atlas, AtlasError> {
    let started = Instant::now();
    let dir = DataDir::new(&options.data_dir, manifest, options.verify_checksums);
    dir.check_present()?;
    let mut report = LoadReport::default();
    let mut layers = load_layers(manifest, &dir, &mut report)?;
    let references = join_tables(manifest, &dir, &mut layers, &mut report)?;
    derive_columns(manifest, &mut layers);
    compute_ratios(manifest, &mut layers);
    let indicators = describe_indicators(manifest, &layers, &references);
    let (priorities, series) = describe_priorities(manifest);
    let postcodes = load_postcodes(manifest, &dir)?;
    let boroughs_box = manifest
        .boroughs()
        .and_then(|id| layers.iter().find(|l| l.id == id))
        .and_then(|l| l.extent());
    let context = crate::context::load_context(manifest, &dir, boroughs_box)?;
    report.seconds = started.elapsed().as_secs_f64();
    let boroughs = manifest
        .boroughs()
        .and_then(|id| layers.iter().position(|l| l.id == id));
    Ok(Atlas {
        name: manifest.name().to_string(),
        attribution: manifest.attribution().to_vec(),
        layers,
        indicators,
        report,
        population: manifest.population().map(str::to_string),
        boroughs,
        priorities,
        series,
        headlines: manifest.headlines().to_vec(),
        postcodes,
        context,
        data_modified: dir.newest_change(),
        names: Default::default(),
    })
}

/// Reads every layer, refuses duplicate codes, repairs invalid areas and indexes them.
pub fn load_layers(
    manifest: &Manifest,
    dir: &DataDir<'_>,
    report: &mut LoadReport,
) -> Result<Vec<Layer>, AtlasError> {
    let mut layers = Vec::with_capacity(manifest.layers().len());
    for spec in manifest.layers() {
        let path = dir.open_with_siblings(&spec.file)?;
        let mut areas = match spec.format {
            Format::Shapefile => load::shapefile::read_areas(&path, spec)?,
            Format::Geojson => load::geojson::read_areas(&path, spec)?,
            Format::Superzones => {
                let (areas, schools) = load::superzones::read_superzones(&path, spec)?;
                report.schools = Some(schools);
                areas
            }
            Format::Dissolve => {
                // The manifest check guarantees `from` is a layer loaded before this one.
                let from = layers
                    .iter()
                    .find(|l: &&Layer| spec.from.as_ref() == Some(&l.id));
                match from {
                    Some(from) => load::dissolve::read_dissolved(&path, spec, from)?,
                    None => Vec::new(),
                }
            }
        };
        check_unique(&areas, &spec.id, &path)?;
        // A dissolved layer is an exact union of valid areas, valid by construction (and
        // geo's full check of five large unions would cost most of a second).
        let repaired = match spec.format {
            Format::Dissolve => Vec::new(),
            _ => repair_areas(&mut areas).map_err(|source| AtlasError::Repair {
                layer: spec.id.clone(),
                source,
            })?,
        };
        let mut layer = Layer::new(&spec.id, &spec.title, &spec.description, areas);
        layer.repaired = repaired.iter().map(|r| r.code.clone()).collect();
        layer.minzoom = spec.minzoom.unwrap_or(0);
        layer.overlapping = spec.format == Format::Superzones;
        layer.tile_properties = spec.tile_properties.clone();
        report.layers.push(LayerReport {
            id: spec.id.clone(),
            file: spec.file.clone(),
            count: layer.areas.len(),
            repaired,
        });
        layers.push(layer);
    }
    Ok(layers)
}

/// Joins every published table onto its layer; returns the comparator rows (e.g. England)
/// by indicator id.
pub fn join_tables(
    manifest: &Manifest,
    dir: &DataDir<'_>,
    layers: &mut [Layer],
    report: &mut LoadReport,
) -> Result<HashMap<String, ReferenceValue>, AtlasError> {
    let mut references = HashMap::new();
    // Each file is read once, however many indicators (or periods) take a column from it.
    let mut tables: HashMap<&str, Table> = HashMap::new();
    for ind in manifest.indicators() {
        for t in &ind.tables {
            let table = match tables.entry(t.file.as_str()) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => e.insert(Table::read(&dir.open(&t.file)?)?),
            };
            let extra: Vec<&str> = [&t.compare, &t.lower, &t.upper]
                .into_iter()
                .flatten()
                .map(String::as_str)
                .collect();
            let rows = table.rows(&t.key, &t.column, &t.filter, &extra)?;
            super::plausible::check(&t.file, &t.column, &ind.definition.unit, &rows)?;
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
            // The manifest check guarantees the layer exists.
            let Some(layer) = layers.iter_mut().find(|l| l.id == t.layer) else {
                continue;
            };
            let reference = references.get(&ind.id).and_then(|r| r.value);
            let (mut column, join) = join(layer, &ind.id, t, &rows);
            compare(
                &mut column,
                layer,
                t,
                &rows,
                reference,
                ind.definition.polarity,
            );
            layer.columns.insert(ind.id.clone(), column);
            report.joins.push(join);
        }
    }
    Ok(references)
}

/// Computes every derived column, in manifest order (after all joins, so any weight column
/// is there); overlaps between two layers are computed once for all indicators.
pub fn derive_columns(manifest: &Manifest, layers: &mut [Layer]) {
    let at: HashMap<String, usize> = layers
        .iter()
        .enumerate()
        .map(|(i, l)| (l.id.clone(), i))
        .collect();
    let mut overlap_cache: HashMap<(usize, usize), Vec<Vec<Overlap>>> = HashMap::new();
    let mut group_cache: HashMap<(usize, usize), Vec<Vec<usize>>> = HashMap::new();
    for ind in manifest.indicators() {
        let def = &ind.definition;
        for d in &ind.derives {
            let (Some(&ti), Some(&fi)) = (at.get(&d.layer), at.get(&d.from)) else {
                continue;
            };
            let (from, target) = (&layers[fi], &layers[ti]);
            let weight = def.weight.as_deref();
            let grouped = |groups: &[Vec<usize>], scope| {
                derive::by_groups(from, &ind.id, def.aggregation, weight, groups, scope)
            };
            let column = match d.by {
                DeriveBy::Borough => {
                    grouped(&derive::by_borough_code(from, target), Scope::Borough)
                }
                DeriveBy::Members => grouped(&derive::members(from, target), Scope::Members),
                DeriveBy::BestFit => {
                    let groups = group_cache
                        .entry((ti, fi))
                        .or_insert_with(|| derive::best_fit(from, target));
                    grouped(groups, Scope::BestFit)
                }
                DeriveBy::Overlap => {
                    let ov = overlap_cache
                        .entry((ti, fi))
                        .or_insert_with(|| layer_overlaps(target, from));
                    derive::by_overlap(from, &ind.id, def.aggregation, ov)
                }
            };
            if let Some(column) = column {
                layers[ti].columns.insert(ind.id.clone(), column);
            }
        }
    }
}

/// The postcode lookup, when the manifest names its files.
pub fn load_postcodes(
    manifest: &Manifest,
    dir: &DataDir<'_>,
) -> Result<Option<Postcodes>, AtlasError> {
    let Some(p) = manifest.postcodes() else {
        return Ok(None);
    };
    let (units, districts, sectors) = (
        dir.open(&p.units)?,
        dir.open(&p.districts)?,
        dir.open(&p.sectors)?,
    );
    Ok(Some(Postcodes::read(&units, &districts, &sectors)?))
}

/// Computes every ratio indicator on each of its layers that has both of its columns.
pub fn compute_ratios(manifest: &Manifest, layers: &mut [Layer]) {
    for ind in manifest.indicators() {
        let Some(r) = &ind.ratio else { continue };
        for layer in layers.iter_mut().filter(|l| r.layers.contains(&l.id)) {
            if let Some(column) = derive::ratio(layer, &r.numerator, &r.denominator, r.per) {
                layer.columns.insert(ind.id.clone(), column);
            }
        }
    }
}

/// The priorities with their indicators and series, and every series with its members:
/// those a `[[series]]` declares, then those stand-alone indicators name (titled after
/// their first member without its year, members in year order).
pub fn describe_priorities(manifest: &Manifest) -> (Vec<Priority>, Vec<Series>) {
    let member = |i: &IndicatorSpec| {
        let d = &i.definition;
        let period = d.period.clone().unwrap_or_else(|| d.year.to_string());
        (period, i.id.clone())
    };
    let declared = |id: &str| manifest.series().iter().any(|d| d.id == id);
    let mut series: Vec<Series> = manifest
        .series()
        .iter()
        .map(|s| Series {
            id: s.id.clone(),
            priority: s.priority.clone(),
            title: s.definition.title.clone(),
            unit: s.definition.unit.clone(),
            polarity: s.definition.polarity,
            members: manifest
                .indicators()
                .iter()
                .filter(|i| i.series.as_ref() == Some(&s.id))
                .map(member)
                .collect(),
        })
        .collect();
    for i in manifest.indicators() {
        let Some(id) = i.series.as_deref().filter(|id| !declared(id)) else {
            continue;
        };
        match series.iter_mut().find(|s| s.id == id) {
            Some(s) => {
                s.members.push(member(i));
                s.members.sort_by_key(|(p, _)| first_year(p));
            }
            None => series.push(Series {
                id: id.to_string(),
                priority: i.priority.clone(),
                title: without_year(&i.definition.title, i.definition.year),
                unit: i.definition.unit.clone(),
                polarity: i.definition.polarity,
                members: vec![member(i)],
            }),
        }
    }
    let priorities = manifest
        .priorities()
        .iter()
        .map(|p| Priority {
            id: p.id.clone(),
            number: p.number,
            title: p.title.clone(),
            measures: p.measures.clone(),
            indicators: manifest
                .indicators()
                .iter()
                .filter(|i| i.priority == p.id)
                .map(|i| i.id.clone())
                .collect(),
            series: series
                .iter()
                .filter(|s| s.priority == p.id)
                .map(|s| s.id.clone())
                .collect(),
            note: p.note.clone(),
        })
        .collect();
    (priorities, series)
}

/// A title without its trailing year ("Nitrogen dioxide (NO2), annual mean 2013" -> "...
/// annual mean").
fn without_year(title: &str, year: u16) -> String {
    let y = year.to_string();
    title
        .strip_suffix(&y)
        .map(|t| t.trim_end_matches([' ', ',']).to_string())
        .unwrap_or_else(|| title.to_string())
}

/// The atlas's description of every indicator.
pub fn describe_indicators(
    manifest: &Manifest,
    layers: &[Layer],
    references: &HashMap<String, ReferenceValue>,
) -> Vec<Indicator> {
    manifest
        .indicators()
        .iter()
        .map(|spec| describe(manifest, spec, layers, references.get(&spec.id).cloned()))
        .collect()
}

fn describe(
    manifest: &Manifest,
    spec: &IndicatorSpec,
    layers: &[Layer],
    reference: Option<ReferenceValue>,
) -> Indicator {
    let def = &spec.definition;
    let source = manifest.source(&spec.source);
    let text =
        |f: fn(&crate::manifest::Source) -> &String| source.map(f).cloned().unwrap_or_default();
    let provenance = Provenance {
        source: spec.source.clone(),
        source_title: text(|s| &s.title),
        publisher: text(|s| &s.publisher),
        licence: text(|s| &s.licence),
        attribution: text(|s| &s.attribution),
        url: text(|s| &s.url),
    };
    let base_layer = spec
        .tables
        .first()
        .map(|t| t.layer.clone())
        .or_else(|| spec.ratio.as_ref().and_then(|r| r.layers.first().cloned()))
        .unwrap_or_default();
    let (london, london_method) = match layers.iter().find(|l| l.id == base_layer) {
        Some(l) => derive::layer_total(l, &spec.id, def.aggregation, def.weight.as_deref()),
        // The manifest check guarantees a table or a ratio, hence a base layer.
        None => (
            None,
            Method::Aggregated {
                scope: Scope::London,
                aggregation: Aggregation::None,
                from: String::new(),
                weight: None,
            },
        ),
    };
    let palette = def
        .palette
        .unwrap_or_else(|| Palette::for_polarity(def.polarity));
    let carrying: Vec<&Layer> = layers
        .iter()
        .filter(|l| l.columns.contains_key(&spec.id))
        .collect();
    let classes: BTreeMap<String, Classes> = carrying
        .iter()
        .map(|l| {
            let values = l.columns[&spec.id].values.iter().flatten().copied();
            let counts = def.aggregation == Aggregation::Sum;
            let breaks = breaks_for(&def.breaks, def.threshold, counts, values);
            (
                l.id.clone(),
                Classes::from_breaks(breaks, palette, def.polarity),
            )
        })
        .collect();
    Indicator {
        id: spec.id.clone(),
        priority: spec.priority.clone(),
        series: spec.series.clone(),
        definition: def.clone(),
        provenance,
        layers: carrying.iter().map(|l| l.id.clone()).collect(),
        base_layer,
        london,
        london_method: london_method.describe(),
        reference,
        classes,
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

/// Fills a joined column's comparisons with the reference: the publisher's word where the
/// table has a comparison column, else from confidence intervals and the reference value.
fn compare(
    column: &mut Column,
    layer: &Layer,
    t: &TableSpec,
    rows: &[Row],
    reference: Option<f64>,
    polarity: Polarity,
) {
    let n = layer.areas.len();
    let number = |s: &str| s.parse::<f64>().ok().filter(|v| v.is_finite());
    let (has_compare, has_interval) = (t.compare.is_some(), t.lower.is_some() && t.upper.is_some());
    if !has_compare && !has_interval {
        return;
    }
    let mut comparisons = vec![None; n];
    let mut intervals = vec![None; n];
    for row in rows {
        let Some(i) = layer.area_index(&row.code) else {
            continue;
        };
        let mut extra = row.extra.iter();
        if has_compare {
            comparisons[i] = extra.next().and_then(|w| Comparison::from_word(w));
        }
        if has_interval {
            let (lo, hi) = (extra.next(), extra.next());
            if let (Some(lo), Some(hi)) = (lo.and_then(|s| number(s)), hi.and_then(|s| number(s))) {
                intervals[i] = Some([lo, hi]);
                if !has_compare {
                    comparisons[i] =
                        reference.map(|r| Comparison::from_interval([lo, hi], r, polarity));
                }
            }
        }
    }
    column.comparisons = comparisons;
    if has_interval {
        column.intervals = intervals;
    }
}

/// One table's rows as a column of `layer`, and what the join matched.
fn join(layer: &Layer, indicator: &str, t: &TableSpec, rows: &[Row]) -> (Column, JoinReport) {
    let is_reference = |row: &Row| t.reference.as_ref().is_some_and(|r| r.code == row.code);
    let mut values = vec![None; layer.areas.len()];
    let mut unmatched = Vec::new();
    let mut matched = 0;
    for row in rows.iter().filter(|r| !is_reference(r)) {
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
        rows: rows.iter().filter(|r| !is_reference(r)).count(),
        matched,
        unmatched_codes: unmatched,
        areas_without_value: without,
    };
    let method = Method::Published {
        file: t.file.clone(),
        column: t.column.clone(),
    };
    (Column::new(values, method), report)
}
