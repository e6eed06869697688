//! Cutting one tile out of a zoom's geometry: areas wholly inside the buffered tile are only
//! shifted to tile coordinates; areas crossing its edge are intersected with the buffered
//! square on the integer grid (i_overlay), which keeps the result valid and oriented.
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
