//! Point, polygon, rule and profile queries on the real data, checked against brute force and
//! against values computed straight from the source CSV files.

mod common;

use common::{atlas, csv_column, population_2019};
use geo::{Area as _, InteriorPoint, Intersects, MultiPolygon, Point};
use london_atlas::geom::crs::bng_to_wgs84;
use london_atlas::geom::geojson::bng_to_wgs84_geojson;
use london_atlas::query::polygon::{parse_polygon, MAX_VERTICES};
use london_atlas::query::select::Filter;
use london_atlas::Atlas;

/// (layer id, code) of every area containing the WGS84 point.
fn at(a: &Atlas, lon: f64, lat: f64) -> Vec<(String, String)> {
    a.areas_at(lon, lat)
        .expect("valid point")
        .iter()
        .map(|h| {
            (
                a.layers[h.layer].id.clone(),
                a.layers[h.layer].areas[h.area].code.clone(),
            )
        })
        .collect()
}

fn codes_in(hits: &[(String, String)], layer: &str) -> Vec<String> {
    hits.iter()
        .filter(|(l, _)| l == layer)
        .map(|(_, c)| c.clone())
        .collect()
}

#[test]
fn well_known_places_fall_in_the_right_borough_and_lsoas() {
    let a = atlas();
    // (place, lon, lat, borough, lsoa11, lsoa21)
    let places = [
        (
            "Parliament Square",
            -0.1276,
            51.5007,
            "E09000033",
            "E01004733",
            "E01004733",
        ),
        (
            "Tower of London",
            -0.0759,
            51.5081,
            "E09000030",
            "E01004293",
            "E01004293",
        ),
        (
            "Heathrow",
            -0.4880,
            51.4720,
            "E09000017",
            "E01002444",
            "E01002444",
        ),
        (
            "St Paul's Cathedral",
            -0.0984,
            51.5138,
            "E09000001",
            "E01032739",
            "E01032739",
        ),
        (
            "Royal Observatory",
            -0.0015,
            51.4769,
            "E09000011",
            "E01001642",
            "E01001642",
        ),
        // Wembley Park was split in 2021: the 2011 and 2021 LSOAs differ.
        (
            "Wembley Stadium",
            -0.2795,
            51.5560,
            "E09000005",
            "E01033424",
            "E01033942",
        ),
    ];
    for (place, lon, lat, borough, l11, l21) in places {
        let hits = at(&a, lon, lat);
        assert_eq!(codes_in(&hits, "boroughs"), [borough], "{place}");
        assert_eq!(codes_in(&hits, "lsoa11"), [l11], "{place}");
        assert_eq!(codes_in(&hits, "lsoa21"), [l21], "{place}");
    }
}

#[test]
fn points_outside_london_or_in_the_thames_find_no_borough() {
    let a = atlas();
    for (place, lon, lat) in [
        ("Thames at Westminster Bridge", -0.1200, 51.5030),
        ("Thames at London Bridge", -0.0877, 51.5070),
        ("Paris", 2.35, 48.85),
        ("Brighton", -0.14, 50.82),
    ] {
        let hits = at(&a, lon, lat);
        assert!(codes_in(&hits, "boroughs").is_empty(), "{place}: {hits:?}");
        assert!(
            codes_in(&hits, "lsoa11").is_empty() && codes_in(&hits, "lsoa21").is_empty(),
            "{place}: {hits:?}"
        );
    }
}

#[test]
fn every_lsoa_of_both_vintages_is_found_at_a_point_on_its_surface() {
    let a = atlas();
    for id in ["lsoa11", "lsoa21"] {
        let li = a.layers.iter().position(|l| l.id == id).expect("layer");
        let layer = &a.layers[li];
        for (i, area) in layer.areas.iter().enumerate() {
            let p = area.geometry.interior_point().expect("interior point");
            let found: Vec<usize> = a
                .areas_at_bng(p.x(), p.y())
                .iter()
                .filter(|h| h.layer == li)
                .map(|h| h.area)
                .collect();
            assert_eq!(found, [i], "{id} {}: found {found:?}", area.code);
        }
    }
}

#[test]
fn the_r_tree_agrees_with_brute_force_over_every_area() {
    let a = atlas();
    // A deterministic grid over Greater London's extent, 60 x 40 points.
    let (x0, y0, x1, y1) = (503_000.0, 155_000.0, 562_500.0, 201_500.0);
    let mut compared = 0;
    for i in 0..60 {
        for j in 0..40 {
            let x = x0 + (x1 - x0) * (i as f64 + 0.37) / 60.0;
            let y = y0 + (y1 - y0) * (j as f64 + 0.61) / 40.0;
            let p = Point::new(x, y);
            let indexed: Vec<(usize, usize)> = a
                .areas_at_bng(x, y)
                .iter()
                .map(|h| (h.layer, h.area))
                .collect();
            let brute: Vec<(usize, usize)> = a
                .layers
                .iter()
                .enumerate()
                .flat_map(|(li, l)| {
                    l.areas
                        .iter()
                        .enumerate()
                        .filter(|(_, ar)| ar.geometry.intersects(&p))
                        .map(move |(ai, _)| (li, ai))
                })
                .collect();
            assert_eq!(indexed, brute, "at ({x}, {y})");
            compared += 1;
        }
    }
    assert_eq!(compared, 2_400);
}

fn wgs84_polygon(ring_bng: &[(f64, f64)]) -> String {
    let coords: Vec<[f64; 2]> = ring_bng
        .iter()
        .map(|&(x, y)| {
            let (lon, lat) = bng_to_wgs84(x, y);
            [lon, lat]
        })
        .collect();
    serde_json::json!({"type": "Polygon", "coordinates": [coords]}).to_string()
}

#[test]
fn lsoa_overlaps_of_a_polygon_inside_london_add_up_to_its_area() {
    let a = atlas();
    // A 3 km x 2 km box in Hackney and Islington, wholly on land.
    let (x, y) = (531_000.0, 184_000.0);
    let body = wgs84_polygon(&[
        (x, y),
        (x + 3000.0, y),
        (x + 3000.0, y + 2000.0),
        (x, y + 2000.0),
        (x, y),
    ]);
    let poly = parse_polygon(body.as_bytes(), MAX_VERTICES).expect("valid polygon");
    let answer = a.query_polygon(&poly);
    assert!(
        (answer.area_m2 - 6_000_000.0).abs() < 6_000.0,
        "{}",
        answer.area_m2
    );
    for id in ["lsoa11", "lsoa21", "boroughs"] {
        let sum: f64 = answer.layers[id].iter().map(|t| t.overlap_m2).sum();
        assert!(
            (sum - answer.area_m2).abs() / answer.area_m2 < 0.001,
            "{id}: {sum} vs {}",
            answer.area_m2
        );
    }
    let pop = answer.summary.population.expect("population");
    let apportioned: f64 = answer.layers["lsoa11"]
        .iter()
        .map(|t| {
            a.layer("lsoa11")
                .and_then(|l| {
                    l.area_index(&t.code)
                        .and_then(|i| l.value("population_2019", i))
                })
                .unwrap_or(0.0)
                * t.overlap_share
        })
        .sum();
    assert!(
        (pop - apportioned).abs() < 1e-6 * pop,
        "{pop} vs {apportioned}"
    );
}

#[test]
fn a_borough_drawn_as_a_polygon_returns_its_own_lsoas_whole() {
    let a = atlas();
    let camden = a
        .layer("boroughs")
        .and_then(|l| l.area("E09000007"))
        .expect("Camden");
    let body = serde_json::json!({"type": "Feature", "properties": {}, "geometry": bng_to_wgs84_geojson(&camden.geometry, None)});
    let poly = parse_polygon(body.to_string().as_bytes(), MAX_VERTICES)
        .expect("Camden is a valid polygon");
    let answer = a.query_polygon(&poly);
    assert_eq!(
        answer.layers["boroughs"]
            .iter()
            .filter(|t| t.overlap_share > 0.99)
            .map(|t| t.code.as_str())
            .collect::<Vec<_>>(),
        ["E09000007"]
    );
    let expected: Vec<String> = {
        let mut v: Vec<String> = population_2019()
            .into_iter()
            .filter(|(_, p)| p.2 == "E09000007")
            .map(|(c, _)| c)
            .collect();
        v.sort();
        v
    };
    assert_eq!(expected.len(), 133, "Camden has 133 LSOAs (2011)");
    let mut whole: Vec<String> = answer.layers["lsoa11"]
        .iter()
        .filter(|t| t.overlap_share > 0.95)
        .map(|t| t.code.clone())
        .collect();
    whole.sort();
    assert_eq!(whole, expected);
    let mean_share: f64 = answer.layers["lsoa11"]
        .iter()
        .filter(|t| expected.contains(&t.code))
        .map(|t| t.overlap_share)
        .sum::<f64>()
        / 133.0;
    assert!(mean_share > 0.995, "{mean_share}");
}

#[test]
fn selecting_no2_over_the_limit_matches_the_csv_files() {
    let a = atlas();
    let no2 = csv_column(
        "laei-zonal-air-quality-london/lsoa11-2016-NO2.csv",
        "LSOA11CD",
        "NO2-2016-mean",
    );
    let pop = population_2019();
    let over: Vec<&String> = no2
        .iter()
        .filter(|(_, v)| v.is_some_and(|v| v > 40.0))
        .map(|(c, _)| c)
        .collect();
    let people: f64 = over.iter().map(|c| pop[*c].0).sum();
    let children: f64 = over.iter().map(|c| pop[*c].1).sum();
    assert_eq!(
        over.len(),
        1_128,
        "SOURCES.md counts 1,128 LSOAs over 40 in 2016"
    );
    let filter: Filter = "no2_2016_mean>40".parse().expect("rule");
    let sel = a.select("lsoa11", &filter).expect("select");
    assert_eq!(sel.count, 1_128);
    assert_eq!(sel.totals["population_2019"], people);
    assert_eq!(sel.totals["population_0_15_2019"], children);
    assert!(
        sel.areas.windows(2).all(|w| w[0].value >= w[1].value),
        "worst first"
    );
    let in_2019 = a
        .select("lsoa11", &"no2_2019_mean>40".parse().expect("rule"))
        .expect("select");
    assert_eq!(in_2019.count, 63, "SOURCES.md counts 63 in 2019");
}

#[test]
fn superzone_totals_count_people_in_overlapping_zones_once() {
    let a = atlas();
    let sel = a
        .select("superzones", &"no2_2019_mean>35".parse().expect("rule"))
        .expect("select");
    assert!(sel.count > 10);
    let naive: f64 = sel
        .areas
        .iter()
        .map(|s| {
            a.layer("superzones")
                .and_then(|l| {
                    l.area_index(&s.code)
                        .and_then(|i| l.value("population_2019", i))
                })
                .unwrap_or(0.0)
        })
        .sum();
    let union = sel.totals["population_2019"];
    assert!(
        union > 0.0 && union < naive,
        "union {union} must be below the double-counting sum {naive}"
    );
    assert!(sel.totals_method.contains("union"));
}

#[test]
fn an_area_profile_ranks_it_against_london() {
    let a = atlas();
    let p = a.profile("lsoa11", "E01000001").expect("profile");
    assert_eq!(p.name, "City of London 001A");
    assert_eq!(p.borough_name.as_deref(), Some("City of London"));
    let imd = &p.indicators["imd2019_score"];
    assert_eq!(imd.value, Some(6.208));
    let scores = csv_column(
        "iod2019-london/iod2019_london_lsoa11.csv",
        "LSOA code (2011)",
        "Index of Multiple Deprivation (IMD) Score",
    );
    let worse = scores
        .values()
        .filter(|v| v.is_some_and(|v| v > 6.208))
        .count();
    assert_eq!(imd.rank, Some(worse + 1));
    assert_eq!(imd.of, 4_835);
    let pop = population_2019();
    let total: f64 = pop.values().map(|v| v.0).sum();
    let weighted: f64 = pop
        .iter()
        .map(|(c, v)| v.0 * scores[c].expect("score"))
        .sum::<f64>()
        / total;
    assert!((imd.london.expect("london") - weighted).abs() < 1e-9);
    assert_eq!(p.indicators["imd2019_decile"].value, Some(9.0));
    assert!(a.profile("lsoa11", "E09000001").is_err());
    assert!(a.profile("wards", "E01000001").is_err());
}

#[test]
fn search_finds_boroughs_lsoas_and_schools() {
    let a = atlas();
    let first = |q: &str| {
        a.search(q)
            .expect("search")
            .results
            .first()
            .map(|f| (f.layer.clone(), f.code.clone()))
    };
    assert_eq!(
        first("Camden"),
        Some(("boroughs".into(), "E09000007".into()))
    );
    assert_eq!(
        first("e01004733"),
        Some(("lsoa11".into(), "E01004733".into()))
    );
    assert_eq!(
        first("Westminster 020C"),
        Some(("lsoa11".into(), "E01004733".into()))
    );
    let school = a.search("Sherborne").expect("search");
    assert!(school
        .results
        .iter()
        .all(|f| f.layer == "superzones" || f.name.contains("Sherborne")));
    assert_eq!(
        a.search("-0.1276, 51.5007").expect("point").point,
        Some([-0.1276, 51.5007])
    );
    assert!(a.search("   ").is_err());
}

#[test]
fn a_self_intersecting_query_polygon_is_refused() {
    let (x, y) = (531_000.0, 184_000.0);
    let bowtie = wgs84_polygon(&[
        (x, y),
        (x + 1000.0, y + 1000.0),
        (x + 1000.0, y),
        (x, y + 1000.0),
        (x, y),
    ]);
    let e = parse_polygon(bowtie.as_bytes(), MAX_VERTICES)
        .expect_err("bowtie")
        .to_string();
    assert!(e.contains("self-intersection"), "{e}");
    let tiny: MultiPolygon<f64> = parse_polygon(
        wgs84_polygon(&[(x, y), (x + 10.0, y), (x + 10.0, y + 10.0), (x, y)]).as_bytes(),
        MAX_VERTICES,
    )
    .expect("triangle");
    assert!((tiny.unsigned_area() - 50.0).abs() < 0.5);
}

/// Checks `overlay::overlaps` against geo's exact boolean intersection for every `step`-th
/// candidate area of `layer`; returns how many were compared.
fn assert_overlaps_exact(
    q: &MultiPolygon<f64>,
    layer: &london_atlas::layer::Layer,
    step: usize,
) -> usize {
    use geo::{BooleanOps, BoundingRect};
    let r = q.bounding_rect().expect("bbox");
    let fast = london_atlas::geom::overlay::overlaps(q, layer);
    let mut checked = 0;
    for i in layer
        .candidates_in([r.min().x, r.min().y], [r.max().x, r.max().y])
        .step_by(step)
    {
        let exact = q.intersection(&layer.areas[i].geometry).unsigned_area();
        let got = fast
            .iter()
            .find(|o| o.area == i)
            .map(|o| o.overlap_m2)
            .unwrap_or(0.0);
        assert!(
            (got - exact).abs() <= 1e-6 * layer.areas[i].area_m2 + 1e-6,
            "{} {}: {got} vs {exact}",
            layer.id,
            layer.areas[i].code
        );
        checked += 1;
    }
    checked
}

#[test]
fn overlap_shortcuts_agree_with_exact_boolean_intersection() {
    let a = atlas();
    let camden = &a
        .layer("boroughs")
        .and_then(|l| l.area("E09000007"))
        .expect("Camden")
        .geometry;
    for id in ["lsoa11", "superzones"] {
        let checked = assert_overlaps_exact(camden, a.layer(id).expect("layer"), 1);
        assert!(checked > 100, "{id}: {checked}");
    }
}

#[test]
fn camden_overlaps_agree_with_geos() {
    // Reference from benches/peer_shapely.py (shapely 2.2 / GEOS, make_valid on the 2011
    // rings): Camden's boundary touches 175 LSOAs (2011) and 171 (2021) with a positive shared
    // area, and the shared areas add up to Camden's 21,789,295.9 m² in both vintages.
    let a = atlas();
    let camden = a
        .layer("boroughs")
        .and_then(|l| l.area("E09000007"))
        .expect("Camden");
    assert!((camden.area_m2 - 21_789_295.9).abs() < 0.1);
    for (id, touched) in [("lsoa11", 175), ("lsoa21", 171)] {
        let ov =
            london_atlas::geom::overlay::overlaps(&camden.geometry, a.layer(id).expect("layer"));
        let sum: f64 = ov.iter().map(|o| o.overlap_m2).sum();
        assert_eq!(ov.len(), touched, "{id}");
        assert!((sum - 21_789_295.9).abs() < 1.0, "{id}: {sum}");
    }
}

#[test]
fn superzone_union_totals_equal_totals_over_the_explicit_union() {
    use geo::unary_union;
    let a = atlas();
    let zones = a.layer("superzones").expect("zones");
    let lsoa = a.layer("lsoa11").expect("lsoa11");
    let sel = a
        .select("superzones", &"no2_2019_mean>37".parse().expect("rule"))
        .expect("select");
    assert!(sel.count > 20 && sel.count < 200, "{}", sel.count);
    let union: MultiPolygon<f64> = unary_union(
        sel.areas
            .iter()
            .map(|s| &zones.area(&s.code).expect("zone").geometry),
    );
    let people =
        common::apportioned_population(lsoa, &london_atlas::geom::overlay::overlaps(&union, lsoa));
    assert!(
        (sel.totals["population_2019"] - people).abs() < 1e-6 * people,
        "{} vs {people}",
        sel.totals["population_2019"]
    );
    assert!((sel.totals["area_m2"] - union.unsigned_area()).abs() < 1e-6 * union.unsigned_area());
}

/// A star of `n` vertices around central London (radius alternating 5 and 14 km), in BNG.
fn star(n: usize) -> MultiPolygon<f64> {
    let mut pts: Vec<(f64, f64)> = (0..n)
        .map(|k| {
            let t = std::f64::consts::TAU * k as f64 / n as f64;
            let r = if k % 2 == 0 { 5_000.0 } else { 14_000.0 };
            (530_000.0 + r * t.cos(), 180_000.0 + r * t.sin())
        })
        .collect();
    pts.push(pts[0]);
    parse_polygon(wgs84_polygon(&pts).as_bytes(), MAX_VERTICES).expect("a valid star")
}

#[test]
fn a_large_query_polygon_cut_to_each_area_still_gives_exact_overlaps() {
    let a = atlas();
    let checked = assert_overlaps_exact(&star(600), a.layer("lsoa11").expect("lsoa11"), 7);
    assert!(checked > 300, "{checked}");
}

#[test]
fn a_polygon_query_out_of_budget_is_refused_not_left_running() {
    let a = atlas();
    let e = a
        .query_polygon_within(&star(600), std::time::Duration::ZERO)
        .expect_err("no budget");
    assert!(e.to_string().contains("too intricate"), "{e}");
    assert!(a
        .query_polygon_within(&star(600), std::time::Duration::from_secs(3600))
        .is_ok());
}
