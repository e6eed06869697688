//! Shapes built from parameters: circles as area-preserving regular polygons.
//!
//! A circle is drawn as a regular polygon whose area equals the true circle's (its vertices
//! sit a fraction of a metre outside the radius), so areas and overlap weights made from it
//! are not biased low. Failure modes: none; fewer than 8 segments are raised to 8.
//!
//! ```
//! use geo::Area;
//! let c = london_atlas::geom::shapes::circle(530_000.0, 180_000.0, 400.0, 64);
//! assert!((c.unsigned_area() - std::f64::consts::PI * 400.0 * 400.0).abs() < 1e-6);
//! ```

use geo::{Coord, LineString, Polygon};
use std::f64::consts::PI;

/// A regular polygon with the same area as the circle of radius `r` around (x, y).
pub fn circle(x: f64, y: f64, r: f64, segments: usize) -> Polygon<f64> {
    let n = segments.max(8);
    let theta = 2.0 * PI / n as f64;
    let r_eq = r * (theta / theta.sin()).sqrt();
    let mut pts: Vec<Coord<f64>> = (0..n)
        .map(|k| Coord {
            x: x + r_eq * (k as f64 * theta).cos(),
            y: y + r_eq * (k as f64 * theta).sin(),
        })
        .collect();
    pts.push(pts[0]);
    Polygon::new(LineString::new(pts), vec![])
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Area as _;

    #[test]
    fn a_circle_has_the_area_of_the_true_circle() {
        let c = circle(530_000.0, 180_000.0, 400.0, 64);
        let want = PI * 400.0 * 400.0;
        assert!(
            (c.unsigned_area() - want).abs() / want < 1e-12,
            "{}",
            c.unsigned_area()
        );
        assert_eq!(c.exterior().0.len(), 65);
    }
}
