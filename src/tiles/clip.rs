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

/// The part of `area` inside the buffered `tile`, in tile coordinates (0..4096 plus buffer,
/// y down), or `None` when nothing of it with an area is inside.
pub fn clip_to_tile(area: &ZoomArea, tile: &TileId) -> Option<IntShapes> {
    if !touches(area, tile) {
        return None;
    }
    let b = tile.buffered_box();
    let (ox, oy) = tile.origin();
    let a = area.bbox;
    let inside = a[0] >= b[0] && a[1] >= b[1] && a[2] <= b[2] && a[3] <= b[3];
    let shift = |shapes: &IntShapes| -> IntShapes {
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
    };
    if inside {
        return Some(shift(&area.shapes));
    }
    let local = shift(&area.shapes);
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
    orient(&mut out);
    // i_overlay rounds crossing points to the grid, so a point may sit one unit outside
    // the buffered square: harmless, it is in the buffer.
    Some(out)
}
