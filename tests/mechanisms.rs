//! The mechanisms of the atlas on the made-up fixture ([`london_atlas::fixture`]), with no real
//! data: loading, joins, derivations, London figures, point, polygon, rule, profile and search
//! queries, classes, a tile, and the manifest's and loaders' refusals. Every expected value is
//! worked out by hand from the fixture (its module documentation draws it); each test runs in
//! milliseconds.
//!
//! The fixture, in British National Grid metres (people, rate):
//!
//! ```text
//!  181000 | E01900003 300, 30 | E01900004 400, 40 | E01900007 1000, 15 | E01900008 2000, -- |
//!  180500 | E01900001 100, 10 | E01900002 200, 20 | E01900005  500, 20 | E01900006  500, 40 |
//!  180000 +-------------------+-------------------+--------------------+--------------------+
//!        530000            530500              531000               531500               532000
//!         Westfold E09000901 (x 530000-531000)    Eastfold E09000902 (x 531000-532000)
//!  zone Z1: x 530250-530750, y 180000-180500; smoking: Westfold 12, Eastfold 16, England 14
//! ```

use geo::{polygon, MultiPolygon};
use london_atlas::fixture::{fixture, Fixture, MANIFEST};
use london_atlas::geom::crs::bng_to_wgs84;
use london_atlas::manifest::ManifestError;
use london_atlas::query::polygon::{parse_polygon, MAX_VERTICES};
use london_atlas::query::select::Filter;
use london_atlas::query::QueryError;
use london_atlas::{Atlas, AtlasError, Manifest};
use std::collections::BTreeSet;

/// The fixture and its atlas (the fixture's folder lives as long as the pair).
fn built() -> (Fixture, Atlas) {
    let f = fixture();
    let a = f.atlas();
    (f, a)
}

fn codes(a: &Atlas, layer: &str) -> Vec<String> {
    a.layer(layer)
        .expect(layer)
        .areas
        .iter()
        .map(|x| x.code.clone())
        .collect()
}

fn column(a: &Atlas, layer: &str, indicator: &str) -> Vec<Option<f64>> {
    a.layer(layer).expect(layer).columns[indicator]
        .values
        .clone()
}

/// A rectangle in British National Grid.
fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
    MultiPolygon(vec![polygon![
        (x: x0, y: y0),
        (x: x1, y: y0),
        (x: x1, y: y1),
        (x: x0, y: y1),
        (x: x0, y: y0),
    ]])
}

/// (layer id, code) of every area holding the BNG point.
fn at(a: &Atlas, x: f64, y: f64) -> Vec<(String, String)> {
    a.areas_at_bng(x, y)
        .iter()
        .map(|h| {
            let l = &a.layers[h.layer];
            (l.id.clone(), l.areas[h.area].code.clone())
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(l, c)| (l.to_string(), c.to_string()))
        .collect()
}

// ---------------------------------------------------------------- loading and joins

#[test]
fn loading_reads_every_layer_with_its_codes_names_boroughs_and_sizes() {
    let (_f, a) = built();
    assert_eq!(a.name, "Fixture");
    assert_eq!(a.population.as_deref(), Some("people"));
    assert_eq!(a.borough_layer().map(|l| l.id.as_str()), Some("boroughs"));
    assert_eq!(codes(&a, "boroughs"), ["E09000901", "E09000902"]);
    let n: Vec<String> = (1..=8).map(|k| format!("E0190000{k}")).collect();
    assert_eq!(codes(&a, "neighbourhoods"), n);
    assert_eq!(codes(&a, "zones"), ["Z1"]);
    // Boroughs are 1 km squares, neighbourhoods 500 m squares, the zone 500 m square.
    let sizes = |l: &str| -> Vec<f64> {
        a.layer(l)
            .expect(l)
            .areas
            .iter()
            .map(|x| x.area_m2)
            .collect()
    };
    assert_eq!(sizes("boroughs"), [1_000_000.0; 2]);
    assert_eq!(sizes("neighbourhoods"), [250_000.0; 8]);
    assert_eq!(sizes("zones"), [250_000.0]);
    let nb = a.layer("neighbourhoods").expect("layer");
    let area = nb.area("E01900007").expect("E01900007");
    assert_eq!(area.name, "Eastfold 003");
    assert_eq!(area.borough.as_deref(), Some("E09000902"));
    assert_eq!(a.borough_name("E09000902"), Some("Eastfold"));
    let z = &a.layer("zones").expect("zones").areas[0];
    assert_eq!(
        (z.name.as_str(), z.borough.as_deref()),
        ("Middle zone", None)
    );
    assert_eq!(z.properties.get("kind").map(String::as_str), Some("middle"));
    assert_eq!(a.layer("zones").expect("zones").tile_properties, ["kind"]);
    // Squares are valid: nothing is repaired. Layer minzooms come from the manifest.
    assert!(a.report.layers.iter().all(|l| l.repaired.is_empty()));
    let minzooms: Vec<u8> = a.layers.iter().map(|l| l.minzoom).collect();
    assert_eq!(minzooms, [0, 8, 10]);
}

#[test]
fn joins_report_the_code_matching_no_area_and_the_area_without_a_value() {
    let (_f, a) = built();
    let joins: Vec<_> = a
        .report
        .joins
        .iter()
        .map(|j| {
            (
                j.indicator.as_str(),
                j.layer.as_str(),
                j.rows,
                j.matched,
                j.unmatched_codes.clone(),
                j.areas_without_value.clone(),
            )
        })
        .collect();
    let none: Vec<String> = Vec::new();
    assert_eq!(
        joins,
        [
            // 9 rows: the 8 neighbourhoods and E01999999, which matches no area.
            (
                "people",
                "neighbourhoods",
                9,
                8,
                vec!["E01999999".to_string()],
                none.clone()
            ),
            // E01900008's rate is "NA": matched, but without a value.
            (
                "rate",
                "neighbourhoods",
                9,
                8,
                vec!["E01999999".to_string()],
                vec!["E01900008".to_string()]
            ),
            // Filtered on indicator = smoking: 3 rows, of which England is the reference.
            ("smoking", "boroughs", 2, 2, none.clone(), none),
        ]
    );
}

#[test]
fn published_values_are_joined_by_code_and_a_long_table_gives_its_reference_row() {
    let (_f, a) = built();
    let people = [100.0, 200.0, 300.0, 400.0, 500.0, 500.0, 1000.0, 2000.0].map(Some);
    assert_eq!(column(&a, "neighbourhoods", "people"), people);
    let rate = [
        Some(10.0),
        Some(20.0),
        Some(30.0),
        Some(40.0),
        Some(20.0),
        Some(40.0),
        Some(15.0),
        None,
    ];
    assert_eq!(column(&a, "neighbourhoods", "rate"), rate);
    // The "other" rows (99, 98) are filtered out; England (14) is not an area.
    assert_eq!(column(&a, "boroughs", "smoking"), [Some(12.0), Some(16.0)]);
    let smoking = a.indicator("smoking").expect("smoking");
    let r = smoking.reference.as_ref().expect("England");
    assert_eq!(
        (r.code.as_str(), r.name.as_str(), r.value),
        ("E92000001", "England", Some(14.0))
    );
    assert_eq!(smoking.base_layer, "boroughs");
    assert_eq!(
        smoking.provenance.url,
        "https://example.org/london-atlas/figures"
    );
    let method = &a.layer("neighbourhoods").expect("layer").columns["rate"].method;
    assert_eq!(method.describe(), "as published");
}

// ---------------------------------------------------------------- derivations and London

#[test]
fn borough_sums_and_population_weighted_means_are_exact() {
    let (_f, a) = built();
    // Westfold 100+200+300+400 = 1000; Eastfold 500+500+1000+2000 = 4000.
    assert_eq!(
        column(&a, "boroughs", "people"),
        [Some(1000.0), Some(4000.0)]
    );
    // Westfold (100·10 + 200·20 + 300·30 + 400·40) / 1000 = 30000 / 1000 = 30;
    // Eastfold skips E01900008 (no rate): (500·20 + 500·40 + 1000·15) / 2000 = 45000 / 2000 = 22.5.
    assert_eq!(column(&a, "boroughs", "rate"), [Some(30.0), Some(22.5)]);
    let b = a.layer("boroughs").expect("boroughs");
    assert_eq!(
        b.columns["people"].method.describe(),
        "sum of the neighbourhoods areas in the borough"
    );
    assert_eq!(
        b.columns["rate"].method.describe(),
        "mean of the neighbourhoods areas in the borough, weighted by people"
    );
}

#[test]
fn overlap_derivation_apportions_counts_and_weights_means_by_shared_area() {
    let (_f, a) = built();
    // Z1 is half of E01900001 and half of E01900002: 100/2 + 200/2 = 150 people;
    // its rate is weighted by shared area (125 000 m² each): (10 + 20) / 2 = 15.
    assert_eq!(column(&a, "zones", "people"), [Some(150.0)]);
    assert_eq!(column(&a, "zones", "rate"), [Some(15.0)]);
    let z = a.layer("zones").expect("zones");
    assert_eq!(
        z.columns["people"].method.describe(),
        "sum of neighbourhoods values apportioned by overlap area"
    );
    assert_eq!(
        z.columns["rate"].method.describe(),
        "mean of neighbourhoods values weighted by overlap area"
    );
    // smoking is published for boroughs only and derived nowhere.
    assert!(!z.columns.contains_key("smoking"));
}

#[test]
fn the_london_figure_is_the_total_or_the_population_weighted_mean_of_the_base_layer() {
    let (_f, a) = built();
    let london = |id: &str| {
        let i = a.indicator(id).expect(id);
        (i.london, i.london_method.clone())
    };
    // 1000 + 4000 people.
    assert_eq!(
        london("people"),
        (Some(5000.0), "total of all neighbourhoods areas".into())
    );
    // (30000 + 45000) / (1000 + 2000) = 25 (E01900008 has no rate, so its 2000 do not count).
    assert_eq!(
        london("rate"),
        (
            Some(25.0),
            "mean of all neighbourhoods areas weighted by people".into()
        )
    );
    // (12·1000 + 16·4000) / 5000 = 76000 / 5000 = 15.2.
    assert_eq!(
        london("smoking"),
        (
            Some(15.2),
            "mean of all boroughs areas weighted by people".into()
        )
    );
}

// ---------------------------------------------------------------- point queries

#[test]
fn a_point_belongs_to_every_area_holding_it_and_outside_to_none() {
    let (_f, a) = built();
    // Inside E01900001 (Westfold), west of the zone.
    assert_eq!(
        at(&a, 530_100.0, 180_100.0),
        pairs(&[("boroughs", "E09000901"), ("neighbourhoods", "E01900001")])
    );
    // On the edge between E01900001 and E01900002, inside the zone: both, and the zone.
    assert_eq!(
        at(&a, 530_500.0, 180_250.0),
        pairs(&[
            ("boroughs", "E09000901"),
            ("neighbourhoods", "E01900001"),
            ("neighbourhoods", "E01900002"),
            ("zones", "Z1"),
        ])
    );
    // On the border of the two boroughs, between E01900004 and E01900007.
    assert_eq!(
        at(&a, 531_000.0, 180_750.0),
        pairs(&[
            ("boroughs", "E09000901"),
            ("boroughs", "E09000902"),
            ("neighbourhoods", "E01900004"),
            ("neighbourhoods", "E01900007"),
        ])
    );
    // The corner where four neighbourhoods meet.
    let corner = at(&a, 530_500.0, 180_500.0);
    let n: Vec<&str> = corner
        .iter()
        .filter(|(l, _)| l == "neighbourhoods")
        .map(|(_, c)| c.as_str())
        .collect();
    assert_eq!(n, ["E01900001", "E01900002", "E01900003", "E01900004"]);
    // West of everything, and a millimetre north of the top edge.
    assert!(at(&a, 529_000.0, 180_000.0).is_empty());
    assert!(at(&a, 531_000.0, 181_000.001).is_empty());
}

#[test]
fn a_wgs84_point_is_moved_into_the_grid_and_a_bad_one_is_refused() {
    let (_f, a) = built();
    // The middle of E01900006 (531 750, 180 250), 250 m from any edge.
    let (lon, lat) = bng_to_wgs84(531_750.0, 180_250.0);
    let hits = a.areas_at(lon, lat).expect("valid point");
    let got: Vec<&str> = hits
        .iter()
        .map(|h| a.layers[h.layer].areas[h.area].code.as_str())
        .collect();
    assert_eq!(got, ["E09000902", "E01900006"]);
    let err = a.areas_at(200.0, 51.5).expect_err("longitude 200");
    assert!(matches!(err, QueryError::BadParameter(_)), "{err}");
}

// ---------------------------------------------------------------- polygon queries

#[test]
fn a_polygon_over_half_a_neighbourhood_apportions_exactly_half_its_people() {
    let (_f, a) = built();
    // The west half of E01900001: x 530 000-530 250, y 180 000-180 500 (125 000 m²).
    let answer = a.query_polygon(&rect(530_000.0, 180_000.0, 530_250.0, 180_500.0));
    assert_eq!(answer.area_m2, 125_000.0);
    let touched = |l: &str| -> Vec<(String, f64, f64)> {
        answer.layers[l]
            .iter()
            .map(|t| (t.code.clone(), t.overlap_m2, t.overlap_share))
            .collect()
    };
    assert_eq!(
        touched("neighbourhoods"),
        [("E01900001".into(), 125_000.0, 0.5)]
    );
    // An eighth of Westfold; the zone only touches its east edge (no shared area).
    assert_eq!(
        touched("boroughs"),
        [("E09000901".into(), 125_000.0, 0.125)]
    );
    assert!(touched("zones").is_empty());
    let s = &answer.summary;
    // Half of E01900001's 100 people; its rate 10; Westfold's smoking 12.
    assert_eq!(s.population, Some(50.0));
    let v = |id: &str| (s.indicators[id].value, s.indicators[id].method.as_str());
    assert_eq!(
        v("people"),
        (
            50.0,
            "sum of neighbourhoods values apportioned by the share of each area inside"
        )
    );
    assert_eq!(
        v("rate"),
        (
            10.0,
            "mean of neighbourhoods values weighted by people apportioned by overlap share"
        )
    );
    assert_eq!(
        v("smoking"),
        (
            12.0,
            "mean of boroughs values weighted by people apportioned by overlap share"
        )
    );
}

#[test]
fn a_polygon_across_four_neighbourhoods_weights_their_rates_by_apportioned_people() {
    let (_f, a) = built();
    // x 530 250-530 750, y 180 250-180 750: a quarter of E01900001-4 each.
    let answer = a.query_polygon(&rect(530_250.0, 180_250.0, 530_750.0, 180_750.0));
    let shares: Vec<(String, f64)> = answer.layers["neighbourhoods"]
        .iter()
        .map(|t| (t.code.clone(), t.overlap_share))
        .collect();
    let want: Vec<(String, f64)> = (1..=4).map(|k| (format!("E0190000{k}"), 0.25)).collect();
    assert_eq!(shares, want);
    // Half of the zone (y 180 250-180 500 of its 180 000-180 500).
    assert_eq!(answer.layers["zones"][0].overlap_share, 0.5);
    // People: (100 + 200 + 300 + 400) / 4 = 250.
    // Rate: (25·10 + 50·20 + 75·30 + 100·40) / 250 = 7500 / 250 = 30.
    assert_eq!(answer.summary.population, Some(250.0));
    assert_eq!(answer.summary.indicators["rate"].value, 30.0);
}

#[test]
fn a_wgs84_polygon_is_parsed_into_the_grid_and_a_crossing_one_is_refused() {
    let (_f, a) = built();
    // The east half of E01900006 (x 531 750-532 000) drawn in lon/lat.
    let corners = [
        (531_750.0, 180_000.0),
        (532_000.0, 180_000.0),
        (532_000.0, 180_500.0),
        (531_750.0, 180_500.0),
        (531_750.0, 180_000.0),
    ];
    let ring: Vec<[f64; 2]> = corners
        .iter()
        .map(|&(x, y)| {
            let (lon, lat) = bng_to_wgs84(x, y);
            [lon, lat]
        })
        .collect();
    let body = serde_json::json!({"type": "Polygon", "coordinates": [ring]}).to_string();
    let p = parse_polygon(body.as_bytes(), MAX_VERTICES).expect("a valid polygon");
    let answer = a.query_polygon(&p);
    // Half of E01900006's 500 people, up to the transform's round trip (well under 1 mm).
    let people = answer.summary.population.expect("people");
    assert!((people - 250.0).abs() < 1e-3, "{people}");
    let bowtie = r#"{"type":"Polygon","coordinates":[[[-0.1,51.5],[-0.09,51.51],[-0.09,51.5],[-0.1,51.51],[-0.1,51.5]]]}"#;
    let err = parse_polygon(bowtie.as_bytes(), MAX_VERTICES).expect_err("self-crossing");
    assert!(err.to_string().contains("not valid"), "{err}");
}

// ---------------------------------------------------------------- rules, profiles, search

#[test]
fn a_rule_selects_the_areas_worst_first_with_their_totals() {
    let (_f, a) = built();
    let rule: Filter = "rate>=20".parse().expect("a rule");
    let s = a.select("neighbourhoods", &rule).expect("selects");
    // Rates 20, 30, 40, 20, 40 pass; worst first (40, 40, 30, 20, 20), ties by code.
    let picked: Vec<(&str, f64)> = s.areas.iter().map(|x| (x.code.as_str(), x.value)).collect();
    assert_eq!(
        picked,
        [
            ("E01900004", 40.0),
            ("E01900006", 40.0),
            ("E01900003", 30.0),
            ("E01900002", 20.0),
            ("E01900005", 20.0),
        ]
    );
    assert_eq!(s.count, 5);
    // People 400 + 500 + 300 + 200 + 500 = 1900; five 250 000 m² squares.
    let totals: Vec<(&str, f64)> = s.totals.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(totals, [("area_m2", 1_250_000.0), ("people", 1900.0)]);
    assert_eq!(s.totals_method, "sum over the selected areas");
    assert_eq!(s.filter, "rate>=20");
    // On boroughs: only Eastfold smokes more than 15 (16); its 4000 people.
    let e = a
        .select("boroughs", &"smoking>15".parse().expect("rule"))
        .expect("selects");
    let got: Vec<&str> = e.areas.iter().map(|x| x.code.as_str()).collect();
    assert_eq!((got, e.totals["people"]), (vec!["E09000902"], 4000.0));
    let err = a
        .select("zones", &"smoking>1".parse().expect("rule"))
        .expect_err("zones carry no smoking");
    assert!(err.to_string().contains("it has people, rate"), "{err}");
    let err = a.select("wards", &rule).expect_err("no such layer");
    assert!(err.is_not_found(), "{err}");
}

#[test]
fn a_profile_ranks_each_value_worst_first_beside_the_london_figure() {
    let (_f, a) = built();
    let p = a.profile("neighbourhoods", "E01900003").expect("profile");
    assert_eq!(
        (p.name.as_str(), p.borough_name.as_deref(), p.area_m2),
        ("Westfold 003", Some("Westfold"), 250_000.0)
    );
    let rate = &p.indicators["rate"];
    // Rate 30 among 10, 20, 30, 40, 20, 40, 15 (higher is worse): two are worse, rank 3 of 7.
    assert_eq!(
        (rate.value, rate.rank, rate.of, rate.london),
        (Some(30.0), Some(3), 7, Some(25.0))
    );
    assert_eq!(rate.method, "as published");
    // 300 people (neutral: largest first): 400, 500, 500, 1000, 2000 are larger, rank 6 of 8.
    let people = &p.indicators["people"];
    assert_eq!((people.rank, people.of), (Some(6), 8));
    // E01900008 has no rate: no rank, still counted among the 7 with one.
    let q = a.profile("neighbourhoods", "E01900008").expect("profile");
    assert_eq!(
        (
            q.indicators["rate"].value,
            q.indicators["rate"].rank,
            q.indicators["rate"].of
        ),
        (None, None, 7)
    );
    // Eastfold: smoking 16 is the worse of 12 and 16, beside England's 14.
    let b = a.profile("boroughs", "E09000902").expect("profile");
    let s = &b.indicators["smoking"];
    assert_eq!((s.value, s.rank, s.of), (Some(16.0), Some(1), 2));
    assert_eq!(s.reference.as_ref().and_then(|r| r.value), Some(14.0));
    // Its rate, 22.5, is better than Westfold's 30: rank 2 of 2, derived.
    let r = &b.indicators["rate"];
    assert_eq!((r.value, r.rank), (Some(22.5), Some(2)));
    assert_eq!(
        r.method,
        "mean of the neighbourhoods areas in the borough, weighted by people"
    );
    let err = a
        .profile("boroughs", "E09000999")
        .expect_err("no such area");
    assert!(err.is_not_found(), "{err}");
}

#[test]
fn search_finds_names_and_codes_boroughs_first() {
    let (_f, a) = built();
    let found = |q: &str| -> Vec<(String, String)> {
        a.search(q)
            .expect(q)
            .results
            .iter()
            .map(|r| (r.layer.clone(), r.code.clone()))
            .collect()
    };
    // The exact name first, then the names starting with it, in name order.
    assert_eq!(
        found("westfold"),
        pairs(&[
            ("boroughs", "E09000901"),
            ("neighbourhoods", "E01900001"),
            ("neighbourhoods", "E01900002"),
            ("neighbourhoods", "E01900003"),
            ("neighbourhoods", "E01900004"),
            // then a close spelling (two letters differ): last
            ("boroughs", "E09000902"),
        ])
    );
    assert_eq!(
        found("e01900007"),
        pairs(&[("neighbourhoods", "E01900007")])
    );
    // "fold 00" is inside the eight neighbourhood names only.
    assert_eq!(found("fold 00").len(), 8);
    assert!(found("Nowhere").is_empty());
    let hit = &a.search("Middle zone").expect("search").results[0];
    assert_eq!(
        (hit.code.as_str(), hit.borough_name.as_deref()),
        ("Z1", None)
    );
    // Its centre lies inside the zone once moved back into the grid.
    let (x, y) = london_atlas::geom::crs::wgs84_to_bng(hit.center[0], hit.center[1]);
    assert!((530_250.0..530_750.0).contains(&x) && (180_000.0..180_500.0).contains(&y));
    let point = a.search("-0.1, 51.5").expect("a position");
    // A position answers one `point` result at that position (holding no fixture area).
    assert_eq!((point.point, point.results.len()), (Some([-0.1, 51.5]), 1));
    assert_eq!(point.results[0].kind, "point");
    assert_eq!(point.results[0].center, [-0.1, 51.5]);
    assert!(a.search("   ").is_err());
    assert!(a.search(&"x".repeat(101)).is_err());
}

// ---------------------------------------------------------------- classes and tiles

#[test]
fn every_layer_carrying_an_indicator_has_its_classes() {
    let (_f, a) = built();
    for i in &a.indicators {
        let carried: BTreeSet<&str> = i.layers.iter().map(String::as_str).collect();
        let classed: BTreeSet<&str> = i.classes.keys().map(String::as_str).collect();
        assert_eq!(carried, classed, "{}", i.id);
        for (layer, c) in &i.classes {
            assert_eq!(c.colours.len(), c.breaks.len() + 1, "{} {layer}", i.id);
        }
    }
    let breaks = |id: &str, layer: &str| a.indicator(id).expect(id).classes[layer].breaks.clone();
    assert_eq!(
        a.indicator("people").expect("people").layers,
        ["boroughs", "neighbourhoods", "zones"]
    );
    assert_eq!(
        a.indicator("smoking").expect("smoking").layers,
        ["boroughs"]
    );
    // Counts get the sextiles of the layer's own values: of 100 200 300 400 500 500 1000
    // 2000, the values at 8k/6 = 1, 2, 4, 5, 6 are 200, 300, 500, 500, 1000 (500 once).
    assert_eq!(
        breaks("people", "neighbourhoods"),
        [200.0, 300.0, 500.0, 1000.0]
    );
    // Two boroughs and one zone are fewer values than six classes: no breaks, one class.
    assert!(breaks("people", "boroughs").is_empty());
    assert!(breaks("people", "zones").is_empty());
    // Rates keep the manifest's breaks on every layer.
    for layer in ["boroughs", "neighbourhoods", "zones"] {
        assert_eq!(breaks("rate", layer), [15.0, 25.0, 35.0], "{layer}");
    }
    assert_eq!(breaks("smoking", "boroughs"), [13.0, 15.0]);
    // A rate of 30 is in the third class of three breaks (15 <= 25 <= 30 < 35).
    let rate = &a.indicator("rate").expect("rate").classes["neighbourhoods"];
    assert_eq!(rate.class_of(30.0), 2);
}

/// The codes each layer of a vector tile carries, read with geozero (not our encoder).
fn tile_codes(bytes: &[u8]) -> Vec<(String, BTreeSet<String>)> {
    use geozero::mvt::{Message, Tile};
    let tile = Tile::decode(bytes).expect("a vector tile");
    tile.layers
        .iter()
        .map(|l| {
            let codes = l
                .features
                .iter()
                .filter_map(|f| {
                    f.tags.chunks(2).find_map(|kv| {
                        (l.keys[kv[0] as usize] == "code")
                            .then(|| l.values[kv[1] as usize].string_value.clone())
                            .flatten()
                    })
                })
                .collect();
            (l.name.clone(), codes)
        })
        .collect()
}

#[test]
fn the_fixture_renders_as_z14_tiles_carrying_every_area_code() {
    use london_atlas::tiles::{TileId, TileStore, Tileset};
    let (_f, a) = built();
    let store = TileStore::new(std::sync::Arc::new(a));
    // The tile holding the middle of E01900004 carries it and Westfold.
    let (lon, lat) = bng_to_wgs84(530_750.0, 180_750.0);
    let t = TileId::containing(14, lon, lat).expect("a tile");
    let bytes = store
        .render(Tileset::Atlas, t)
        .expect("renders")
        .expect("not empty");
    let layers = tile_codes(&bytes);
    let get = |name: &str| {
        layers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, c)| c.clone())
            .unwrap_or_default()
    };
    assert!(get("neighbourhoods").contains("E01900004"), "{layers:?}");
    assert!(get("boroughs").contains("E09000901"), "{layers:?}");
    // Over all z14 tiles of the data, every area is drawn (2 + 8 + 1 codes).
    let mut all: BTreeSet<String> = BTreeSet::new();
    for t in store.tiles_at(Tileset::Atlas, 14) {
        if let Some(bytes) = store.render(Tileset::Atlas, t).expect("renders") {
            for (_, c) in tile_codes(&bytes) {
                all.extend(c);
            }
        }
    }
    assert_eq!(all.len(), 11, "{all:?}");
}

// ---------------------------------------------------------------- refusals

/// The fixture manifest with `from` (which must occur exactly once) replaced by `to`, parsed.
fn edited(from: &str, to: &str) -> Result<Manifest, ManifestError> {
    assert_eq!(
        MANIFEST.matches(from).count(),
        1,
        "{from:?} in the fixture manifest"
    );
    Manifest::parse(&MANIFEST.replacen(from, to, 1), "edited.toml")
}

#[test]
fn the_manifest_refuses_unknown_keys_and_references_naming_them() {
    let refused = |from: &str, to: &str, says: &str, parse: bool| {
        let err = edited(from, to).expect_err(to);
        let text = err.to_string();
        assert!(
            text.contains("edited.toml") && text.contains(says),
            "{to}: {text}"
        );
        assert_eq!(
            matches!(err, ManifestError::Parse { .. }),
            parse,
            "{to}: {err:?}"
        );
    };
    // Unknown keys: at the top, in a layer (serde refuses them), in an indicator (the check).
    refused(
        "name = \"Fixture\"",
        "name = \"Fixture\"\ncolour = \"red\"",
        "colour",
        true,
    );
    refused("minzoom = 8", "minzom = 8", "minzom", true);
    refused(
        "breaks = [13, 15]",
        "braeks = [13, 15]",
        "indicator smoking has an unknown key \"braeks\"",
        false,
    );
    // A table joined to a layer the manifest does not define.
    refused(
        "layer = \"boroughs\"\nfile = \"figures/boroughs.csv\"",
        "layer = \"wards\"\nfile = \"figures/boroughs.csv\"",
        "indicator smoking joins to unknown layer wards",
        false,
    );
    // An indicator with neither a table nor a ratio would have no values anywhere.
    refused(
        "[[indicator.table]]\nlayer = \"boroughs\"\nfile = \"figures/boroughs.csv\"\nkey = \"area_code\"\ncolumn = \"value\"\nfilter = { indicator = \"smoking\" }\nreference = { code = \"E92000001\", name = \"England\" }",
        "",
        "indicator smoking has no values",
        false,
    );
    // population naming an indicator, boroughs a layer, that do not exist.
    refused(
        "population = \"people\"",
        "population = \"residents\"",
        "population names unknown residents",
        false,
    );
    refused(
        "boroughs = \"boroughs\"",
        "boroughs = \"districts\"",
        "boroughs names unknown districts",
        false,
    );
    // A file no source lists; a derivation from an unknown layer; a category derived.
    refused(
        "file = \"figures/boroughs.csv\"\nkey",
        "file = \"figures/wards.csv\"\nkey",
        "indicator smoking reads figures/wards.csv, which no [[source]] lists",
        false,
    );
    refused(
        "aggregation = \"mean\"\nweight = \"people\"\nbreaks = [15",
        "aggregation = \"none\"\nweight = \"people\"\nbreaks = [15",
        "indicator rate has aggregation none and cannot be derived",
        false,
    );
    refused(
        "[layer.keep]\nkind = \"kind\"",
        "",
        "layer zones puts kind in tiles but does not keep it",
        false,
    );
    refused(
        "id = \"zones\"",
        "id = \"neighbourhoods\"",
        "layer neighbourhoods is defined twice",
        false,
    );
}

#[test]
fn loading_refuses_a_missing_file_a_bad_value_and_a_foreign_crs_naming_the_file() {
    let f = fixture();
    let load = |f: &Fixture| Atlas::load(&f.manifest, &f.options()).expect_err("must fail");
    // A missing file: its path and where to download it.
    std::fs::remove_file(f.path("figures/boroughs.csv")).expect("remove");
    let err = load(&f).to_string();
    assert!(
        err.contains("figures/boroughs.csv")
            && err.contains("https://example.org/london-atlas/figures"),
        "{err}"
    );
    // A value that is not a number: the file, the record and the code.
    let g = fixture();
    let csv = std::fs::read_to_string(g.path("figures/neighbourhoods.csv")).expect("read");
    std::fs::write(
        g.path("figures/neighbourhoods.csv"),
        csv.replace("E01900003,300,30", "E01900003,300,lots"),
    )
    .expect("write");
    let err = load(&g).to_string();
    assert!(
        err.contains("neighbourhoods.csv") && err.contains("record 3") && err.contains("lots"),
        "{err}"
    );
    // GeoJSON declaring a CRS the loader does not read.
    let h = fixture();
    let path = h.path("boundaries/zones.geojson");
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, text.replace("EPSG::27700", "EPSG::3857")).expect("write");
    let err = load(&h);
    assert!(matches!(err, AtlasError::Load(_)), "{err}");
    assert!(err.to_string().contains("zones.geojson"), "{err}");
    // Two areas with one code.
    let k = fixture();
    let path = k.path("boundaries/neighbourhoods.geojson");
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, text.replace("E01900002", "E01900001")).expect("write");
    let err = load(&k);
    assert!(
        matches!(&err, AtlasError::DuplicateCode { code, .. } if code == "E01900001"),
        "{err}"
    );
}
