//! Shared borders of a layer: every ring of every area is cut into arcs between junction
//! nodes (vertices where three or more borders meet, or where rings touch), each arc stored
//! once, so neighbours that share a border share the very same arc and are simplified alike.
//!
//! Coordinates are Web Mercator metres, projected once here. Vertices are matched on their
//! source coordinates rounded to [`VERTEX_GRID_METRES`] (1 mm): the ONS 2021 LSOAs and the GLA
//! boroughs repeat shared vertices bit for bit, but the GLA 2011 LSOAs carry float noise (no
//! edge is shared bit for bit, 97% are on a 1 mm grid, the rest being London's outline and the
//! Thames, as for the 2021 LSOAs). [`TopologyStats`] says how much border is shared.
//!
//! Failure modes: none. Rings with fewer than three distinct vertices are skipped (they
//! enclose nothing); everything else is kept.

use geo::MultiPolygon;
use std::collections::HashMap;

/// Source coordinates closer than this (on a grid of this size) are the same vertex.
pub const VERTEX_GRID_METRES: f64 = 0.001;

/// One use of an arc by a ring, forwards or backwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArcRef {
    pub arc: u32,
    pub reversed: bool,
}

/// A ring as a cycle of arcs. The first ring of a polygon is its exterior.
pub type RingArcs = Vec<ArcRef>;
/// A polygon: exterior ring then holes.
pub type PolygonArcs = Vec<RingArcs>;

/// How much of the layer's border is shared between rings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TopologyStats {
    pub vertices: usize,
    pub arcs: usize,
    /// Arcs used by two or more rings (shared borders).
    pub shared_arcs: usize,
    /// Ring edges that lie on an edge of another ring.
    pub shared_edges: usize,
    /// Ring edges that no other ring has (outer coast of the layer, or unmatched borders).
    pub single_edges: usize,
}

/// The arcs of a layer and each area's polygons rebuilt from them.
#[derive(Debug, Clone, Default)]
pub struct Topology {
    /// Vertices in Web Mercator metres.
    pub points: Vec<[f64; 2]>,
    /// Arcs as vertex indices; a closed arc (a ring with no junction) repeats its first vertex.
    pub arcs: Vec<Vec<u32>>,
    /// Per area (same order as the layer's areas): its polygons.
    pub areas: Vec<Vec<PolygonArcs>>,
    /// Web Mercator box of all vertices (min x, min y, max x, max y).
    pub bbox: [f64; 4],
    pub stats: TopologyStats,
}

impl Topology {
    /// Builds the topology of `areas`, projecting each distinct source vertex once with
    /// `project` (source x, y -> Web Mercator x, y).
    pub fn build<'a>(
        areas: impl Iterator<Item = &'a MultiPolygon<f64>>,
        project: impl Fn(f64, f64) -> (f64, f64),
    ) -> Topology {
        let mut ids: HashMap<(i64, i64), u32> = HashMap::new();
        let mut points: Vec<[f64; 2]> = Vec::new();
        // area -> polygon -> ring -> vertex ids (open: no repeated closing vertex)
        let mut rings_of: Vec<Vec<Vec<Vec<u32>>>> = Vec::new();
        for mp in areas {
            let mut polys = Vec::new();
            for poly in mp {
                let mut rings = Vec::new();
                for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
                    let mut r: Vec<u32> = Vec::with_capacity(ring.0.len());
                    for c in &ring.0 {
                        let key = (
                            (c.x / VERTEX_GRID_METRES).round() as i64,
                            (c.y / VERTEX_GRID_METRES).round() as i64,
                        );
                        let id = *ids.entry(key).or_insert_with(|| {
                            let (x, y) = project(c.x, c.y);
                            points.push([x, y]);
                            (points.len() - 1) as u32
                        });
                        if r.last() != Some(&id) {
                            r.push(id);
                        }
                    }
                    while r.len() > 1 && r.first() == r.last() {
                        r.pop();
                    }
                    if r.len() >= 3 {
                        rings.push(r);
                    } else if rings.is_empty() {
                        // A degenerate exterior: the polygon encloses nothing.
                        break;
                    }
                }
                if !rings.is_empty() {
                    polys.push(rings);
                }
            }
            rings_of.push(polys);
        }

        // Distinct neighbours of every vertex, and how many rings use each edge.
        let mut neighbours: Vec<Vec<u32>> = vec![Vec::new(); points.len()];
        let mut edge_uses: HashMap<(u32, u32), u32> = HashMap::new();
        for ring in rings_of.iter().flatten().flatten() {
            for i in 0..ring.len() {
                let (a, b) = (ring[i], ring[(i + 1) % ring.len()]);
                if !neighbours[a as usize].contains(&b) {
                    neighbours[a as usize].push(b);
                }
                if !neighbours[b as usize].contains(&a) {
                    neighbours[b as usize].push(a);
                }
                *edge_uses.entry((a.min(b), a.max(b))).or_insert(0) += 1;
            }
        }
        let is_node = |v: u32| neighbours[v as usize].len() != 2;

        let mut arcs: Vec<Vec<u32>> = Vec::new();
        let mut arc_uses: Vec<u32> = Vec::new();
        let mut by_first_edge: HashMap<(u32, u32), ArcRef> = HashMap::new();
        let mut out_areas = Vec::with_capacity(rings_of.len());
        for polys in &rings_of {
            let mut out_polys = Vec::with_capacity(polys.len());
            for rings in polys {
                let mut out_rings = Vec::with_capacity(rings.len());
                for ring in rings {
                    let n = ring.len();
                    let first_node = (0..n).find(|&i| is_node(ring[i]));
                    let mut refs = Vec::new();
                    match first_node {
                        None => {
                            // A ring with no junction: one closed arc, in a canonical rotation
                            // and direction so the neighbour holding the same loop finds it.
                            let m = (0..n).min_by_key(|&i| ring[i]).unwrap_or(0);
                            let (next, prev) = (ring[(m + 1) % n], ring[(m + n - 1) % n]);
                            let forward = next < prev;
                            let key = (ring[m], next.min(prev));
                            let r = *by_first_edge.entry(key).or_insert_with(|| {
                                let mut a: Vec<u32> = (0..=n)
                                    .map(|k| {
                                        if forward {
                                            ring[(m + k) % n]
                                        } else {
                                            ring[(m + n - k % n) % n]
                                        }
                                    })
                                    .collect();
                                if a.len() > n + 1 {
                                    a.truncate(n + 1);
                                }
                                arcs.push(a);
                                arc_uses.push(0);
                                ArcRef {
                                    arc: (arcs.len() - 1) as u32,
                                    reversed: false,
                                }
                            });
                            arc_uses[r.arc as usize] += 1;
                            refs.push(ArcRef {
                                arc: r.arc,
                                reversed: !forward,
                            });
                        }
                        Some(start) => {
                            let mut chain = vec![ring[start]];
                            for k in 1..=n {
                                let v = ring[(start + k) % n];
                                chain.push(v);
                                if is_node(v) {
                                    let c = std::mem::replace(&mut chain, vec![v]);
                                    let key = (c[0], c[1]);
                                    let r = match by_first_edge.get(&key) {
                                        Some(r) => *r,
                                        None => {
                                            let id = arcs.len() as u32;
                                            let last = c.len() - 1;
                                            by_first_edge.insert(
                                                (c[last], c[last - 1]),
                                                ArcRef {
                                                    arc: id,
                                                    reversed: true,
                                                },
                                            );
                                            let fwd = ArcRef {
                                                arc: id,
                                                reversed: false,
                                            };
                                            by_first_edge.insert(key, fwd);
                                            arcs.push(c);
                                            arc_uses.push(0);
                                            fwd
                                        }
                                    };
                                    arc_uses[r.arc as usize] += 1;
                                    refs.push(r);
                                }
                            }
                        }
                    }
                    out_rings.push(refs);
                }
                out_polys.push(out_rings);
            }
            out_areas.push(out_polys);
        }

        let mut bbox = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
        for p in &points {
            bbox = [
                bbox[0].min(p[0]),
                bbox[1].min(p[1]),
                bbox[2].max(p[0]),
                bbox[3].max(p[1]),
            ];
        }
        let shared_edges = edge_uses
            .values()
            .filter(|&&u| u >= 2)
            .map(|&u| u as usize)
            .sum();
        let single_edges = edge_uses.values().filter(|&&u| u == 1).count();
        let stats = TopologyStats {
            vertices: points.len(),
            arcs: arcs.len(),
            shared_arcs: arc_uses.iter().filter(|&&u| u >= 2).count(),
            shared_edges,
            single_edges,
        };
        Topology {
            points,
            arcs,
            areas: out_areas,
            bbox,
            stats,
        }
    }

    /// The vertex ids of one use of an arc, in the ring's direction.
    pub fn arc_vertices(&self, r: ArcRef) -> impl Iterator<Item = u32> + '_ {
        let a = &self.arcs[r.arc as usize];
        let n = a.len();
        (0..n).map(move |i| if r.reversed { a[n - 1 - i] } else { a[i] })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn two_squares_sharing_a_side_share_one_arc() {
        let a = MultiPolygon(vec![polygon![
            (x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0)
        ]]);
        let b = MultiPolygon(vec![polygon![
            (x: 1.0, y: 0.0), (x: 2.0, y: 0.0), (x: 2.0, y: 1.0), (x: 1.0, y: 1.0)
        ]]);
        let t = Topology::build([&a, &b].into_iter(), |x, y| (x, y));
        assert_eq!(t.stats.vertices, 6);
        assert_eq!(t.stats.shared_arcs, 1);
        assert_eq!(t.stats.shared_edges, 2);
        // Each square is two arcs: the shared side and its own outer side.
        assert_eq!(t.areas[0][0][0].len(), 2);
        assert_eq!(t.areas[1][0][0].len(), 2);
        let ring: Vec<u32> = t.areas[0][0][0]
            .iter()
            .flat_map(|r| t.arc_vertices(*r).skip(1))
            .collect();
        assert_eq!(ring.len(), 4);
    }

    #[test]
    fn an_enclave_and_the_hole_around_it_share_one_closed_arc() {
        let outer = MultiPolygon(vec![geo::Polygon::new(
            geo::LineString::from(vec![(0.0, 0.0), (9.0, 0.0), (9.0, 9.0), (0.0, 9.0)]),
            vec![geo::LineString::from(vec![
                (3.0, 3.0),
                (3.0, 6.0),
                (6.0, 6.0),
                (6.0, 3.0),
            ])],
        )]);
        let inner = MultiPolygon(vec![polygon![
            (x: 3.0, y: 3.0), (x: 6.0, y: 3.0), (x: 6.0, y: 6.0), (x: 3.0, y: 6.0)
        ]]);
        let t = Topology::build([&outer, &inner].into_iter(), |x, y| (x, y));
        assert_eq!(t.stats.arcs, 2);
        assert_eq!(t.stats.shared_arcs, 1);
        assert_eq!(t.areas[0][0][1][0].arc, t.areas[1][0][0][0].arc);
        assert_ne!(t.areas[0][0][1][0].reversed, t.areas[1][0][0][0].reversed);
    }
}
