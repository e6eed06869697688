//! What loading found (counts, repairs, join gaps, the school list's make-up) and its
//! human-readable form printed by `london-atlas check`.

use super::repair::Repair;
use crate::atlas::Atlas;
use crate::load::superzones::SchoolReport;
use serde::Serialize;
use std::fmt::Write;

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

/// Counts, repairs, join gaps and the school list, as plain text.
pub fn render(atlas: &Atlas) -> String {
    let r = &atlas.report;
    let mut out = String::new();
    let _ = writeln!(out, "{} atlas loaded in {:.2} s", atlas.name, r.seconds);
    let _ = writeln!(out, "\nlayers:");
    for l in &r.layers {
        let _ = writeln!(out, "  {:<11} {:>5} areas  ({})", l.id, l.count, l.file);
        for rep in &l.repaired {
            let _ = writeln!(
                out,
                "      repaired {}: {}; area {:.1} -> {:.1} m², {} part(s)",
                rep.code, rep.problem, rep.area_before_m2, rep.area_after_m2, rep.parts_after
            );
        }
    }
    if let Some(s) = &r.schools {
        let _ = writeln!(
            out,
            "\nschools: {} rows, {} open, {} closed; {} open without coordinates {:?}",
            s.rows,
            s.open,
            s.closed,
            s.open_without_coordinates.len(),
            s.open_without_coordinates
        );
    }
    if let Some(p) = &atlas.postcodes {
        let _ = writeln!(out, "\npostcodes: {} units", p.len());
    }
    if let Some(c) = &atlas.context {
        use crate::load::places::PlaceKind;
        let _ = writeln!(
            out,
            "context: {} places, {} stations, water {:.1} km² ({} source polygons repaired), glyph stacks {:?}",
            c.of_kind(PlaceKind::Place).count(),
            c.of_kind(PlaceKind::Station).count(),
            c.water.areas.iter().map(|a| a.area_m2).sum::<f64>() / 1e6,
            c.water_repaired,
            c.glyphs.stacks().collect::<Vec<_>>()
        );
    }
    let _ = writeln!(out, "\njoins (indicator -> layer: matched/rows; codes matching no area; areas without a value):");
    for j in &r.joins {
        let _ = writeln!(
            out,
            "  {:<36} -> {:<9} {:>5}/{:<5} unmatched {:<4} without value {:<4}{}",
            j.indicator,
            j.layer,
            j.matched,
            j.rows,
            j.unmatched_codes.len(),
            j.areas_without_value.len(),
            sample(&j.unmatched_codes, &j.areas_without_value)
        );
    }
    let _ = writeln!(out, "\nindicators (London figure):");
    for i in &atlas.indicators {
        let london = i
            .london
            .map(|v| format!("{v:.2}"))
            .unwrap_or_else(|| "-".into());
        let _ = writeln!(
            out,
            "  {:<36} {:>12} {:<11} on {}",
            i.id,
            london,
            i.definition.unit,
            i.layers.join(", ")
        );
    }
    out
}

fn sample(unmatched: &[String], without: &[String]) -> String {
    let mut parts = Vec::new();
    if !unmatched.is_empty() {
        parts.push(format!(
            "unmatched e.g. {}",
            unmatched
                .iter()
                .take(3)
                .cloned()
                .collect::<Vec<_>>()
                .join(" ")
        ));
    }
    if !without.is_empty() {
        parts.push(format!(
            "no value e.g. {}",
            without
                .iter()
                .take(3)
                .cloned()
                .collect::<Vec<_>>()
                .join(" ")
        ));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("  ({})", parts.join("; "))
    }
}
