//! Repair of invalid area boundaries (self-intersecting or self-touching rings, holes outside
//! their shell): geo's triangulation-based `MakeValid` (Ledoux et al. 2014), so an area is
//! mended, never dropped. Each repair is reported with the area before and after.
//!
//! Failure modes: a geometry that cannot be triangulated (non-finite coordinates) is returned
//! as a [`RepairFailure`] naming the area; the caller stops loading.

use crate::layer::Area;
use geo::sweep::{Cross, Intersections};
use geo::{
    Area as _, Contains, Coord, Line, LineString, MakeValid, MultiPolygon, Point, Validation,
};
use serde::Serialize;

/// What was wrong with one area and what its repair changed.
#[derive(Debug, Clone, Serialize)]
pub struct Repair {
    pub code: String,
    pub problem: String,
    /// Sum of the absolute ring areas before repair (m²).
    pub area_before_m2: f64,
    pub area_after_m2: f64,
    pub parts_after: usize,
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("area {code} has an invalid boundary ({problem}) that could not be repaired: {reason}")]
pub struct RepairFailure {
    pub code: String,
    pub problem: String,
    pub reason: String,
}

/// Repairs every invalid area in place; returns what was done.
pub fn repair_areas(areas: &mut [Area]) -> Result<Vec<Repair>, RepairFailure> {
    let mut repairs = Vec::new();
    for area in areas.iter_mut() {
        let Some(problem) = invalidity(&area.geometry) else {
            continue;
        };
        let before = area.geometry.unsigned_area();
        let fixed = area.geometry.make_valid().map_err(|e| RepairFailure {
            code: area.code.clone(),
            problem: problem.clone(),
            reason: e.to_string(),
        })?;
        if let Err(e) = fixed.check_validation() {
            return Err(RepairFailure {
                code: area.code.clone(),
                problem,
                reason: format!("the repair is still invalid: {e}"),
            });
        }
        area.geometry = canonical(fixed);
        area.area_m2 = area.geometry.unsigned_area();
        repairs.push(Repair {
            code: area.code.clone(),
            problem,
            area_before_m2: before,
            area_after_m2: area.area_m2,
            parts_after: area.geometry.0.len(),
        });
    }
    Ok(repairs)
}

/// The same geometry written one way only: exteriors counter-clockwise and holes clockwise,
/// each ring starting at its lowest (x, y) vertex, holes and parts in order of that vertex.
/// `MakeValid` walks hash maps, so without this its output (and every tile and ETag made
/// from it) would differ from one run to the next.
pub fn canonical(mp: MultiPolygon<f64>) -> MultiPolygon<f64> {
    use geo::orient::{Direction, Orient};
    fn lowest(c: &[Coord<f64>]) -> (f64, f64) {
        c.iter()
            .map(|c| (c.x, c.y))
            .fold((f64::MAX, f64::MAX), |m, p| {
                if p.0 < m.0 || (p.0 == m.0 && p.1 < m.1) {
                    p
                } else {
                    m
                }
            })
    }
    fn rotate(ring: &LineString<f64>) -> LineString<f64> {
        let open = &ring.0[..ring.0.len().saturating_sub(1)];
        let at = open
            .iter()
            .enumerate()
            .min_by(|(_, a), (_, b)| a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y)))
            .map(|(i, _)| i)
            .unwrap_or(0);
        let mut pts: Vec<Coord<f64>> = open[at..].iter().chain(&open[..at]).copied().collect();
        if let Some(first) = pts.first().copied() {
            pts.push(first);
        }
        LineString::new(pts)
    }
    let order = |a: &(f64, f64), b: &(f64, f64)| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1));
    let mut polys: Vec<geo::Polygon<f64>> = mp
        .orient(Direction::Default)
        .0
        .into_iter()
        .map(|p| {
            let (ext, holes) = p.into_inner();
            let mut holes: Vec<LineString<f64>> = holes.iter().map(rotate).collect();
            holes.sort_by(|a, b| order(&lowest(&a.0), &lowest(&b.0)));
            geo::Polygon::new(rotate(&ext), holes)
        })
        .collect();
    polys.sort_by(|a, b| order(&lowest(&a.exterior().0), &lowest(&b.exterior().0)));
    MultiPolygon::new(polys)
}

/// Why a geometry is invalid, or None. Equivalent to geo's `check_validation` but fast on
/// large boundaries: one Bentley–Ottmann-style sweep over every segment finds rings that
/// cross or touch (geo's own ring check is quadratic, half a second for the 33 boroughs);
/// only geometries where it finds something get geo's full check, for its exact verdict.
pub fn invalidity(geometry: &MultiPolygon<f64>) -> Option<String> {
    let mut segments = Vec::new();
    for (p, poly) in geometry.0.iter().enumerate() {
        for (r, ring) in std::iter::once(poly.exterior())
            .chain(poly.interiors())
            .enumerate()
        {
            if ring.0.len() < 4 || ring.0.first() != ring.0.last() {
                return Some(format!(
                    "polygon {p} ring {r} has fewer than 4 points or is not closed"
                ));
            }
            if ring.0.iter().any(|c| !(c.x.is_finite() && c.y.is_finite())) {
                return Some(format!("polygon {p} ring {r} has a non-finite coordinate"));
            }
            let n = ring.0.len() - 1;
            for (k, line) in ring.lines().enumerate() {
                segments.push(Seg {
                    line,
                    ring: (p, r),
                    k,
                    n,
                });
            }
        }
    }
    let suspicious = Intersections::from_iter(segments.iter())
        .any(|(a, b, _)| !(a.ring == b.ring && a.adjacent(b)));
    if suspicious || nested_without_crossing(geometry) {
        return geometry.check_validation().err().map(|e| e.to_string());
    }
    None
}

#[derive(Debug, Clone, Copy)]
struct Seg {
    line: Line<f64>,
    ring: (usize, usize),
    k: usize,
    n: usize,
}

impl Seg {
    /// Consecutive segments of one ring (which always meet at their shared vertex).
    fn adjacent(&self, other: &Seg) -> bool {
        let d = self.k.abs_diff(other.k);
        (d == 1 || d == self.n - 1)
            && (self.line.start == other.line.end || self.line.end == other.line.start)
    }
}

impl Cross for Seg {
    type Scalar = f64;
    fn line(&self) -> Line<f64> {
        self.line
    }
}

/// With no two rings crossing or touching, the remaining faults are a hole outside its shell
/// or a part inside another part: one vertex of each ring tells.
fn nested_without_crossing(geometry: &MultiPolygon<f64>) -> bool {
    let first = |c: &[Coord<f64>]| Point::from(c[0]);
    for poly in &geometry.0 {
        let shell = geo::Polygon::new(poly.exterior().clone(), vec![]);
        if poly
            .interiors()
            .iter()
            .any(|h| !shell.contains(&first(&h.0)))
        {
            return true;
        }
    }
    if geometry.0.len() > 1 {
        for (i, a) in geometry.0.iter().enumerate() {
            for (j, b) in geometry.0.iter().enumerate() {
                if i != j
                    && geo::Polygon::new(b.exterior().clone(), vec![])
                        .contains(&first(&a.exterior().0))
                {
                    return true;
                }
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{wkt, Contains, MultiPolygon, Point};

    #[test]
    fn a_bowtie_is_split_into_two_valid_parts_that_keep_both_lobes() {
        let bowtie: MultiPolygon<f64> =
            MultiPolygon::new(vec![wkt!(POLYGON((0. 0., 0. 10., 10. 0., 10. 10., 0. 0.)))]);
        let mut areas = vec![Area::new("X".into(), "x".into(), None, bowtie)];
        let repairs = repair_areas(&mut areas).expect("repairable");
        assert_eq!(repairs.len(), 1);
        assert_eq!(areas[0].geometry.0.len(), 2);
        assert!(areas[0].geometry.contains(&Point::new(1.0, 5.0)));
        assert!(areas[0].geometry.contains(&Point::new(9.0, 5.0)));
        assert!((areas[0].area_m2 - 50.0).abs() < 1e-9);
    }

    #[test]
    fn valid_areas_are_left_alone() {
        let square: MultiPolygon<f64> =
            MultiPolygon::new(vec![wkt!(POLYGON((0. 0., 10. 0., 10. 10., 0. 10., 0. 0.)))]);
        let mut areas = vec![Area::new("S".into(), "s".into(), None, square)];
        assert!(repair_areas(&mut areas).expect("ok").is_empty());
    }

    #[test]
    fn canonical_form_does_not_depend_on_where_a_ring_starts() {
        let a: MultiPolygon<f64> =
            MultiPolygon::new(vec![wkt!(POLYGON((0. 0., 10. 0., 10. 10., 0. 10., 0. 0.)))]);
        let b: MultiPolygon<f64> = MultiPolygon::new(vec![
            wkt!(POLYGON((10. 10., 10. 0., 0. 0., 0. 10., 10. 10.))),
        ]);
        assert_eq!(canonical(a), canonical(b));
    }
}
