//! Tiles decoded by an independent decoder (geozero's prost messages + the spec's command
//! interpreter in tiles_support): layer names, feature ids, properties, completeness at z10+,
//! areas at z14, winding and ring validity; and the borders the source shapefiles share,
//! counted straight from the .shp files, against the tile topology. Real data from
//! ../shared/data.

mod tiles_support;

use geo::{Area, BoundingRect, Intersects, Validation};
use london_atlas::tiles::{TileId, Tileset, BUFFER, EXTENT};
use std::collections::{BTreeSet, HashMap};
use tiles_support::*;

fn atlas_tile(t: TileId) -> Vec<DecodedLayer> {
    let bytes = store()
        .get(Tileset::Atlas, t)
        .expect("tile builds")
        .expect("tile over London is not empty");
    decode(&bytes.raw)
}

#[test]
fn a_central_atlas_tile_carries_each_layer_once_named_after_its_id() {
    for z in [8u8, 10, 12, 14] {
        let layers = atlas_tile(tile_at(z, CENTRAL.0, CENTRAL.1));
        let names: Vec<&str> = layers.iter().map(|l| l.name.as_str()).collect();
        let want: &[&str] = if z >= 10 {
            &["boroughs", "lsoa11", "lsoa21", "wards", "ics", "superzones"]
        } else {
            &["boroughs", "lsoa11", "lsoa21", "ics"]
        };
        assert_eq!(names, want, "z{z}");
        for l in &layers {
            assert_eq!(l.version, 2);
            assert_eq!(l.extent, 4096);
            assert!(!l.features.is_empty(), "empty layer {} at z{z}", l.name);
        }
    }
}

#[test]
fn feature_ids_are_area_indexes_and_properties_equal_the_atlas_values() {
    let atlas = atlas();
    let layers = atlas_tile(tile_at(12, CENTRAL.0, CENTRAL.1));
    let mut checked = 0;
    for dl in &layers {
        let layer = atlas.layer(&dl.name).expect("a known layer");
        let mut ids = BTreeSet::new();
        for f in &dl.features {
            let id = f.id.expect("every feature has an id") as usize;
            assert!(ids.insert(id), "feature id {id} twice in {}", dl.name);
            let area = &layer.areas[id];
            assert_eq!(f.str("code"), Some(area.code.as_str()));
            assert_eq!(f.str("name"), Some(area.name.as_str()));
            assert_eq!(f.str("borough"), area.borough.as_deref());
            for (ind, col) in &layer.columns {
                assert_eq!(
                    f.num(ind),
                    col.values[id],
                    "{} {} {ind}",
                    dl.name,
                    area.code
                );
                checked += 1;
            }
            if dl.name == "superzones" {
                assert_eq!(
                    f.str("phase"),
                    area.properties.get("phase").map(|s| s.as_str())
                );
            }
        }
    }
    assert!(checked > 1000, "{checked}");
}

/// The tile as a BNG polygon (its edges densified, since a Mercator square is curved in BNG).
fn tile_in_bng(t: TileId) -> geo::Polygon<f64> {
    let mut pts = Vec::new();
    let e = EXTENT as f64;
    for k in 0..=64 {
        pts.push(tile_to_bng(t, e * k as f64 / 64.0, 0.0));
    }
    for k in 0..=64 {
        pts.push(tile_to_bng(t, e, e * k as f64 / 64.0));
    }
    for k in 0..=64 {
        pts.push(tile_to_bng(t, e * (64 - k) as f64 / 64.0, e));
    }
    for k in 0..=64 {
        pts.push(tile_to_bng(t, 0.0, e * (64 - k) as f64 / 64.0));
    }
    geo::Polygon::new(geo::LineString::from(pts), vec![])
}

#[test]
fn every_lsoa_of_a_tile_area_is_in_the_tile_from_z10() {
    let atlas = atlas();
    for (z, lon, lat) in [
        (10u8, CENTRAL.0, CENTRAL.1),
        (11, -0.30, 51.45),
        (12, 0.05, 51.55),
        (13, -0.0235, 51.5045),
        (14, CENTRAL.0, CENTRAL.1),
    ] {
        let t = tile_at(z, lon, lat);
        let layers = atlas_tile(t);
        let square = tile_in_bng(t);
        for id in ["lsoa11", "lsoa21"] {
            let layer = atlas.layer(id).expect("layer");
            let got: BTreeSet<&str> = layer_codes(&layers, id);
            let want: BTreeSet<&str> = layer
                .areas
                .iter()
                .filter(|a| a.geometry.intersects(&square))
                .map(|a| a.code.as_str())
                .collect();
            assert!(!want.is_empty());
            let missing: Vec<_> = want.difference(&got).collect();
            assert!(missing.is_empty(), "{id} z{z} {t}: missing {missing:?}");
        }
    }
}

fn layer_codes<'a>(layers: &'a [DecodedLayer], id: &str) -> BTreeSet<&'a str> {
    layer(layers, id)
        .features
        .iter()
        .filter_map(|f| f.str("code"))
        .collect()
}

#[test]
fn at_z14_decoded_lsoa_areas_are_within_one_percent_of_the_source_areas() {
    let atlas = atlas();
    let mut compared = 0;
    let mut worst: f64 = 0.0;
    let mut sum_rel = 0.0;
    let centres = [CENTRAL, (-0.0235, 51.5045), (-0.30, 51.45), (0.05, 51.55)];
    let tiles = centres.iter().flat_map(|&(lon, lat)| {
        let c = tile_at(14, lon, lat);
        (0..9).map(move |k| TileId::new(14, c.x + k % 3 - 1, c.y + k / 3 - 1).expect("in range"))
    });
    for t in tiles {
        let layers = atlas_tile(t);
        for id in ["lsoa11", "lsoa21"] {
            let source = atlas.layer(id).expect("layer");
            for f in &layer(&layers, id).features {
                let mp = f.polygons();
                let Some(r) = mp.bounding_rect() else {
                    continue;
                };
                // Only areas wholly inside the tile (not cut by the buffer edge).
                let lo = -(BUFFER as f64) + 1.0;
                let hi = (EXTENT + BUFFER) as f64 - 1.0;
                if r.min().x <= lo || r.min().y <= lo || r.max().x >= hi || r.max().y >= hi {
                    continue;
                }
                let bng = geo::MapCoords::map_coords(&mp, |c| {
                    let (e, n) = tile_to_bng(t, c.x, c.y);
                    geo::Coord { x: e, y: n }
                });
                let area = &source.areas[f.id.expect("id") as usize];
                let rel = (bng.unsigned_area() - area.area_m2).abs() / area.area_m2;
                worst = worst.max(rel);
                sum_rel += rel;
                compared += 1;
            }
        }
    }
    assert!(
        compared >= 50,
        "only {compared} areas wholly inside the tiles"
    );
    let mean = sum_rel / compared as f64;
    println!(
        "z14: {compared} LSOAs, mean |area error| {:.3}%, worst {:.3}%",
        mean * 100.0,
        worst * 100.0
    );
    assert!(worst < 0.01, "worst relative area error {worst}");
    assert!(mean < 0.002, "mean relative area error {mean}");
}

#[test]
fn exteriors_wind_clockwise_on_screen_and_every_ring_is_valid() {
    let mut rings = 0;
    for z in [0u8, 5, 8, 10, 12, 14] {
        for (lon, lat) in [CENTRAL, (-0.30, 51.45), (0.05, 51.55), (0.2, 51.48)] {
            let t = tile_at(z, lon, lat);
            let Some(bytes) = store().get(Tileset::Atlas, t).expect("tile builds") else {
                continue;
            };
            for l in decode(&bytes.raw) {
                for f in &l.features {
                    assert!(
                        surveyor_area(&f.rings[0]) > 0.0,
                        "{} {t} feature {:?}: first ring is not an exterior",
                        l.name,
                        f.id
                    );
                    for r in &f.rings {
                        assert_ne!(surveyor_area(r), 0.0, "zero-area ring in {} {t}", l.name);
                        for w in r.windows(2) {
                            assert_ne!(w[0], w[1], "repeated point in {} {t}", l.name);
                        }
                        rings += 1;
                    }
                    let mp = f.polygons();
                    for p in &mp {
                        if let Err(e) = p.check_validation() {
                            panic!("{} {t} feature {:?} is invalid: {e}", l.name, f.id);
                        }
                    }
                }
            }
        }
    }
    assert!(rings > 10_000, "{rings}");
}

#[test]
fn below_a_layers_minzoom_its_layer_is_absent_and_outside_london_tiles_are_empty() {
    let layers = atlas_tile(tile_at(9, CENTRAL.0, CENTRAL.1));
    assert!(layers.iter().all(|l| l.name != "superzones"));
    let paris = tile_at(10, 2.35, 48.85);
    assert!(store()
        .get(Tileset::Atlas, paris)
        .expect("builds")
        .is_none());
}

/// How the borders of one source shapefile are shared between its areas, counted straight
/// from the .shp (the shapefile crate, not the loader, the repairs or the tile topology).
#[derive(Debug, Clone, Copy)]
struct SourceBorders {
    /// Ring edges between two distinct vertices.
    edges: usize,
    /// Edges that another area also has, when vertices are matched on a 1 mm grid.
    shared_1mm: usize,
    /// Of those, the edges whose two vertices are bit-identical in every area that has the edge.
    shared_bitwise: usize,
    /// Largest distance between two source vertices the 1 mm grid takes for one, metres.
    max_offset_m: f64,
}

impl SourceBorders {
    fn share_1mm(&self) -> f64 {
        self.shared_1mm as f64 / self.edges as f64
    }
}

/// Counts the shared borders of a layer's source shapefile (its path in the manifest).
fn source_borders(layer_id: &str) -> SourceBorders {
    let manifest = london_atlas::Manifest::london().expect("manifest");
    let spec = manifest
        .layers()
        .iter()
        .find(|l| l.id == layer_id)
        .expect("a layer of the manifest");
    let path = data_dir().join(&spec.file);
    let shapes = shapefile::read_shapes(&path).expect("the shapefile reads");
    let grid = |x: f64, y: f64| ((x / 0.001).round() as i64, (y / 0.001).round() as i64);
    type Exact = ((u64, u64), (u64, u64));
    // Undirected edge on the 1 mm grid -> (area, the edge's exact coordinates) for every use.
    type Uses = HashMap<((i64, i64), (i64, i64)), Vec<(usize, Exact, [f64; 4])>>;
    let mut uses: Uses = HashMap::new();
    let mut edges = 0;
    for (area, shape) in shapes.iter().enumerate() {
        let shapefile::Shape::Polygon(p) = shape else {
            panic!("{layer_id}: record {area} is not a plain polygon")
        };
        for ring in p.rings() {
            for w in ring.points().windows(2) {
                let (a, b) = (&w[0], &w[1]);
                let (ga, gb) = (grid(a.x, a.y), grid(b.x, b.y));
                if ga == gb {
                    continue;
                }
                edges += 1;
                // One direction for both neighbours (they run a shared border opposite ways).
                let (ga, gb, a, b) = if ga < gb {
                    (ga, gb, a, b)
                } else {
                    (gb, ga, b, a)
                };
                let exact = (
                    (a.x.to_bits(), a.y.to_bits()),
                    (b.x.to_bits(), b.y.to_bits()),
                );
                uses.entry((ga, gb))
                    .or_default()
                    .push((area, exact, [a.x, a.y, b.x, b.y]));
            }
        }
    }
    let (mut shared_1mm, mut shared_bitwise, mut max_offset_m) = (0, 0, 0.0f64);
    for list in uses.values() {
        if list.iter().all(|u| u.0 == list[0].0) {
            continue; // only one area has this edge: the layer's outline
        }
        shared_1mm += list.len();
        if list.iter().all(|u| u.1 == list[0].1) {
            shared_bitwise += list.len();
        }
        for u in list {
            let c = list[0].2;
            let d = |i: usize| ((u.2[i] - c[i]).powi(2) + (u.2[i + 1] - c[i + 1]).powi(2)).sqrt();
            max_offset_m = max_offset_m.max(d(0)).max(d(2));
        }
    }
    SourceBorders {
        edges,
        shared_1mm,
        shared_bitwise,
        max_offset_m,
    }
}

#[test]
fn shared_borders_of_the_2021_lsoas_and_the_boroughs_have_bit_identical_vertices_in_the_source() {
    for (id, least_share) in [("lsoa21", 0.98), ("boroughs", 0.6)] {
        let b = source_borders(id);
        println!("{id}: {b:?}, {:.4} of edges shared", b.share_1mm());
        // Every border two areas share repeats the same vertices, bit for bit.
        assert_eq!(b.shared_bitwise, b.shared_1mm, "{id}: {b:?}");
        assert_eq!(b.max_offset_m, 0.0, "{id}: {b:?}");
        // Measured: 156 636 of the 2021 LSOAs' 159 584 edges (98.2%) are shared, the rest
        // being London's outline and the Thames; 31 384 of the boroughs' 48 512 (64.7%: the
        // file excludes the area below Mean High Water, so both Thames banks are outline).
        assert!(b.share_1mm() > least_share, "{id}: {b:?}");
    }
}

#[test]
fn shared_borders_of_the_2011_lsoas_match_on_a_1_mm_grid_but_not_bit_for_bit_in_the_source() {
    let b = source_borders("lsoa11");
    println!("lsoa11: {b:?}, {:.4} of edges shared", b.share_1mm());
    // Measured: not one of the shared edges is bit-identical (float noise in the GLA's file) ...
    assert_eq!(b.shared_bitwise, 0, "{b:?}");
    // ... but on the 1 mm grid 153 642 of the 156 070 edges (98.4%) are shared, about as many
    // as for the 2021 LSOAs, with matched vertices at most 2.8 µm apart.
    assert!(b.share_1mm() > 0.98, "{b:?}");
    assert!(b.max_offset_m < 1e-5, "{b:?}");
}

#[test]
fn the_tile_topology_shares_exactly_the_borders_the_source_shares() {
    let s = store();
    for id in ["lsoa11", "lsoa21", "boroughs"] {
        let Ok(Tileset::Layer(i)) = s.tileset(id) else {
            panic!("layer {id}")
        };
        let st = s.topology(i).stats;
        let b = source_borders(id);
        println!("{id}: {st:?}; source {b:?}");
        // Measured equal edge for edge (lsoa11 153 642 shared of 156 070, lsoa21 156 636 of
        // 159 584, boroughs 31 384 of 48 512): the repairs of eight 2011 LSOAs move no edge.
        assert_eq!(
            (st.shared_edges, st.shared_edges + st.single_edges),
            (b.shared_1mm, b.edges),
            "{id}"
        );
        for z in [8u8, 10, 12, 14] {
            let zs = s.zoom(i, z).stats;
            println!("{id} z{z}: {zs:?}");
        }
    }
}

#[test]
fn every_area_of_every_layer_is_drawn_at_its_layers_minzoom_and_the_next() {
    let atlas = atlas();
    let s = store();
    for (i, layer) in atlas.layers.iter().enumerate() {
        let t = Tileset::Layer(i);
        let min = s.layer_minzoom(i);
        for z in [min, min + 1] {
            let mut seen = BTreeSet::new();
            for tile in s.tiles_at(t, z) {
                if let Some(bytes) = s.get(t, tile).expect("tile builds") {
                    for dl in decode(&bytes.raw) {
                        for f in dl.features {
                            if f.polygons().unsigned_area() > 0.0 {
                                seen.insert(f.id.expect("id") as usize);
                            }
                        }
                    }
                }
            }
            let missing: Vec<&str> = (0..layer.areas.len())
                .filter(|k| !seen.contains(k))
                .map(|k| layer.areas[k].code.as_str())
                .collect();
            assert!(
                missing.is_empty(),
                "{} z{z}: {} areas vanished: {missing:?}",
                layer.id,
                missing.len()
            );
            let st = s.zoom(i, z).stats;
            println!("{} z{z}: {st:?}", layer.id);
        }
    }
}

#[test]
fn tiles_far_from_london_are_empty_and_never_cached() {
    let s = store();
    for (lon, lat) in [(2.35, 48.85), (-74.0, 40.7), (151.2, -33.9)] {
        let t = tile_at(14, lon, lat);
        assert!(s.get(Tileset::Atlas, t).expect("builds").is_none());
        assert!(s
            .cached_tile(Tileset::Atlas, &london_atlas::tiles::Fields::All, t)
            .is_none());
    }
}
