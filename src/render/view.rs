//! What part of London a map image shows: the requested box fitted to the image's aspect
//! ratio in Web Mercator, its scale (metres per image pixel), the zoom whose simplified tile
//! geometry is fine enough for that scale, and the square the renderer draws (maplibre-rs
//! renders one square tile per frame: the image is its top-left corner).
//!
//! Failure modes: [`ViewError`] for a malformed or inverted box, a box outside Web Mercator's
//! latitudes, or an image side outside [`MIN_SIDE`]..=[`MAX_SIDE`].

use crate::geom::crs::{lonlat_to_mercator, mercator_to_lonlat, valid_lon_lat, MERCATOR_MAX_LAT};
use crate::tiles::grid::{unit_metres, EXTENT, MAX_ZOOM};

/// Smallest image side, pixels.
pub const MIN_SIDE: u32 = 64;
/// Largest image side, pixels.
pub const MAX_SIDE: u32 = 2048;
/// Sides of the squares the renderer draws (one renderer per side, made on first use).
pub const RENDER_SIDES: [u32; 4] = [256, 512, 1024, 2048];
/// Tile units per pixel of a tile drawn 512 pixels wide (the zoom's simplification is half a
/// pixel of such a tile).
const UNITS_PER_DISPLAY_PIXEL: f64 = EXTENT as f64 / 512.0;
/// Margin around an area fitted into an image, as a share of the area's box on each side.
pub const AREA_MARGIN: f64 = 0.08;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ViewError {
    #[error("bbox must be four numbers minLon,minLat,maxLon,maxLat, got \"{0}\"")]
    BboxSyntax(String),
    #[error("bbox {0} is not a box of longitudes and latitudes: need minLon < maxLon within -180..180 and minLat < maxLat within ±85.05")]
    BboxRange(String),
    #[error("{what} must be a whole number of pixels from {MIN_SIDE} to {MAX_SIDE}, got {got}")]
    Side { what: &'static str, got: String },
}

/// A map image's extent, size and scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MapView {
    pub width: u32,
    pub height: u32,
    /// Web Mercator box shown by the image: min x, min y, max x, max y (metres).
    pub merc: [f64; 4],
    /// Web Mercator metres per image pixel (the same across and down).
    pub metres_per_pixel: f64,
    /// Zoom of the simplified geometry drawn.
    pub z: u8,
    /// Side of the square the renderer draws; the image is its top-left `width`×`height`.
    pub side: u32,
}

/// Parses `minLon,minLat,maxLon,maxLat`.
pub fn parse_bbox(raw: &str) -> Result<[f64; 4], ViewError> {
    let parts: Vec<f64> = raw
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| ViewError::BboxSyntax(raw.to_string()))?;
    let [w, s, e, n]: [f64; 4] = parts
        .try_into()
        .map_err(|_| ViewError::BboxSyntax(raw.to_string()))?;
    let ok = valid_lon_lat(w, s)
        && valid_lon_lat(e, n)
        && w < e
        && s < n
        && s.abs() <= MERCATOR_MAX_LAT
        && n.abs() <= MERCATOR_MAX_LAT;
    if !ok {
        return Err(ViewError::BboxRange(raw.to_string()));
    }
    Ok([w, s, e, n])
}

/// Parses an image side (`what` names the parameter in the error).
pub fn parse_side(what: &'static str, raw: &str) -> Result<u32, ViewError> {
    raw.trim()
        .parse::<u32>()
        .ok()
        .filter(|v| (MIN_SIDE..=MAX_SIDE).contains(v))
        .ok_or(ViewError::Side {
            what,
            got: raw.to_string(),
        })
}

/// WGS84 box (west, south, east, north) to a Web Mercator box.
pub fn lonlat_box_to_mercator(b: [f64; 4]) -> [f64; 4] {
    let (x0, y0) = lonlat_to_mercator(b[0], b[1]);
    let (x1, y1) = lonlat_to_mercator(b[2], b[3]);
    [x0, y0, x1, y1]
}

/// A Web Mercator box grown by `share` of its width and height on each side.
pub fn with_margin(m: [f64; 4], share: f64) -> [f64; 4] {
    let (dx, dy) = ((m[2] - m[0]) * share, (m[3] - m[1]) * share);
    [m[0] - dx, m[1] - dy, m[2] + dx, m[3] + dy]
}

impl MapView {
    /// The view showing all of the Web Mercator box `merc` in a `width`×`height` image,
    /// centred, the box widened or heightened to the image's aspect ratio.
    pub fn fit(merc: [f64; 4], width: u32, height: u32) -> Result<MapView, ViewError> {
        for (what, v) in [("width", width), ("height", height)] {
            if !(MIN_SIDE..=MAX_SIDE).contains(&v) {
                return Err(ViewError::Side {
                    what,
                    got: v.to_string(),
                });
            }
        }
        // A degenerate box (a point) still gets a sensible scale: 1 m per pixel at least.
        let m = ((merc[2] - merc[0]) / width as f64)
            .max((merc[3] - merc[1]) / height as f64)
            .max(1.0);
        let (cx, cy) = ((merc[0] + merc[2]) / 2.0, (merc[1] + merc[3]) / 2.0);
        let (hw, hh) = (width as f64 * m / 2.0, height as f64 * m / 2.0);
        let z = (0..=MAX_ZOOM)
            .find(|&z| unit_metres(z) * UNITS_PER_DISPLAY_PIXEL <= m)
            .unwrap_or(MAX_ZOOM);
        let longest = width.max(height);
        let side = RENDER_SIDES
            .into_iter()
            .find(|&s| s >= longest)
            .unwrap_or(MAX_SIDE);
        Ok(MapView {
            width,
            height,
            merc: [cx - hw, cy - hh, cx + hw, cy + hh],
            metres_per_pixel: m,
            z,
            side,
        })
    }

    /// The image's extent in WGS84: west, south, east, north.
    pub fn lonlat_bbox(&self) -> [f64; 4] {
        let (w, s) = mercator_to_lonlat(self.merc[0], self.merc[1]);
        let (e, n) = mercator_to_lonlat(self.merc[2], self.merc[3]);
        [w, s, e, n]
    }

    /// Image pixel (x right, y down, unrounded) of a Web Mercator point.
    pub fn mercator_to_image(&self, x: f64, y: f64) -> (f64, f64) {
        (
            (x - self.merc[0]) / self.metres_per_pixel,
            (self.merc[3] - y) / self.metres_per_pixel,
        )
    }

    /// Image pixel of a WGS84 point.
    pub fn lonlat_to_image(&self, lon: f64, lat: f64) -> (f64, f64) {
        let (x, y) = lonlat_to_mercator(lon, lat);
        self.mercator_to_image(x, y)
    }

    /// Render-square units (MVT extent 4096 across the square) per image pixel.
    pub fn units_per_pixel(&self) -> f64 {
        EXTENT as f64 / self.side as f64
    }

    /// Web Mercator box of the zoom's global-pixel grid that the render square covers, grown
    /// by `pad` pixels: min x, min y, max x, max y in global pixels at zoom `z`.
    pub fn global_pixel_box(&self, pad: f64) -> [f64; 4] {
        let u = unit_metres(self.z);
        let half = crate::geom::crs::MERCATOR_HALF_WORLD;
        let span = self.side as f64 * self.metres_per_pixel;
        let p = pad * self.metres_per_pixel;
        [
            (self.merc[0] - p + half) / u,
            (half - self.merc[3] - p) / u,
            (self.merc[0] + span + p + half) / u,
            (half - (self.merc[3] - span) + p) / u,
        ]
    }

    /// Render-square units of a global pixel at zoom `z`.
    pub fn global_to_units(&self, gx: f64, gy: f64) -> (f64, f64) {
        let u = unit_metres(self.z);
        let half = crate::geom::crs::MERCATOR_HALF_WORLD;
        let (x, y) = (gx * u - half, half - gy * u);
        let (px, py) = self.mercator_to_image(x, y);
        (px * self.units_per_pixel(), py * self.units_per_pixel())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bbox_and_sides_are_checked() {
        assert_eq!(
            parse_bbox("-0.2,51.4,0.1,51.6").unwrap(),
            [-0.2, 51.4, 0.1, 51.6]
        );
        assert!(matches!(parse_bbox("1,2,3"), Err(ViewError::BboxSyntax(_))));
        assert!(matches!(
            parse_bbox("a,2,3,4"),
            Err(ViewError::BboxSyntax(_))
        ));
        assert!(matches!(
            parse_bbox("0.1,51.4,-0.2,51.6"),
            Err(ViewError::BboxRange(_))
        ));
        assert!(matches!(
            parse_bbox("0,-89,1,1"),
            Err(ViewError::BboxRange(_))
        ));
        assert_eq!(parse_side("width", "64").unwrap(), 64);
        assert!(parse_side("width", "63").is_err());
        assert!(parse_side("width", "2049").is_err());
        assert!(parse_side("width", "1e3").is_err());
    }

    #[test]
    fn fit_keeps_the_box_inside_the_image_at_one_scale() {
        let merc = lonlat_box_to_mercator([-0.2, 51.45, 0.0, 51.55]);
        let v = MapView::fit(merc, 1024, 768).unwrap();
        assert_eq!(v.side, 1024);
        let (x0, y1) = v.mercator_to_image(merc[0], merc[1]);
        let (x1, y0) = v.mercator_to_image(merc[2], merc[3]);
        assert!(x0 >= -1e-6 && x1 <= 1024.0 + 1e-6 && y0 >= -1e-6 && y1 <= 768.0 + 1e-6);
        // The longer side of the box (relative to the image) touches both edges.
        assert!(
            (x0.abs() < 1e-6 && (x1 - 1024.0).abs() < 1e-6)
                || (y0.abs() < 1e-6 && (y1 - 768.0).abs() < 1e-6)
        );
        // The zoom's display pixel is no coarser than the image's pixel, the next zoom's is.
        assert!(unit_metres(v.z) * 8.0 <= v.metres_per_pixel);
        assert!(v.z == 0 || unit_metres(v.z - 1) * 8.0 > v.metres_per_pixel);
        assert!(MapView::fit(merc, 10, 768).is_err());
    }

    #[test]
    fn global_pixels_and_image_pixels_agree() {
        let merc = lonlat_box_to_mercator([-0.2, 51.45, 0.0, 51.55]);
        let v = MapView::fit(merc, 600, 400).unwrap();
        let b = v.global_pixel_box(0.0);
        let (ux, uy) = v.global_to_units(b[0], b[1]);
        assert!(ux.abs() < 1e-6 && uy.abs() < 1e-6);
        let (ux, uy) = v.global_to_units(b[2], b[3]);
        assert!((ux - 4096.0).abs() < 1e-6 && (uy - 4096.0).abs() < 1e-6);
    }
}
