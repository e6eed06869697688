//! What a map image draws, as one vector tile for maplibre-rs: the choropleth re-encoded
//! into one MVT layer per colour (maplibre-rs 0.0.3 has no data-driven paint: each style layer
//! paints every feature of its source layer in one fixed colour), borough outlines and the
//! highlighted area's outline as thin polygons (it fills every polygon and strokes lines one
//! fixed hair wide, so a line of a chosen width is drawn as a strip of quads), and a place
//! for context layers (the Thames, see [`context_layers`]).
//!
//! [`StylePlan`] is the renderer's one fixed style: a layer for every colour any indicator's
//! classes use (from [`crate::classes`], through each indicator's `classes`), the no-data
//! colour, water, outlines and highlight, each with its draw order (index ≥ 1: maplibre-rs
//! draws nothing for index 0).
//!
//! Failure modes: [`SceneError::Encode`] when the MVT encoder refuses a layer (a bug here).

use super::view::MapView;
use crate::atlas::Atlas;
use crate::classes::NO_DATA;
use crate::indicator::Indicator;
use crate::tiles::{TileStore, EXTENT};
use fast_mvt::{MvtCoord, MvtGeomType, MvtTileBuilder};
use std::collections::{BTreeMap, BTreeSet};

/// Colour of borough outlines.
pub const OUTLINE: &str = "#333333";
/// Colour of the highlighted area's outline.
pub const HIGHLIGHT: &str = "#1d4ed8";
/// Colour of water (the Thames, when it plugs in: [`context_layers`]).
pub const WATER: &str = "#a6cee3";
/// Width of borough outlines, image pixels.
pub const OUTLINE_PX: f64 = 1.4;
/// Width of the highlighted area's outline, image pixels.
pub const HIGHLIGHT_PX: f64 = 3.5;
/// Pixels drawn beyond the render square so nothing ends at its edge.
const PAD_PX: f64 = 4.0;

#[derive(Debug, thiserror::Error)]
pub enum SceneError {
    #[error("MVT encoder refused map layer {layer}: {source}")]
    Encode {
        layer: String,
        source: fast_mvt::MvtError,
    },
}

/// What a style layer draws, in drawing order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    Fill,
    Water,
    Outline,
    Highlight,
}

impl Stage {
    /// The source-layer name of this stage in this colour (`#rrggbb`).
    pub fn layer_name(self, colour: &str) -> String {
        let stage = match self {
            Stage::Fill => "fill",
            Stage::Water => "water",
            Stage::Outline => "outline",
            Stage::Highlight => "highlight",
        };
        format!("{stage}-{}", colour.trim_start_matches('#'))
    }
}

/// One layer of the renderer's fixed style.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanLayer {
    pub name: String,
    pub colour: String,
    /// Draw order, from 1.
    pub index: u32,
}

/// The renderer's one style: every colour a map can need, in drawing order.
#[derive(Debug, Clone, PartialEq)]
pub struct StylePlan {
    pub layers: Vec<PlanLayer>,
}

impl StylePlan {
    /// The plan for every indicator of `atlas` on every layer.
    pub fn for_atlas(atlas: &Atlas) -> StylePlan {
        let mut fills: BTreeSet<String> = BTreeSet::new();
        fills.insert(NO_DATA.to_string());
        for ind in &atlas.indicators {
            for c in ind.classes.values() {
                fills.extend(c.colours.iter().map(|s| s.to_lowercase()));
            }
        }
        let stages = fills.into_iter().map(|c| (Stage::Fill, c)).chain([
            (Stage::Water, WATER.to_string()),
            (Stage::Outline, OUTLINE.to_string()),
            (Stage::Highlight, HIGHLIGHT.to_string()),
        ]);
        let layers = stages
            .enumerate()
            .map(|(k, (stage, colour))| PlanLayer {
                name: stage.layer_name(&colour),
                colour,
                index: k as u32 + 1,
            })
            .collect();
        StylePlan { layers }
    }

    /// True when the plan has a layer of this name.
    pub fn has(&self, name: &str) -> bool {
        self.layers.iter().any(|l| l.name == name)
    }
}

/// Polygons (exterior ring, then holes) in render-square units, y down.
pub type Polygon = Vec<Vec<[i32; 2]>>;

/// A map's features by source-layer name; each entry is one feature's polygons.
#[derive(Debug, Default, Clone)]
pub struct Scene {
    pub layers: BTreeMap<String, Vec<Vec<Polygon>>>,
}

/// Linear map from zoom-`z` global pixels to render-square units.
#[derive(Debug, Clone, Copy)]
struct ToUnits {
    sx: f64,
    ox: f64,
    sy: f64,
    oy: f64,
}

impl ToUnits {
    fn new(view: &MapView) -> ToUnits {
        let (ox, oy) = view.global_to_units(0.0, 0.0);
        let (x1, y1) = view.global_to_units(1.0, 1.0);
        ToUnits {
            sx: x1 - ox,
            ox,
            sy: y1 - oy,
            oy,
        }
    }
    fn apply(&self, x: i32, y: i32) -> [f64; 2] {
        [x as f64 * self.sx + self.ox, y as f64 * self.sy + self.oy]
    }
}

fn meets(b: [i32; 4], v: [f64; 4]) -> bool {
    (b[0] as f64) < v[2] && (b[2] as f64) > v[0] && (b[1] as f64) < v[3] && (b[3] as f64) > v[1]
}

/// A ring rounded to units without repeated points; `None` when fewer than three are left or
/// they enclose nothing (an MVT reader cannot tell a zero-area ring's role).
fn round_ring(points: impl Iterator<Item = [f64; 2]>) -> Option<Vec<[i32; 2]>> {
    let mut out: Vec<[i32; 2]> = Vec::new();
    for p in points {
        let q = [p[0].round() as i32, p[1].round() as i32];
        if out.last() != Some(&q) {
            out.push(q);
        }
    }
    while out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
    (out.len() >= 3 && crate::tiles::simplify::doubled_area(&as_int_points(&out)) != 0)
        .then_some(out)
}

fn as_int_points(ring: &[[i32; 2]]) -> Vec<i_overlay::i_float::int::point::IntPoint> {
    ring.iter()
        .map(|p| i_overlay::i_float::int::point::IntPoint::new(p[0], p[1]))
        .collect()
}

/// The outline of `rings` as quads `half` units either side of each segment (square caps,
/// so consecutive quads overlap at the corners), kept where they meet `window` (units).
fn outline_quads(rings: &[Vec<[f64; 2]>], half: f64, window: [f64; 4]) -> Vec<Polygon> {
    let mut quads = Vec::new();
    for ring in rings {
        let n = ring.len();
        for k in 0..n {
            let (p, q) = (ring[k], ring[(k + 1) % n]);
            let (dx, dy) = (q[0] - p[0], q[1] - p[1]);
            let len = (dx * dx + dy * dy).sqrt();
            if len < 1e-9 {
                continue;
            }
            let lo = [p[0].min(q[0]) - half, p[1].min(q[1]) - half];
            let hi = [p[0].max(q[0]) + half, p[1].max(q[1]) + half];
            if hi[0] < window[0] || lo[0] > window[2] || hi[1] < window[1] || lo[1] > window[3] {
                continue;
            }
            let (ux, uy) = (dx / len * half, dy / len * half);
            let (nx, ny) = (-uy, ux);
            let corners = [
                [p[0] - ux + nx, p[1] - uy + ny],
                [q[0] + ux + nx, q[1] + uy + ny],
                [q[0] + ux - nx, q[1] + uy - ny],
                [p[0] - ux - nx, p[1] - uy - ny],
            ];
            if let Some(r) = round_ring(corners.into_iter()) {
                quads.push(vec![r]);
            }
        }
    }
    quads
}

/// An area's shapes at the view's zoom as the renderer's polygons (rounded to units; rings
/// that lose their area are dropped, a shape whose exterior does is dropped whole).
fn unit_polygons(shapes: &i_overlay::i_shape::int::shape::IntShapes, t: &ToUnits) -> Vec<Polygon> {
    shapes
        .iter()
        .filter_map(|shape| {
            let mut rings = shape
                .iter()
                .map(|ring| round_ring(ring.iter().map(|p| t.apply(p.x, p.y))));
            let exterior = rings.next()??;
            Some(std::iter::once(exterior).chain(rings.flatten()).collect())
        })
        .collect()
}

/// The rings of one area at the view's zoom, in units (unrounded).
fn area_rings(store: &TileStore, layer: usize, area: usize, view: &MapView) -> Vec<Vec<[f64; 2]>> {
    let t = ToUnits::new(view);
    let geometry = store.zoom(layer, view.z);
    geometry.areas[area]
        .shapes
        .iter()
        .flatten()
        .map(|ring| ring.iter().map(|p| t.apply(p.x, p.y)).collect())
        .collect()
}

impl Scene {
    /// The choropleth of `ind` on `layer` (its classes there), borough outlines and, when
    /// given, the outline of area `highlight` = (layer index, area index).
    pub fn build(
        store: &TileStore,
        view: &MapView,
        ind: &Indicator,
        layer: usize,
        highlight: Option<(usize, usize)>,
    ) -> Scene {
        let atlas = store.atlas();
        let l = &atlas.layers[layer];
        let classes = ind.classes.get(&l.id);
        let t = ToUnits::new(view);
        let window = view.global_pixel_box(PAD_PX);
        let units = view.units_per_pixel();
        let pad = PAD_PX * units;
        let unit_window = [-pad, -pad, EXTENT as f64 + pad, EXTENT as f64 + pad];
        let mut scene = Scene::default();
        let geometry = store.zoom(layer, view.z);
        for (k, za) in geometry.areas.iter().enumerate() {
            if !meets(za.bbox, window) {
                continue;
            }
            let colour = match classes {
                Some(c) => c.colour_of(l.value(&ind.id, k)).to_lowercase(),
                None => NO_DATA.to_string(),
            };
            let polygons = unit_polygons(&za.shapes, &t);
            if !polygons.is_empty() {
                scene.push(Stage::Fill.layer_name(&colour), polygons);
            }
        }
        context_layers(store, view, &mut scene);
        if let Some(bi) = atlas.boroughs {
            let name = Stage::Outline.layer_name(OUTLINE);
            for (k, za) in store.zoom(bi, view.z).areas.iter().enumerate() {
                if meets(za.bbox, window) {
                    let rings = area_rings(store, bi, k, view);
                    let quads = outline_quads(&rings, OUTLINE_PX * units / 2.0, unit_window);
                    if !quads.is_empty() {
                        scene.push(name.clone(), quads);
                    }
                }
            }
        }
        if let Some((hl, ha)) = highlight {
            let rings = area_rings(store, hl, ha, view);
            let quads = outline_quads(&rings, HIGHLIGHT_PX * units / 2.0, unit_window);
            if !quads.is_empty() {
                scene.push(Stage::Highlight.layer_name(HIGHLIGHT), quads);
            }
        }
        scene
    }

    fn push(&mut self, name: String, polygons: Vec<Polygon>) {
        self.layers.entry(name).or_default().push(polygons);
    }

    /// The source-layer names present.
    pub fn layer_names(&self) -> Vec<String> {
        self.layers.keys().cloned().collect()
    }

    /// The scene as one MVT tile (extent 4096), one layer per name, one feature per entry.
    pub fn encode(&self) -> Result<Vec<u8>, SceneError> {
        let mut tile = MvtTileBuilder::new();
        for (name, features) in &self.layers {
            let err = |source| SceneError::Encode {
                layer: name.clone(),
                source,
            };
            let mut layer = tile.layer(name.as_str()).map_err(err)?;
            for polygons in features {
                let mut f = layer.feature_of(MvtGeomType::Polygon);
                for polygon in polygons {
                    for (k, ring) in polygon.iter().enumerate() {
                        let coords = ring.iter().map(|p| MvtCoord { x: p[0], y: p[1] });
                        f.ring(coords, k == 0).map_err(err)?;
                    }
                }
                layer = f.end();
            }
            tile = layer.end();
        }
        Ok(tile.encode())
    }
}

/// Context drawn between the choropleth and the outlines, in [`Stage::Water`]: the Thames
/// of the atlas's context (the same pieces the `context` tileset cuts), when it has one.
fn context_layers(store: &TileStore, view: &MapView, scene: &mut Scene) {
    let Some(water) = store.water_zoom(view.z) else {
        return;
    };
    let t = ToUnits::new(view);
    let window = view.global_pixel_box(PAD_PX);
    let polygons: Vec<Polygon> = water
        .areas
        .iter()
        .filter(|za| meets(za.bbox, window))
        .flat_map(|za| unit_polygons(&za.shapes, &t))
        .collect();
    if !polygons.is_empty() {
        scene.push(Stage::Water.layer_name(WATER), polygons);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quads_outline_a_square_and_cull_outside_the_window() {
        let ring = vec![[10.0, 10.0], [110.0, 10.0], [110.0, 110.0], [10.0, 110.0]];
        let q = outline_quads(std::slice::from_ref(&ring), 2.0, [0.0, 0.0, 4096.0, 4096.0]);
        assert_eq!(q.len(), 4);
        // The bottom edge's quad spans x 8..112, y 8..12.
        let xs: Vec<i32> = q[0][0].iter().map(|p| p[0]).collect();
        let ys: Vec<i32> = q[0][0].iter().map(|p| p[1]).collect();
        assert_eq!((xs.iter().min(), xs.iter().max()), (Some(&8), Some(&112)));
        assert_eq!((ys.iter().min(), ys.iter().max()), (Some(&8), Some(&12)));
        let none = outline_quads(&[ring], 2.0, [500.0, 500.0, 600.0, 600.0]);
        assert!(none.is_empty());
    }

    #[test]
    fn rings_lose_repeats_and_slivers() {
        let r =
            round_ring([[0.2, 0.1], [0.4, 0.3], [5.0, 0.0], [5.0, 5.0], [0.0, 0.0]].into_iter());
        assert_eq!(r, Some(vec![[0, 0], [5, 0], [5, 5]]));
        assert_eq!(
            round_ring([[0.0, 0.0], [0.1, 0.1], [9.0, 0.0]].into_iter()),
            None
        );
        // Collinear: no area.
        assert_eq!(
            round_ring([[0.0, 0.0], [4.0, 0.0], [9.0, 0.0]].into_iter()),
            None
        );
    }
}
