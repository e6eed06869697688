//! Areas and layers: the geometry of every area in EPSG:27700, its code, name and borough,
//! the indicator columns joined to it, and the bulk-loaded R-tree that finds it.

use crate::aggregate::Method;
use crate::indicator::Comparison;
use geo::{Area as _, BoundingRect, MultiPolygon};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};
use std::collections::{BTreeMap, HashMap};

/// One area of a layer: a borough, an LSOA or a School Superzone.
#[derive(Debug, Clone)]
pub struct Area {
    pub code: String,
    pub name: String,
    /// GSS code of the borough the area belongs to (for a borough, its own code).
    pub borough: Option<String>,
    /// Boundary in British National Grid metres, valid (repaired where the source was not).
    pub geometry: MultiPolygon<f64>,
    /// Planar area in m² (EPSG:27700).
    pub area_m2: f64,
    /// Extra text attributes kept from the source (e.g. a school's phase).
    pub properties: BTreeMap<String, String>,
    /// For an area dissolved from another layer's areas: their codes.
    pub members: Vec<String>,
}

impl Area {
    pub fn new(
        code: String,
        name: String,
        borough: Option<String>,
        geometry: MultiPolygon<f64>,
    ) -> Area {
        let area_m2 = geometry.unsigned_area();
        Area {
            code,
            name,
            borough,
            geometry,
            area_m2,
            properties: BTreeMap::new(),
            members: Vec::new(),
        }
    }
}

/// Values of one indicator on one layer, aligned with the layer's areas.
#[derive(Debug, Clone)]
pub struct Column {
    pub values: Vec<Option<f64>>,
    /// How the values were obtained (as published, summed, weighted ...).
    pub method: Method,
    /// How each area compares with the indicator's reference (England), where the publisher
    /// judged it or confidence intervals tell; empty when nothing does.
    pub comparisons: Vec<Option<Comparison>>,
    /// Each value's 95 % confidence interval, where published; empty when none is.
    pub intervals: Vec<Option<[f64; 2]>>,
}

impl Column {
    pub fn new(values: Vec<Option<f64>>, method: Method) -> Column {
        Column {
            values,
            method,
            comparisons: Vec::new(),
            intervals: Vec::new(),
        }
    }

    /// The comparison of area `i` with the reference, if known.
    pub fn comparison(&self, i: usize) -> Option<Comparison> {
        self.comparisons.get(i).copied().flatten()
    }

    /// The confidence interval of area `i`, if published.
    pub fn interval(&self, i: usize) -> Option<[f64; 2]> {
        self.intervals.get(i).copied().flatten()
    }
}

pub type IndexEntry = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// A set of areas of one kind, with its indicator columns and spatial index.
#[derive(Debug)]
pub struct Layer {
    pub id: String,
    pub title: String,
    pub description: String,
    pub areas: Vec<Area>,
    /// Indicator id -> values.
    pub columns: BTreeMap<String, Column>,
    /// Codes of the areas that were repaired on load.
    pub repaired: Vec<String>,
    /// Lowest zoom the layer is drawn at.
    pub minzoom: u8,
    /// True when areas of this layer may overlap each other (School Superzones).
    pub overlapping: bool,
    /// Kept text properties that vector tiles carry (from the manifest).
    pub tile_properties: Vec<String>,
    by_code: HashMap<String, usize>,
    index: RTree<IndexEntry>,
}

impl Layer {
    /// Builds a layer and its R-tree (bulk-loaded). Codes must be unique (checked by the loader).
    pub fn new(id: &str, title: &str, description: &str, areas: Vec<Area>) -> Layer {
        let by_code = areas
            .iter()
            .enumerate()
            .map(|(i, a)| (a.code.clone(), i))
            .collect();
        let entries = areas
            .iter()
            .enumerate()
            .filter_map(|(i, a)| {
                let r = a.geometry.bounding_rect()?;
                Some(GeomWithData::new(
                    Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                    i,
                ))
            })
            .collect();
        Layer {
            id: id.to_string(),
            title: title.to_string(),
            description: description.to_string(),
            areas,
            columns: BTreeMap::new(),
            repaired: Vec::new(),
            minzoom: 0,
            overlapping: false,
            tile_properties: Vec::new(),
            by_code,
            index: RTree::bulk_load(entries),
        }
    }

    pub fn area_index(&self, code: &str) -> Option<usize> {
        self.by_code.get(code).copied()
    }

    pub fn area(&self, code: &str) -> Option<&Area> {
        self.area_index(code).map(|i| &self.areas[i])
    }

    /// Indexes of the areas whose bounding box contains the point (candidates only).
    pub fn candidates_at(&self, x: f64, y: f64) -> impl Iterator<Item = usize> + '_ {
        self.index.locate_all_at_point(&[x, y]).map(|e| e.data)
    }

    /// Indexes of the areas whose bounding box meets the rectangle (candidates only).
    pub fn candidates_in(&self, min: [f64; 2], max: [f64; 2]) -> impl Iterator<Item = usize> + '_ {
        self.index
            .locate_in_envelope_intersecting(&AABB::from_corners(min, max))
            .map(|e| e.data)
    }

    /// The value of an indicator for area `i`, if the layer has it and the area has a value.
    pub fn value(&self, indicator: &str, i: usize) -> Option<f64> {
        self.columns
            .get(indicator)
            .and_then(|c| c.values.get(i).copied().flatten())
    }

    /// Bounding box of the whole layer in EPSG:27700 (min x, min y, max x, max y).
    pub fn extent(&self) -> Option<[f64; 4]> {
        let env = self.index.root().envelope();
        if self.areas.is_empty() {
            return None;
        }
        Some([
            env.lower()[0],
            env.lower()[1],
            env.upper()[0],
            env.upper()[1],
        ])
    }
}

impl crate::geom::overlay::PolygonIndex for Layer {
    fn polygon_count(&self) -> usize {
        self.areas.len()
    }

    fn polygon(&self, i: usize) -> &MultiPolygon<f64> {
        &self.areas[i].geometry
    }

    fn polygon_area(&self, i: usize) -> f64 {
        self.areas[i].area_m2
    }

    fn candidates_in(&self, min: [f64; 2], max: [f64; 2]) -> impl Iterator<Item = usize> + '_ {
        Layer::candidates_in(self, min, max)
    }
}
