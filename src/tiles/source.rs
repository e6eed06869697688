//! One layer's tile source: its [`Topology`] (shared borders as arcs, Web Mercator, built
//! once) and, per zoom, its simplified geometry with an R-tree of the areas' boxes so that a
//! tile visits only the areas it meets. Everything is built on first use and kept.
//!
//! Failure modes: none.

use super::clip::{clip_to_tile, touches, TileShapes};
use super::grid::{TileId, MAX_ZOOM};
use super::simplify::ZoomGeometry;
use super::topology::Topology;
use crate::atlas::Atlas;
use crate::geom::crs::bng_to_mercator;
use crate::layer::Layer;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};
use std::sync::OnceLock;

type BoxEntry = GeomWithData<Rectangle<[i32; 2]>, usize>;

/// A layer's geometry at one zoom and the index of its areas' boxes (global pixels).
#[derive(Debug)]
pub struct IndexedZoom {
    pub geometry: ZoomGeometry,
    index: RTree<BoxEntry>,
}

impl IndexedZoom {
    fn new(geometry: ZoomGeometry) -> IndexedZoom {
        let entries = geometry
            .areas
            .iter()
            .enumerate()
            .map(|(k, a)| {
                let [x0, y0, x1, y1] = a.bbox;
                GeomWithData::new(Rectangle::from_corners([x0, y0], [x1, y1]), k)
            })
            .collect();
        IndexedZoom {
            geometry,
            index: RTree::bulk_load(entries),
        }
    }

    /// Every area inside or crossing the buffered tile, cut to it, in the layer's area order.
    pub fn features(&self, tile: &TileId) -> Vec<(usize, TileShapes<'_>)> {
        let b = tile.buffered_box();
        let env = AABB::from_corners([b[0], b[1]], [b[2], b[3]]);
        let mut near: Vec<usize> = self
            .index
            .locate_in_envelope_intersecting(&env)
            .map(|e| e.data)
            .collect();
        near.sort_unstable();
        near.into_iter()
            .filter_map(|k| {
                let area = &self.geometry.areas[k];
                if !touches(area, tile) {
                    return None;
                }
                clip_to_tile(area, tile).map(|s| (k, s))
            })
            .collect()
    }
}

/// Per-layer geometry for tiles, built on first use.
#[derive(Debug, Default)]
pub struct LayerSource {
    topology: OnceLock<Topology>,
    zooms: [OnceLock<IndexedZoom>; MAX_ZOOM as usize + 1],
    /// Per column of the layer (in its order): written as MVT integers?
    integers: OnceLock<Vec<bool>>,
}

impl LayerSource {
    /// The layer's arcs, built (and projected to Web Mercator) on first use.
    pub fn topology(&self, layer: &Layer) -> &Topology {
        self.topology.get_or_init(|| {
            Topology::build(layer.areas.iter().map(|a| &a.geometry), bng_to_mercator)
        })
    }

    /// For each of the layer's columns (in order), whether its values are integers
    /// ([`crate::indicator::Indicator::is_integer_on`]), worked out on first use.
    pub fn integer_columns(&self, atlas: &Atlas, layer: &Layer) -> &[bool] {
        self.integers.get_or_init(|| {
            layer
                .columns
                .iter()
                .map(|(id, c)| {
                    atlas
                        .indicator(id)
                        .is_some_and(|i| i.is_integer_on(&c.values))
                })
                .collect()
        })
    }

    /// The layer's indexed geometry at zoom `z` (clamped to [`MAX_ZOOM`]), built on first use.
    pub fn zoom(&self, layer: &Layer, z: u8) -> &IndexedZoom {
        let z = z.min(MAX_ZOOM);
        self.zooms[z as usize]
            .get_or_init(|| IndexedZoom::new(ZoomGeometry::build(self.topology(layer), z)))
    }
}
