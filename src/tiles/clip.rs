//! Cutting one tile out of a zoom's geometry: areas wholly inside the buffered tile are only
//! shifted to tile coordinates; areas crossing its edge are intersected with the buffered
//! square on the integer grid. The common case (one ring leaving the square once) is cut by
//! Sutherland–Hodgman, which is exact there; every other case by i_overlay, which keeps any
//! result valid. Both are oriented for MVT.
//!
//! Failure modes: none; an area that does not reach the tile gives `None`.

use super::grid::TileId;
use super::simplify::{orient, overlay_options, ZoomArea};
use i_overlay::core::fill_rule::FillRule;
use i_overlay::core::overlay::Overlay;
use i_overlay::core::overlay_rule::OverlayRule;
use i_overlay::i_float::int::point::IntPoint;
use i_overlay::i_shape::int::shape::IntShapes;

/// True when the area's box meets the buffered tile.
pub fn touches(area: &ZoomArea, tile: &TileId) -> bool {
    let b = tile.buffered_box();
    let a = area.bbox;
    a[0] < b[2] && a[2] > b[0] && a[1] < b[3] && a[3] > b[1]
}

/// One area's polygons in a tile: borrowed from the zoom's geometry with the offset to tile
/// coordinates (wholly inside the buffered tile), or cut out of it (crossing its edge).
#[derive(Debug, Clone)]
pub enum TileShapes<'a> {
    /// Global-pixel shapes and the tile's origin to subtract.
    Inside(&'a IntShapes, (i32, i32)),
    /// Shapes already in tile coordinates.
    Clipped(IntShapes),
}

impl TileShapes<'_> {
    /// Every polygon as (is exterior, ring points in tile coordinates), in order.
    pub fn rings(&self) -> impl Iterator<Item = (bool, impl Iterator<Item = IntPoint> + '_)> + '_ {
        let (shapes, (ox, oy)) = match self {
            TileShapes::Inside(s, o) => (*s, *o),
            TileShapes::Clipped(s) => (s, (0, 0)),
        };
        shapes.iter().flat_map(move |shape| {
            shape.iter().enumerate().map(move |(k, ring)| {
                (
                    k == 0,
                    ring.iter().map(move |p| IntPoint::new(p.x - ox, p.y - oy)),
                )
            })
        })
    }

    /// The shapes in tile coordinates (allocating for the borrowed case).
    pub fn to_shapes(&self) -> IntShapes {
        match self {
            TileShapes::Inside(s, (ox, oy)) => shift(s, *ox, *oy),
            TileShapes::Clipped(s) => s.clone(),
        }
    }
}

fn shift(shapes: &IntShapes, ox: i32, oy: i32) -> IntShapes {
    shapes
        .iter()
        .map(|s| {
            s.iter()
                .map(|c| {
                    c.iter()
                        .map(|p| IntPoint::new(p.x - ox, p.y - oy))
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// Where a vertex lies against the box.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    In,
    Out,
}

/// The fast exact cut for the common case (most areas crossing a tile's edge at high zoom):
/// one ring, no hole, no vertex on the box's edges, leaving the box once and coming back
/// once, and no edge between two outside vertices passing over the box. Then the part
/// inside is one piece, and Sutherland–Hodgman against the four sides gives it with no
/// degenerate bridges; crossing points are rounded to the grid, on the box's edges. Any
/// other case answers `None` and goes to i_overlay.
fn clip_one_crossing(shapes: &IntShapes, lb: [i32; 4]) -> Option<IntShapes> {
    let [shape] = shapes.as_slice() else {
        return None;
    };
    let [ring] = shape.as_slice() else {
        return None;
    };
    let side = |p: &IntPoint| -> Option<Side> {
        if p.x > lb[0] && p.x < lb[2] && p.y > lb[1] && p.y < lb[3] {
            Some(Side::In)
        } else if p.x < lb[0] || p.x > lb[2] || p.y < lb[1] || p.y > lb[3] {
            Some(Side::Out)
        } else {
            None // on an edge of the box
        }
    };
    let sides: Vec<Side> = ring.iter().map(side).collect::<Option<_>>()?;
    let n = ring.len();
    let mut exits = 0;
    for i in 0..n {
        let (a, b) = (sides[i], sides[(i + 1) % n]);
        if a == Side::In && b == Side::Out {
            exits += 1;
        }
        if a == Side::Out && b == Side::Out && segment_meets_box(ring[i], ring[(i + 1) % n], lb) {
            return None;
        }
    }
    if exits != 1 {
        return None;
    }
    let mut poly: Vec<(f64, f64)> = ring.iter().map(|p| (p.x as f64, p.y as f64)).collect();
    for (axis, bound, keep_below) in [
        (0, lb[0] as f64, false),
        (0, lb[2] as f64, true),
        (1, lb[1] as f64, false),
        (1, lb[3] as f64, true),
    ] {
        poly = clip_half_plane(&poly, axis, bound, keep_below);
        if poly.len() < 3 {
            return None;
        }
    }
    let mut out: Vec<IntPoint> = Vec::with_capacity(poly.len());
    for (x, y) in poly {
        let p = IntPoint::new(x.round() as i32, y.round() as i32);
        if out.last() != Some(&p) {
            out.push(p);
        }
    }
    while out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
    drop_boundary_spikes(&mut out, lb);
    (out.len() >= 3 && super::simplify::doubled_area(&out) != 0).then(|| vec![vec![out]])
}

/// Removes every vertex on the box's edges that lies on a straight line with its neighbours:
/// where the ring went round a corner outside the box, Sutherland–Hodgman leaves the corner
/// as the tip of a zero-width spike along an edge; without it the ring is the true cut.
fn drop_boundary_spikes(ring: &mut Vec<IntPoint>, lb: [i32; 4]) {
    let on_edge = |p: &IntPoint| p.x == lb[0] || p.x == lb[2] || p.y == lb[1] || p.y == lb[3];
    let mut changed = true;
    while changed && ring.len() >= 3 {
        changed = false;
        let mut i = 0;
        while i < ring.len() && ring.len() >= 3 {
            let n = ring.len();
            let (a, b, c) = (ring[(i + n - 1) % n], ring[i], ring[(i + 1) % n]);
            let cross =
                (b.x - a.x) as i64 * (c.y - a.y) as i64 - (b.y - a.y) as i64 * (c.x - a.x) as i64;
            if on_edge(&b) && (cross == 0 || a == b || b == c) {
                ring.remove(i);
                changed = true;
            } else {
                i += 1;
            }
        }
    }
}

/// Sutherland–Hodgman against one side: keep `coordinate[axis] <= bound` (or `>=`).
fn clip_half_plane(
    poly: &[(f64, f64)],
    axis: usize,
    bound: f64,
    keep_below: bool,
) -> Vec<(f64, f64)> {
    let get = |p: &(f64, f64)| if axis == 0 { p.0 } else { p.1 };
    let inside = |p: &(f64, f64)| {
        if keep_below {
            get(p) <= bound
        } else {
            get(p) >= bound
        }
    };
    let cross = |a: &(f64, f64), b: &(f64, f64)| {
        let t = (bound - get(a)) / (get(b) - get(a));
        if axis == 0 {
            (bound, a.1 + t * (b.1 - a.1))
        } else {
            (a.0 + t * (b.0 - a.0), bound)
        }
    };
    let mut out = Vec::with_capacity(poly.len() + 4);
    for i in 0..poly.len() {
        let (a, b) = (&poly[i], &poly[(i + 1) % poly.len()]);
        match (inside(a), inside(b)) {
            (true, true) => out.push(*b),
            (true, false) => out.push(cross(a, b)),
            (false, true) => {
                out.push(cross(a, b));
                out.push(*b);
            }
            (false, false) => {}
        }
    }
    out
}

/// True when the segment between two points outside the box may pass over it (a
/// conservative test: the segment's box overlaps the box and it is not cleared by one side).
fn segment_meets_box(a: IntPoint, b: IntPoint, lb: [i32; 4]) -> bool {
    let (x0, y0, x1, y1) = (lb[0], lb[1], lb[2], lb[3]);
    !((a.x < x0 && b.x < x0)
        || (a.x > x1 && b.x > x1)
        || (a.y < y0 && b.y < y0)
        || (a.y > y1 && b.y > y1))
}

/// The part of `area` inside the buffered `tile`, in tile coordinates (0..4096 plus buffer,
/// y down), or `None` when nothing of it with an area is inside.
pub fn clip_to_tile<'a>(area: &'a ZoomArea, tile: &TileId) -> Option<TileShapes<'a>> {
    if !touches(area, tile) {
        return None;
    }
    let b = tile.buffered_box();
    let (ox, oy) = tile.origin();
    let a = area.bbox;
    if a[0] >= b[0] && a[1] >= b[1] && a[2] <= b[2] && a[3] <= b[3] {
        return Some(TileShapes::Inside(&area.shapes, (ox, oy)));
    }
    let local = shift(&area.shapes, ox, oy);
    let lb = [b[0] - ox, b[1] - oy, b[2] - ox, b[3] - oy];
    if let Some(mut out) = clip_one_crossing(&local, lb) {
        orient(&mut out);
        return Some(TileShapes::Clipped(out));
    }
    let square = vec![vec![
        IntPoint::new(lb[0], lb[1]),
        IntPoint::new(lb[0], lb[3]),
        IntPoint::new(lb[2], lb[3]),
        IntPoint::new(lb[2], lb[1]),
    ]];
    let mut overlay =
        Overlay::with_shapes_options(&local, &[square], overlay_options(), Default::default());
    let mut out = overlay.overlay(OverlayRule::Intersect, FillRule::EvenOdd);
    if out.is_empty() {
        return None;
    }
    // i_overlay rounds crossing points to the grid, so a point may sit one unit outside
    // the buffered square: harmless, it is in the buffer.
    orient(&mut out);
    Some(TileShapes::Clipped(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The i_overlay cut, as `clip_to_tile` makes it for every other case.
    fn by_overlay(shapes: &IntShapes, lb: [i32; 4]) -> IntShapes {
        let square = vec![vec![
            IntPoint::new(lb[0], lb[1]),
            IntPoint::new(lb[0], lb[3]),
            IntPoint::new(lb[2], lb[3]),
            IntPoint::new(lb[2], lb[1]),
        ]];
        let mut overlay =
            Overlay::with_shapes_options(shapes, &[square], overlay_options(), Default::default());
        overlay.overlay(OverlayRule::Intersect, FillRule::EvenOdd)
    }

    fn area(shapes: &IntShapes) -> i64 {
        shapes
            .iter()
            .flatten()
            .map(|c| super::super::simplify::doubled_area(c))
            .sum::<i64>()
            .abs()
    }

    /// Star-shaped rings around points near the box's edges and corners: wherever the fast
    /// cut answers, it equals i_overlay's to the rounding of its crossing points, and its one
    /// ring is valid (geo's check).
    #[test]
    fn the_fast_cut_equals_the_overlay_where_it_answers() {
        use geo::Validation;
        let lb = [-64, -64, 4160, 4160];
        let mut seed = 12345u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as f64 / (1u64 << 31) as f64
        };
        let (mut fast, mut tried) = (0, 0);
        for _ in 0..3000 {
            let cx = -800.0 + next() * 5800.0;
            let cy = -800.0 + next() * 5800.0;
            let k = 5 + (next() * 40.0) as usize;
            let ring: Vec<IntPoint> = (0..k)
                .map(|i| {
                    let t = std::f64::consts::TAU * i as f64 / k as f64;
                    let r = 200.0 + next() * 1500.0;
                    IntPoint::new((cx + r * t.cos()) as i32, (cy + r * t.sin()) as i32)
                })
                .collect();
            let shapes = vec![vec![ring]];
            tried += 1;
            let Some(cut) = clip_one_crossing(&shapes, lb) else {
                continue;
            };
            fast += 1;
            let reference = by_overlay(&shapes, lb);
            let (a, b) = (area(&cut), area(&reference));
            let crossings = 2 * 4096; // rounding: at most half a unit along each crossing
            assert!(
                (a - b).abs() <= crossings,
                "fast {a} vs overlay {b} for {shapes:?}"
            );
            let ring: geo::LineString<f64> = cut[0][0]
                .iter()
                .map(|p| geo::coord! { x: p.x as f64, y: p.y as f64 })
                .collect();
            let polygon = geo::Polygon::new(ring, vec![]);
            assert!(polygon.is_valid(), "{:?}", cut);
        }
        // the case is common, and the others are left to the overlay
        assert!(fast > tried / 10 && fast < tried, "{fast} of {tried}");
    }
}
