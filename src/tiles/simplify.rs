//! Zoom-level geometry: each arc of a layer's [`Topology`] simplified once per zoom
//! (Douglas–Peucker in Web Mercator, endpoints kept), snapped to that zoom's global integer
//! pixel grid, and every area rebuilt from its arcs and made valid (i_overlay), so that
//! neighbours keep sharing exactly the same border at every zoom.
//!
//! Tolerance: [`SIMPLIFY_UNITS`] = 4 tile units (extent 4096; half a pixel of a 512-pixel
//! tile) below z14, i.e. about 95 m of ground at z8, 24 m at z10 and 6 m at z12 in London, and
//! 1 unit (0.4 m) at z14, the maximum zoom that clients over-zoom.
//!
//! Small areas never vanish: an area whose simplified, snapped outline encloses nothing falls
//! back to its unsimplified snapped outline, and if that too encloses nothing (smaller than a
//! tile unit) to a one-unit square at its first vertex; [`ZoomStats`] counts both.
//!
//! Failure modes: none; every area of the layer gets geometry at every zoom.

use super::grid::{mercator_to_pixel, unit_metres};
use super::topology::Topology;
use i_overlay::core::fill_rule::FillRule;
use i_overlay::core::overlay::IntOverlayOptions;
use i_overlay::core::simplify::Simplify;
use i_overlay::i_float::int::point::IntPoint;
use i_overlay::i_shape::int::shape::{IntContour, IntShape, IntShapes};

/// Simplification tolerance in tile units (1/4096 of a tile side) below the maximum zoom:
/// half a pixel of a tile drawn 512 pixels wide.
pub const SIMPLIFY_UNITS: f64 = 4.0;
/// Tolerance at the maximum zoom, which clients over-zoom: one tile unit.
pub const SIMPLIFY_UNITS_MAX_ZOOM: f64 = 1.0;

/// Douglas–Peucker tolerance in Web Mercator metres at zoom `z`.
pub fn tolerance_metres(z: u8) -> f64 {
    let units = if z >= super::grid::MAX_ZOOM {
        SIMPLIFY_UNITS_MAX_ZOOM
    } else {
        SIMPLIFY_UNITS
    };
    units * unit_metres(z)
}

/// One area at one zoom: valid polygons in global pixels (y down), exteriors with positive
/// surveyor's area (MVT's orientation), and their box.
#[derive(Debug, Clone)]
pub struct ZoomArea {
    pub shapes: IntShapes,
    /// min x, min y, max x, max y in global pixels.
    pub bbox: [i32; 4],
}

/// What building a zoom did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ZoomStats {
    pub vertices: usize,
    /// Areas drawn from their unsimplified outline because simplification collapsed them.
    pub unsimplified: usize,
    /// Areas smaller than a tile unit, drawn as a one-unit square.
    pub dots: usize,
}

/// Every area of a layer at one zoom, in the layer's area order.
#[derive(Debug, Clone)]
pub struct ZoomGeometry {
    pub z: u8,
    pub areas: Vec<ZoomArea>,
    pub stats: ZoomStats,
}

/// Options shared by every validity pass: OGC-valid output (no self-touching rings),
/// exteriors counter-clockwise in the raw (y-down) coordinates = positive surveyor's area.
pub(crate) fn overlay_options() -> IntOverlayOptions {
    IntOverlayOptions {
        ogc: true,
        ..IntOverlayOptions::default()
    }
}

impl ZoomGeometry {
    /// Simplifies every arc of `topology` for zoom `z` and rebuilds every area from them.
    pub fn build(topology: &Topology, z: u8) -> ZoomGeometry {
        let tol = tolerance_metres(z);
        let snap = |v: u32| -> IntPoint {
            let p = topology.points[v as usize];
            let (px, py) = mercator_to_pixel(z, p[0], p[1]);
            IntPoint::new(px.round() as i32, py.round() as i32)
        };
        // Arcs of rings made of one or two arcs keep their farthest vertex at any tolerance,
        // so such a ring cannot collapse to a line; other arcs simplify freely.
        let mut keep_shape = vec![false; topology.arcs.len()];
        for ring in topology.areas.iter().flatten().flatten() {
            if ring.len() <= 2 {
                for r in ring {
                    keep_shape[r.arc as usize] = true;
                }
            }
        }
        let arcs: Vec<Vec<IntPoint>> = topology
            .arcs
            .iter()
            .zip(&keep_shape)
            .map(|(arc, &keep)| {
                let kept = douglas_peucker(&topology.points, arc, tol, keep);
                let mut out: Vec<IntPoint> = Vec::with_capacity(kept.len());
                for v in kept {
                    let p = snap(v);
                    if out.last() != Some(&p) {
                        out.push(p);
                    }
                }
                out
            })
            .collect();
        let mut stats = ZoomStats::default();
        let options = overlay_options();
        let areas = topology
            .areas
            .iter()
            .map(|polys| {
                let shapes = rebuild(polys, |r| {
                    let a = &arcs[r.arc as usize];
                    if r.reversed {
                        a.iter().rev().copied().collect::<Vec<_>>()
                    } else {
                        a.clone()
                    }
                });
                let mut out = shapes.simplify(FillRule::EvenOdd, options);
                if out.is_empty() {
                    let raw = rebuild(polys, |r| topology.arc_vertices(r).map(snap).collect());
                    out = raw.simplify(FillRule::EvenOdd, options);
                    stats.unsimplified += 1;
                    if out.is_empty() {
                        stats.unsimplified -= 1;
                        stats.dots += 1;
                        let p = raw
                            .first()
                            .and_then(|s| s.first())
                            .and_then(|c| c.first())
                            .copied()
                            .unwrap_or(IntPoint::new(0, 0));
                        out = vec![vec![vec![
                            p,
                            IntPoint::new(p.x, p.y + 1),
                            IntPoint::new(p.x + 1, p.y + 1),
                            IntPoint::new(p.x + 1, p.y),
                        ]]];
                    }
                }
                orient(&mut out);
                stats.vertices += out.iter().flatten().map(|c| c.len()).sum::<usize>();
                let bbox = bbox_of(&out);
                ZoomArea { shapes: out, bbox }
            })
            .collect();
        ZoomGeometry { z, areas, stats }
    }
}

/// Rebuilds an area's polygons from arc pieces (`piece` returns an arc use's points).
fn rebuild(
    polys: &[super::topology::PolygonArcs],
    piece: impl Fn(super::topology::ArcRef) -> Vec<IntPoint>,
) -> IntShapes {
    let mut shapes: IntShapes = Vec::with_capacity(polys.len());
    for rings in polys {
        let mut shape: IntShape = Vec::with_capacity(rings.len());
        for ring in rings {
            let mut c: IntContour = Vec::new();
            for r in ring {
                for p in piece(*r).into_iter().skip(1) {
                    if c.last() != Some(&p) {
                        c.push(p);
                    }
                }
            }
            while c.len() > 1 && c.first() == c.last() {
                c.pop();
            }
            if c.len() >= 3 {
                shape.push(c);
            }
        }
        if !shape.is_empty() {
            shapes.push(shape);
        }
    }
    shapes
}

/// Twice the surveyor's (shoelace) area of a ring, in its raw coordinates.
pub fn doubled_area(c: &[IntPoint]) -> i64 {
    let n = c.len();
    (0..n)
        .map(|i| {
            let (a, b) = (c[i], c[(i + 1) % n]);
            a.x as i64 * b.y as i64 - b.x as i64 * a.y as i64
        })
        .sum()
}

/// Exteriors positive, holes negative (MVT 2.1 in y-down tile coordinates).
pub fn orient(shapes: &mut IntShapes) {
    for shape in shapes {
        for (i, c) in shape.iter_mut().enumerate() {
            let a = doubled_area(c);
            if (i == 0 && a < 0) || (i > 0 && a > 0) {
                c.reverse();
            }
        }
    }
}

pub(crate) fn bbox_of(shapes: &IntShapes) -> [i32; 4] {
    let mut b = [i32::MAX, i32::MAX, i32::MIN, i32::MIN];
    for p in shapes.iter().flatten().flatten() {
        b = [b[0].min(p.x), b[1].min(p.y), b[2].max(p.x), b[3].max(p.y)];
    }
    b
}

/// Douglas–Peucker on one arc, keeping both endpoints. A closed arc always keeps the vertex
/// farthest from its start and the farthest from each half's chord (a triangle at least);
/// with `keep_farthest` an open arc always keeps the vertex farthest from its chord.
pub fn douglas_peucker(
    points: &[[f64; 2]],
    arc: &[u32],
    tol: f64,
    keep_farthest: bool,
) -> Vec<u32> {
    let n = arc.len();
    if n <= 2 {
        return arc.to_vec();
    }
    let mut keep = vec![false; n];
    keep[0] = true;
    keep[n - 1] = true;
    let closed = arc[0] == arc[n - 1];
    let mut stack: Vec<(usize, usize, bool)> = Vec::new();
    if closed {
        let p0 = points[arc[0] as usize];
        let far = (1..n - 1)
            .max_by(|&a, &b| {
                dist2(points[arc[a] as usize], p0).total_cmp(&dist2(points[arc[b] as usize], p0))
            })
            .unwrap_or(n / 2);
        keep[far] = true;
        stack.push((0, far, true));
        stack.push((far, n - 1, true));
    } else {
        stack.push((0, n - 1, keep_farthest));
    }
    while let Some((i, j, force)) = stack.pop() {
        if j <= i + 1 {
            continue;
        }
        let (a, b) = (points[arc[i] as usize], points[arc[j] as usize]);
        let mut best = (0.0, i);
        for k in i + 1..j {
            let d = segment_distance(points[arc[k] as usize], a, b);
            if d > best.0 {
                best = (d, k);
            }
        }
        if best.1 != i && (force || best.0 > tol) {
            keep[best.1] = true;
            stack.push((i, best.1, false));
            stack.push((best.1, j, false));
        }
    }
    (0..n).filter(|&k| keep[k]).map(|k| arc[k]).collect()
}

fn dist2(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)
}

fn segment_distance(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> f64 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    if len2 == 0.0 {
        return dist2(p, a).sqrt();
    }
    let t = (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0);
    dist2(p, [a[0] + t * dx, a[1] + t * dy]).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn douglas_peucker_keeps_endpoints_and_the_farthest_vertex_when_asked() {
        let pts = vec![[0.0, 0.0], [1.0, 0.1], [2.0, 0.0], [3.0, 5.0], [4.0, 0.0]];
        let arc = vec![0, 1, 2, 3, 4];
        assert_eq!(douglas_peucker(&pts, &arc, 2.0, false), vec![0, 3, 4]);
        assert_eq!(
            douglas_peucker(&pts, &arc, 0.01, false),
            vec![0, 1, 2, 3, 4]
        );
        assert_eq!(douglas_peucker(&pts, &arc, 1e9, false), vec![0, 4]);
        // Asked to, the farthest vertex stays whatever the tolerance, so rings keep an area.
        assert_eq!(douglas_peucker(&pts, &arc, 1e9, true), vec![0, 3, 4]);
    }

    #[test]
    fn a_closed_arc_keeps_at_least_a_triangle() {
        let pts = vec![[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]];
        let kept = douglas_peucker(&pts, &[0, 1, 2, 3, 0], 1e9, false);
        assert!(kept.len() >= 4, "{kept:?}");
        assert_eq!(kept.first(), kept.last());
    }
}
