//! The tile grid: XYZ addressing (y counted down from the north, as in OSM/Google/MapLibre),
//! the zoom range, the MVT extent and buffer, and the global integer pixel grid each zoom's
//! geometry is snapped to before tiles are cut from it.
//!
//! Failure modes: [`TileId::new`] refuses a zoom above [`MAX_ZOOM`] and a column or row outside
//! `0..2^z`, with a [`GridError`] naming the bad value. Everything else is total.

use crate::geom::crs::{mercator_to_lonlat, MERCATOR_HALF_WORLD};

/// Highest zoom served (clients over-zoom beyond it).
pub const MAX_ZOOM: u8 = 14;
/// Tile extent in tile units (MVT 2.1 default).
pub const EXTENT: i32 = 4096;
/// Buffer around each tile, in tile units, so strokes and antialiasing do not show seams.
pub const BUFFER: i32 = 64;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GridError {
    #[error("zoom {z} is out of range: tiles exist for zooms 0 to {max}")]
    ZoomOutOfRange { z: u32, max: u8 },
    #[error("column x={x} is out of range at zoom {z}: x must be between 0 and {last}")]
    ColumnOutOfRange { z: u8, x: u32, last: u32 },
    #[error("row y={y} is out of range at zoom {z}: y must be between 0 and {last}")]
    RowOutOfRange { z: u8, y: u32, last: u32 },
}

/// One tile of the XYZ pyramid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    pub z: u8,
    pub x: u32,
    pub y: u32,
}

impl std::fmt::Display for TileId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.z, self.x, self.y)
    }
}

impl TileId {
    /// A tile id, checked against the pyramid's bounds.
    pub fn new(z: u32, x: u32, y: u32) -> Result<TileId, GridError> {
        if z > MAX_ZOOM as u32 {
            return Err(GridError::ZoomOutOfRange { z, max: MAX_ZOOM });
        }
        let z = z as u8;
        let last = (1u32 << z) - 1;
        if x > last {
            return Err(GridError::ColumnOutOfRange { z, x, last });
        }
        if y > last {
            return Err(GridError::RowOutOfRange { z, y, last });
        }
        Ok(TileId { z, x, y })
    }

    /// The tile at zoom `z` that holds a WGS84 point (latitude clamped to Web Mercator's).
    pub fn containing(z: u8, lon: f64, lat: f64) -> Result<TileId, GridError> {
        let (x, y) = crate::geom::crs::lonlat_to_mercator(lon, lat);
        let (px, py) = mercator_to_pixel(z, x, y);
        let last = ((1u64 << z.min(MAX_ZOOM)) - 1) as f64;
        let cell = |p: f64| (p / EXTENT as f64).floor().clamp(0.0, last) as u32;
        TileId::new(u32::from(z), cell(px), cell(py))
    }

    /// Global pixel of the tile's top-left corner at its zoom.
    pub fn origin(&self) -> (i32, i32) {
        (self.x as i32 * EXTENT, self.y as i32 * EXTENT)
    }

    /// The buffered tile in global pixels: (min x, min y, max x, max y).
    pub fn buffered_box(&self) -> [i32; 4] {
        let (x0, y0) = self.origin();
        [
            x0 - BUFFER,
            y0 - BUFFER,
            x0 + EXTENT + BUFFER,
            y0 + EXTENT + BUFFER,
        ]
    }

    /// WGS84 bounds of the tile (west, south, east, north), without buffer.
    pub fn lonlat_bounds(&self) -> [f64; 4] {
        let (x0, y0) = self.origin();
        let (w, n) = pixel_to_lonlat(self.z, x0 as f64, y0 as f64);
        let (e, s) = pixel_to_lonlat(self.z, (x0 + EXTENT) as f64, (y0 + EXTENT) as f64);
        [w, s, e, n]
    }
}

/// Width of the world in global pixels at zoom `z`.
pub fn world_pixels(z: u8) -> f64 {
    EXTENT as f64 * (1u64 << z) as f64
}

/// Web Mercator metres per tile unit at zoom `z` (at the equator; true scale at London's
/// latitude is about 0.62 of this).
pub fn unit_metres(z: u8) -> f64 {
    2.0 * MERCATOR_HALF_WORLD / world_pixels(z)
}

/// Web Mercator metres to global pixels at zoom `z` (y down), unrounded.
pub fn mercator_to_pixel(z: u8, x: f64, y: f64) -> (f64, f64) {
    let w = world_pixels(z);
    let h = 2.0 * MERCATOR_HALF_WORLD;
    (
        (x + MERCATOR_HALF_WORLD) / h * w,
        (MERCATOR_HALF_WORLD - y) / h * w,
    )
}

/// Global pixels at zoom `z` to Web Mercator metres.
pub fn pixel_to_mercator(z: u8, px: f64, py: f64) -> (f64, f64) {
    let w = world_pixels(z);
    let h = 2.0 * MERCATOR_HALF_WORLD;
    (
        px / w * h - MERCATOR_HALF_WORLD,
        MERCATOR_HALF_WORLD - py / w * h,
    )
}

/// Global pixels at zoom `z` to WGS84 degrees.
pub fn pixel_to_lonlat(z: u8, px: f64, py: f64) -> (f64, f64) {
    let (x, y) = pixel_to_mercator(z, px, py);
    mercator_to_lonlat(x, y)
}

/// Every tile at zoom `z` that meets a Web Mercator box (min x, min y, max x, max y),
/// in row-major order.
pub fn tiles_covering(z: u8, merc: [f64; 4]) -> Vec<TileId> {
    let (px0, py1) = mercator_to_pixel(z, merc[0], merc[1]);
    let (px1, py0) = mercator_to_pixel(z, merc[2], merc[3]);
    let last = (1i64 << z) - 1;
    let t = |p: f64| ((p / EXTENT as f64).floor() as i64).clamp(0, last) as u32;
    let mut out = Vec::new();
    for y in t(py0)..=t(py1) {
        for x in t(px0)..=t(px1) {
            out.push(TileId { z, x, y });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_ids_outside_the_pyramid_are_refused_with_the_bad_value() {
        assert!(TileId::new(14, 8187, 5448).is_ok());
        assert_eq!(
            TileId::new(15, 0, 0),
            Err(GridError::ZoomOutOfRange { z: 15, max: 14 })
        );
        assert!(TileId::new(2, 4, 0)
            .unwrap_err()
            .to_string()
            .contains("x=4"));
        assert!(TileId::new(0, 0, 1).is_err());
    }

    #[test]
    fn pixels_round_trip_to_mercator_and_london_falls_in_its_z10_tile() {
        let (x, y) = crate::geom::crs::lonlat_to_mercator(-0.1276, 51.5072);
        let (px, py) = mercator_to_pixel(10, x, y);
        let (tx, ty) = ((px / 4096.0) as u32, (py / 4096.0) as u32);
        assert_eq!((tx, ty), (511, 340));
        let (x2, y2) = pixel_to_mercator(10, px, py);
        assert!((x - x2).abs() < 1e-6 && (y - y2).abs() < 1e-6);
    }
}
