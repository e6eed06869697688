//! Overlap of a geometry with a set of indexed polygons (a layer's areas), in one planar
//! coordinate system (EPSG:27700 here): the index narrows candidates, geo's boolean
//! intersection measures the shared area exactly, with exact shortcuts where no boolean
//! operation is needed (polygons wholly inside or outside; convex rings clipped directly).
//!
//! Failure modes: inputs must be valid polygons (repair them with [`super::validity`]
//! first); [`overlaps_until`] gives up with [`DeadlinePassed`] once its deadline has passed.

use geo::bool_ops::{FillRule, OpType};
use geo::Polygon;
use geo::{
    Area as _, BooleanOps, BoundingRect, Coord, Intersects, IsConvex, LineString, LinesIter,
    MultiPolygon, Point, Rect, Winding,
};
use rstar::primitives::{GeomWithData, Line, Rectangle};
use rstar::{RTree, AABB};

/// Valid polygons with a spatial index: what overlaps are measured against.
pub trait PolygonIndex: Sync {
    /// How many polygons there are.
    fn polygon_count(&self) -> usize;
    /// Polygon `i` (valid).
    fn polygon(&self, i: usize) -> &MultiPolygon<f64>;
    /// Its planar area (precomputed).
    fn polygon_area(&self, i: usize) -> f64;
    /// Polygons whose bounding box meets the rectangle (candidates only).
    fn candidates_in(&self, min: [f64; 2], max: [f64; 2]) -> impl Iterator<Item = usize> + '_;
}

/// One area's share of an overlap.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Overlap {
    /// Index of the area in its layer.
    pub area: usize,
    /// Shared area in m².
    pub overlap_m2: f64,
}

/// A valid query geometry prepared once for overlaps with any number of layers: its box,
/// an R-tree of its edges, and whether it is large enough to cut per area.
pub struct QueryShape<'g> {
    geometry: &'g MultiPolygon<f64>,
    bbox: Rect<f64>,
    edges: RTree<Line<[f64; 2]>>,
    large: bool,
}

impl<'g> QueryShape<'g> {
    /// None for an empty geometry (which overlaps nothing).
    pub fn new(geometry: &'g MultiPolygon<f64>) -> Option<QueryShape<'g>> {
        let bbox = geometry.bounding_rect()?;
        let edges = RTree::bulk_load(
            geometry
                .lines_iter()
                .map(|l| Line::new([l.start.x, l.start.y], [l.end.x, l.end.y]))
                .collect(),
        );
        let large = edges.size() > CLIP_ABOVE_VERTICES;
        Some(QueryShape {
            geometry,
            bbox,
            edges,
            large,
        })
    }
}

/// Every area of `layer` that shares a positive area with `geometry`, with that area.
/// `geometry` must be valid (areas of a layer always are; query polygons are checked).
///
/// Areas whose bounding box no edge of `geometry` comes near lie wholly inside or wholly
/// outside it; one vertex tells which, and no boolean operation is needed. Only the areas
/// the boundary passes through are intersected exactly.
pub fn overlaps(geometry: &MultiPolygon<f64>, layer: &impl PolygonIndex) -> Vec<Overlap> {
    QueryShape::new(geometry)
        .and_then(|q| overlaps_until(&q, layer, None).ok())
        .unwrap_or_default()
}

/// The deadline of a query passed before it was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the overlap computation ran past its deadline")]
pub struct DeadlinePassed;

/// [`overlaps`] of a prepared shape, giving up (checked between areas) once `deadline` has
/// passed.
pub fn overlaps_until(
    shape: &QueryShape<'_>,
    layer: &impl PolygonIndex,
    deadline: Option<std::time::Instant>,
) -> Result<Vec<Overlap>, DeadlinePassed> {
    overlaps_while(shape, layer, &|| {
        deadline.is_none_or(|d| std::time::Instant::now() <= d)
    })
}

/// [`overlaps`] of a prepared shape, giving up (checked before each area) as soon as
/// `keep_going` says no: a budget of CPU time, a client that went away.
pub fn overlaps_while(
    shape: &QueryShape<'_>,
    layer: &impl PolygonIndex,
    keep_going: &dyn Fn() -> bool,
) -> Result<Vec<Overlap>, DeadlinePassed> {
    let (r, geometry) = (shape.bbox, shape.geometry);
    let mut late = false;
    let mut out: Vec<Overlap> = layer
        .candidates_in([r.min().x, r.min().y], [r.max().x, r.max().y])
        .filter_map(|i| {
            if late || !keep_going() {
                late = true;
                return None;
            }
            let area = layer.polygon(i);
            let overlap_m2 = match area.bounding_rect() {
                Some(b) if !edge_near(&shape.edges, b) => {
                    let probe = area.0.first().and_then(|p| p.exterior().0.first()).copied();
                    match probe {
                        Some(c) if geometry.intersects(&Point::from(c)) => layer.polygon_area(i),
                        _ => 0.0,
                    }
                }
                Some(b) if shape.large => {
                    let pad = Coord { x: 1.0, y: 1.0 };
                    let cut = clip_to_rect(geometry, Rect::new(b.min() - pad, b.max() + pad));
                    cut.intersection(area).unsigned_area()
                }
                _ => shared_area(geometry, area),
            };
            (overlap_m2 > 0.0).then_some(Overlap {
                area: i,
                overlap_m2,
            })
        })
        .collect();
    if late {
        return Err(DeadlinePassed);
    }
    out.sort_by_key(|o| o.area);
    Ok(out)
}

/// True when some edge's bounding box meets the rectangle (so the edge may cross it).
fn edge_near(edges: &RTree<Line<[f64; 2]>>, r: Rect<f64>) -> bool {
    let env = AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
    edges.locate_in_envelope_intersecting(&env).next().is_some()
}

/// Area shared by two valid multipolygons, m². When `a` is one convex ring (a School
/// Superzone circle) the other is clipped against it ring by ring (Sutherland–Hodgman), whose
/// output has exactly the intersection's area even for concave rings and holes; otherwise
/// geo's boolean intersection is used.
pub fn shared_area(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> f64 {
    if let [only] = a.0.as_slice() {
        if only.interiors().is_empty() && only.exterior().is_convex() {
            return convex_clip_area(b, only.exterior());
        }
    }
    a.intersection(b).unsigned_area()
}

/// Area of `subject` inside the convex ring `clip`.
fn convex_clip_area(subject: &MultiPolygon<f64>, clip: &LineString<f64>) -> f64 {
    let mut edges: Vec<(Coord<f64>, Coord<f64>)> = clip.lines().map(|l| (l.start, l.end)).collect();
    if LineString::new(clip.0.clone()).is_cw() {
        edges = edges.into_iter().rev().map(|(s, e)| (e, s)).collect();
    }
    let mut total = 0.0;
    for poly in &subject.0 {
        total += ring_clip_area(poly.exterior(), &edges).abs();
        for hole in poly.interiors() {
            total -= ring_clip_area(hole, &edges).abs();
        }
    }
    total.max(0.0)
}

/// Signed area of a ring clipped by a counter-clockwise convex polygon given as edges.
fn ring_clip_area(ring: &LineString<f64>, edges: &[(Coord<f64>, Coord<f64>)]) -> f64 {
    let pts = clip_ring(ring, edges);
    let n = pts.len();
    (0..n)
        .map(|k| pts[k].x * pts[(k + 1) % n].y - pts[(k + 1) % n].x * pts[k].y)
        .sum::<f64>()
        / 2.0
}

/// A ring clipped (Sutherland–Hodgman) by a counter-clockwise convex polygon given as edges,
/// as an open vertex list. For a concave ring the result may run along the clip boundary and
/// back (zero-width seams): its area is exactly the intersection's, and under the even-odd
/// fill rule the seams cancel.
fn clip_ring(ring: &LineString<f64>, edges: &[(Coord<f64>, Coord<f64>)]) -> Vec<Coord<f64>> {
    let mut pts: Vec<Coord<f64>> = ring.0.clone();
    if pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    let inside = |p: Coord<f64>, (a, b): (Coord<f64>, Coord<f64>)| {
        (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x) >= 0.0
    };
    let cut = |p: Coord<f64>, q: Coord<f64>, (a, b): (Coord<f64>, Coord<f64>)| {
        let (d1x, d1y) = (q.x - p.x, q.y - p.y);
        let (d2x, d2y) = (b.x - a.x, b.y - a.y);
        let den = d1x * d2y - d1y * d2x;
        if den == 0.0 {
            return p;
        }
        let t = ((a.x - p.x) * d2y - (a.y - p.y) * d2x) / den;
        Coord {
            x: p.x + t * d1x,
            y: p.y + t * d1y,
        }
    };
    let mut next = Vec::with_capacity(pts.len() + 8);
    for &edge in edges {
        if pts.is_empty() {
            return pts;
        }
        next.clear();
        for k in 0..pts.len() {
            let (p, q) = (pts[k], pts[(k + 1) % pts.len()]);
            match (inside(p, edge), inside(q, edge)) {
                (true, true) => next.push(q),
                (true, false) => next.push(cut(p, q, edge)),
                (false, true) => {
                    next.push(cut(p, q, edge));
                    next.push(q);
                }
                (false, false) => {}
            }
        }
        std::mem::swap(&mut pts, &mut next);
    }
    pts
}

/// Query polygons with more vertices than this are cut to each area's box before the exact
/// intersection, so a boolean operation never walks the whole query for a small area.
const CLIP_ABOVE_VERTICES: usize = 256;

/// `geometry` cut to the rectangle (every ring clipped, holes included), as a ring soup to
/// be read with the even-odd rule (which is what geo's boolean operations use by default).
fn clip_to_rect(geometry: &MultiPolygon<f64>, r: Rect<f64>) -> MultiPolygon<f64> {
    let (lo, hi) = (r.min(), r.max());
    let corners = [
        lo,
        Coord { x: hi.x, y: lo.y },
        hi,
        Coord { x: lo.x, y: hi.y },
    ];
    let edges: Vec<(Coord<f64>, Coord<f64>)> =
        (0..4).map(|k| (corners[k], corners[(k + 1) % 4])).collect();
    let rings = geometry
        .0
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()));
    MultiPolygon::new(
        rings
            .filter_map(|ring| {
                let mut pts = clip_ring(ring, &edges);
                if pts.len() < 3 {
                    return None;
                }
                pts.push(pts[0]);
                Some(Polygon::new(LineString::new(pts), vec![]))
            })
            .collect(),
    )
}

/// Overlaps of the *union* of many possibly overlapping polygons (selected School
/// Superzones) with a layer's areas, without building the union: each area is intersected
/// once with the polygons near it under the non-zero fill rule, which counts ground covered
/// by several polygons once. (geo's pairwise `unary_union` of 1,700 circles takes minutes.)
pub fn union_overlaps(parts: &[&Polygon<f64>], layer: &impl PolygonIndex) -> Vec<Overlap> {
    let tree: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>> = RTree::bulk_load(
        parts
            .iter()
            .enumerate()
            .filter_map(|(k, p)| {
                let r = p.bounding_rect()?;
                Some(GeomWithData::new(
                    Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                    k,
                ))
            })
            .collect(),
    );
    let Some(all) = bounds(parts) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for i in layer.candidates_in(all.0, all.1) {
        let area = layer.polygon(i);
        let Some(r) = area.bounding_rect() else {
            continue;
        };
        let env = AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
        let near: Vec<Polygon<f64>> = tree
            .locate_in_envelope_intersecting(&env)
            .map(|e| parts[e.data].clone())
            .collect();
        if near.is_empty() {
            continue;
        }
        let shared = area
            .boolean_op_with_fill_rule(
                &MultiPolygon::new(near),
                OpType::Intersection,
                FillRule::NonZero,
            )
            .unsigned_area();
        if shared > 0.0 {
            out.push(Overlap {
                area: i,
                overlap_m2: shared,
            });
        }
    }
    out
}

/// Area covered by the union of possibly overlapping polygons (non-zero fill), m².
pub fn union_area(parts: &[&Polygon<f64>]) -> f64 {
    let all = MultiPolygon::new(parts.iter().map(|p| (*p).clone()).collect());
    all.boolean_op_with_fill_rule(
        &MultiPolygon::new(Vec::new()),
        OpType::Union,
        FillRule::NonZero,
    )
    .unsigned_area()
}

fn bounds(parts: &[&Polygon<f64>]) -> Option<([f64; 2], [f64; 2])> {
    parts
        .iter()
        .filter_map(|p| p.bounding_rect())
        .fold(None, |acc, r| {
            let (lo, hi) = acc.unwrap_or(([f64::MAX; 2], [f64::MIN; 2]));
            Some((
                [lo[0].min(r.min().x), lo[1].min(r.min().y)],
                [hi[0].max(r.max().x), hi[1].max(r.max().y)],
            ))
        })
}

/// `overlaps` for every area of `targets`, spread over the machine's cores.
pub fn layer_overlaps(targets: &impl PolygonIndex, from: &impl PolygonIndex) -> Vec<Vec<Overlap>> {
    let n = targets.polygon_count();
    let threads = std::thread::available_parallelism()
        .map(|t| t.get())
        .unwrap_or(1)
        .clamp(1, 8);
    let chunk = n.div_ceil(threads).max(1);
    let mut out = vec![Vec::new(); n];
    std::thread::scope(|s| {
        for (c, slot) in out.chunks_mut(chunk).enumerate() {
            s.spawn(move || {
                for (k, o) in slot.iter_mut().enumerate() {
                    *o = overlaps(targets.polygon(c * chunk + k), from);
                }
            });
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geom::shapes::circle;
    use geo::wkt;

    #[test]
    fn convex_clipping_agrees_with_boolean_intersection_on_a_concave_holed_polygon() {
        let subject: MultiPolygon<f64> = MultiPolygon::new(vec![wkt!(POLYGON(
            (0. 0., 1000. 0., 1000. 1000., 500. 400., 0. 1000., 0. 0.),
            (100. 100., 100. 200., 200. 200., 200. 100., 100. 100.)
        ))]);
        for (x, y) in [
            (150.0, 150.0),
            (500.0, 500.0),
            (900.0, 100.0),
            (5000.0, 5000.0),
        ] {
            let c = MultiPolygon::new(vec![circle(x, y, 400.0, 64)]);
            let fast = shared_area(&c, &subject);
            let exact = c.intersection(&subject).unsigned_area();
            assert!(
                (fast - exact).abs() <= 1e-6 * exact.max(1.0),
                "at {x},{y}: {fast} vs {exact}"
            );
        }
    }
}
