//! Validity of polygons: a fast check (a sweep over every segment finds rings that cross or
//! touch; only suspects get geo's full, quadratic check), repair with geo's triangulation-based
//! `MakeValid` (Ledoux et al. 2014), and one canonical way of writing a repaired polygon so
//! that its bytes (and every tile and ETag made from it) do not change between runs.
//!
//! Failure modes: [`make_valid`] returns the reason as a sentence when the geometry cannot be
//! triangulated (non-finite coordinates) or the repair is still invalid.
//!
//! ```
//! use geo::{wkt, MultiPolygon};
//! use london_atlas::geom::validity::{invalidity, make_valid};
//! let bowtie = MultiPolygon::new(vec![wkt!(POLYGON((0. 0., 0. 10., 10. 0., 10. 10., 0. 0.)))]);
//! assert!(invalidity(&bowtie).is_some());
//! let fixed = make_valid(&bowtie).unwrap();
//! assert_eq!(fixed.0.len(), 2);
//! assert!(invalidity(&fixed).is_none());
//! ```

use geo::sweep::{Cross, Intersections};
use geo::{Contains, Coord, Line, LineString, MakeValid, MultiPolygon, Point, Validation};

/// A valid version of `geometry` in [`canonical`] form, or why none could be made.
pub fn make_valid(geometry: &MultiPolygon<f64>) -> Result<MultiPolygon<f64>, String> {
    let fixed = geometry.make_valid().map_err(|e| e.to_string())?;
    if let Err(e) = fixed.check_validation() {
        return Err(format!("the repair is still invalid: {e}"));
    }
    Ok(canonical(fixed))
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
    use geo::{wkt, Area, MultiPolygon};

    #[test]
    fn a_bowtie_is_split_into_two_valid_parts_that_keep_both_lobes() {
        let bowtie: MultiPolygon<f64> =
            MultiPolygon::new(vec![wkt!(POLYGON((0. 0., 0. 10., 10. 0., 10. 10., 0. 0.)))]);
        let fixed = make_valid(&bowtie).expect("repairable");
        assert_eq!(fixed.0.len(), 2);
        assert!(fixed.contains(&Point::new(1.0, 5.0)));
        assert!(fixed.contains(&Point::new(9.0, 5.0)));
        assert!((fixed.unsigned_area() - 50.0).abs() < 1e-9);
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
