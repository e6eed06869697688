//! Repair of a layer's invalid area boundaries (self-intersecting or self-touching rings,
//! holes outside their shell) with [`crate::geom::validity`], so an area is mended, never
//! dropped. Each repair is reported with the area before and after.
//!
//! Failure modes: a geometry that cannot be repaired is a [`RepairFailure`] naming the area;
//! the atlas stops loading.

use crate::geom::validity::{invalidity, make_valid};
use crate::layer::Area;
use geo::Area as _;
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
        area.geometry = make_valid(&area.geometry).map_err(|reason| RepairFailure {
            code: area.code.clone(),
            problem: problem.clone(),
            reason,
        })?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{wkt, MultiPolygon};

    #[test]
    fn a_bowtie_area_is_repaired_and_reported() {
        let bowtie: MultiPolygon<f64> =
            MultiPolygon::new(vec![wkt!(POLYGON((0. 0., 0. 10., 10. 0., 10. 10., 0. 0.)))]);
        let mut areas = vec![Area::new("X".into(), "x".into(), None, bowtie)];
        let repairs = repair_areas(&mut areas).expect("repairable");
        assert_eq!(repairs.len(), 1);
        assert_eq!((repairs[0].code.as_str(), repairs[0].parts_after), ("X", 2));
        assert!((areas[0].area_m2 - 50.0).abs() < 1e-9);
    }

    #[test]
    fn valid_areas_are_left_alone() {
        let square: MultiPolygon<f64> =
            MultiPolygon::new(vec![wkt!(POLYGON((0. 0., 10. 0., 10. 10., 0. 10., 0. 0.)))]);
        let mut areas = vec![Area::new("S".into(), "s".into(), None, square)];
        assert!(repair_areas(&mut areas).expect("ok").is_empty());
    }
}
