//! Property-based fuzzing of every parser on the input path: arbitrary bytes and mutated valid
//! inputs never panic the query-polygon parser, the `where` rule parser, the search parser,
//! the manifest parser, the CSV table reader or the OGC API items query parser; they return a value or an error sentence, and
//! what they accept is checked (valid polygons with an area, rules that select what they say,
//! search results that match the text, manifests that pass their cross-checks, rows with
//! unique codes and finite values). Queries run on the made-up fixture atlas, so no real data
//! is needed.

use london_atlas::fixture::{fixture, MANIFEST};
use london_atlas::geom::crs::{bng_to_wgs84, valid_lon_lat};
use london_atlas::geom::validity::invalidity;
use london_atlas::query::polygon::{parse_polygon, MAX_VERTICES};
use london_atlas::query::search::MAX_RESULTS;
use london_atlas::query::select::Filter;
use london_atlas::query::QueryError;
use london_atlas::{Atlas, Manifest};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::cell::Cell;
use std::collections::HashSet;
use std::sync::OnceLock;

const VALID: &str = r#"{"type":"Polygon","coordinates":[[[-0.14,51.50],[-0.12,51.50],[-0.12,51.51],[-0.14,51.51],[-0.14,51.50]]]}"#;

/// The fixture atlas, built once per test binary. It lives in memory; the fixture's folder is
/// removed as soon as it has loaded.
fn atlas() -> &'static Atlas {
    static ATLAS: OnceLock<Atlas> = OnceLock::new();
    ATLAS.get_or_init(|| fixture().atlas())
}

/// Every area name of the fixture, for searches that must find something.
fn names() -> Vec<String> {
    atlas()
        .layers
        .iter()
        .flat_map(|l| l.areas.iter().map(|a| a.name.clone()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_polygon_parser_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_polygon(&bytes, MAX_VERTICES);
    }

    #[test]
    fn the_polygon_parser_never_panics_on_mutated_geojson(at in 0usize..VALID.len(), len in 0usize..8, with in "[-0-9.,\\[\\]{}\":a-zA-Z eE]{0,8}") {
        let mut s = VALID.to_string();
        let end = (at + len).min(s.len());
        if s.is_char_boundary(at) && s.is_char_boundary(end) {
            s.replace_range(at..end, &with);
        }
        match parse_polygon(s.as_bytes(), MAX_VERTICES) {
            Ok(p) => {
                // What it accepts is valid and has an area.
                prop_assert_eq!(invalidity(&p), None);
                prop_assert!(geo::Area::unsigned_area(&p) > 0.0);
            }
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }

    #[test]
    fn the_where_parser_never_panics(s in "\\PC{0,40}") {
        if let Ok(f) = s.parse::<Filter>() {
            prop_assert!(f.value.is_finite());
            prop_assert!(!f.indicator.is_empty());
        }
    }

    #[test]
    fn the_where_parser_round_trips_what_it_accepts(ind in "[a-z][a-z0-9_]{0,20}", op in prop::sample::select(vec![">", ">=", "<", "<=", "="]), v in -1e6f64..1e6) {
        let f: Filter = format!("{ind}{op}{v}").parse().map_err(|e| TestCaseError::fail(format!("{e}")))?;
        prop_assert_eq!(f.to_string(), format!("{ind}{op}{v}"));
    }

    #[test]
    fn a_parsed_rule_selects_exactly_the_areas_that_pass_it(
        ind in prop::sample::select(vec!["people", "rate", "smoking", "nope"]),
        op in prop::sample::select(vec![">", ">=", "<", "<=", "="]),
        v in prop_oneof![Just(20.0f64), Just(1000.0), -10.0f64..3000.0],
        pad in prop::sample::select(vec!["", " ", "  "]),
    ) {
        let f: Filter = format!("{pad}{ind}{pad}{op}{pad}{v}{pad}").parse().map_err(|e| TestCaseError::fail(format!("{e}")))?;
        let a = atlas();
        for layer in &a.layers {
            match a.select(&layer.id, &f) {
                Ok(s) => {
                    let values = &layer.columns[ind].values;
                    let want = values.iter().flatten().filter(|x| f.op.test(**x, v)).count();
                    prop_assert_eq!(s.count, want);
                    for x in &s.areas {
                        prop_assert!(f.op.test(x.value, v), "{} {} {}", layer.id, x.code, x.value);
                    }
                }
                Err(e) => {
                    prop_assert!(!layer.columns.contains_key(ind), "{}: {}", layer.id, e);
                    let unknown = matches!(e, QueryError::UnknownIndicator { .. });
                    prop_assert!(unknown, "{}", e);
                }
            }
        }
    }

    #[test]
    fn search_never_panics_and_every_result_matches_the_text(q in "\\PC{0,120}") {
        match atlas().search(&q) {
            Ok(answer) => {
                let needle = london_atlas::query::names::key(&q);
                prop_assert!(answer.results.len() <= MAX_RESULTS);
                if answer.point.is_some() {
                    prop_assert!(answer.results.len() == 1 && answer.results[0].kind == "point");
                }
                for r in &answer.results {
                    // The documented rule: the code, or a name matching by `names::Match`
                    // (exact, prefix, word, inside, close spelling); a point result holds the point.
                    let name = london_atlas::query::names::key(&r.name);
                    let hit = r.kind == "point"
                        || r.code.eq_ignore_ascii_case(q.trim())
                        || london_atlas::query::names::Match::of(&needle, &name).is_some();
                    prop_assert!(hit, "{:?} found {} {}", q, r.code, r.name);
                    prop_assert!(atlas().layer(&r.layer).is_some());
                }
            }
            Err(e) => {
                prop_assert!(matches!(e, QueryError::BadParameter(_)), "{}", e);
                let n = q.trim().chars().count();
                prop_assert!(n == 0 || n > 100, "{:?} refused: {}", q, e);
            }
        }
    }

    #[test]
    fn search_finds_an_area_by_any_piece_of_its_name_in_any_case(pick in any::<prop::sample::Index>(), from in 0usize..16, len in 1usize..16, upper in any::<bool>()) {
        let names = names();
        let name = pick.get(&names);
        let chars: Vec<char> = name.chars().collect();
        let from = from.min(chars.len() - 1);
        let piece: String = chars[from..(from + len).min(chars.len())].iter().collect();
        prop_assume!(!piece.trim().is_empty());
        let q = if upper { piece.to_uppercase() } else { piece.to_lowercase() };
        let answer = atlas().search(&q).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(answer.results.iter().any(|r| &r.name == name), "{:?} does not find {}", q, name);
    }

    #[test]
    fn search_reads_a_lon_lat_pair_only_when_it_is_a_wgs84_position(lon in -200.0f64..200.0, lat in -100.0f64..100.0, sep in prop::sample::select(vec![", ", " ", ",", " , "])) {
        let answer = atlas().search(&format!("{lon}{sep}{lat}")).map_err(|e| TestCaseError::fail(e.to_string()))?;
        if valid_lon_lat(lon, lat) {
            prop_assert_eq!(answer.point, Some([lon, lat]));
        } else {
            prop_assert_eq!(answer.point, None);
            prop_assert!(answer.results.is_empty());
        }
    }

    #[test]
    fn the_manifest_parser_never_panics(s in "\\PC{0,200}") {
        let _ = Manifest::parse(&s, "fuzz");
    }

    #[test]
    fn the_manifest_parser_checks_what_it_accepts_from_a_mutated_manifest(
        at in 0usize..MANIFEST.len(),
        len in 0usize..24,
        with in "[a-z_ =\"\\[\\]{}.,0-9\\n]{0,12}",
        drop_line in 0usize..200,
    ) {
        let mut s = MANIFEST.to_string();
        let end = (at + len).min(s.len());
        if s.is_char_boundary(at) && s.is_char_boundary(end) {
            s.replace_range(at..end, &with);
        }
        let s: String = s.lines().enumerate().filter(|(i, _)| *i != drop_line).map(|(_, l)| format!("{l}\n")).collect();
        match Manifest::parse(&s, "fuzz") {
            Ok(m) => {
                // An accepted manifest is consistent: every file read is listed, every
                // reference resolves.
                for l in m.layers() {
                    prop_assert!(m.file(&l.file).is_some(), "layer {} reads {}", l.id, l.file);
                }
                let layers: HashSet<&str> = m.layers().iter().map(|l| l.id.as_str()).collect();
                for i in m.indicators() {
                    prop_assert!(m.source(&i.source).is_some());
                    for t in &i.tables {
                        prop_assert!(layers.contains(t.layer.as_str()) && m.file(&t.file).is_some());
                    }
                }
                if let Some(p) = m.population() {
                    prop_assert!(m.indicators().iter().any(|i| i.id == p));
                }
                if let Some(b) = m.boroughs() {
                    prop_assert!(layers.contains(b));
                }
            }
            Err(e) => prop_assert!(e.to_string().contains("fuzz"), "{}", e),
        }
    }

    #[test]
    fn the_csv_reader_never_panics(body in "[A-Za-z0-9,\"\\n. -]{0,300}") {
        let dir = std::env::temp_dir().join(format!("atlas-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let path = dir.join("t.csv");
        std::fs::write(&path, format!("code,v\n{body}")).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let read = london_atlas::load::table::read_column(&path, "code", "v");
        let _ = std::fs::remove_dir_all(&dir);
        match read {
            Ok(rows) => {
                let mut seen = HashSet::new();
                for r in &rows {
                    prop_assert!(!r.code.is_empty() && seen.insert(r.code.clone()), "{:?}", r);
                    prop_assert!(r.value.is_none_or(f64::is_finite));
                }
            }
            Err(e) => prop_assert!(e.to_string().contains("t.csv"), "{}", e),
        }
    }
}

/// The fixture's middle (between Westfold and Eastfold) in WGS84.
fn middle() -> (f64, f64) {
    bng_to_wgs84(531_000.0, 180_500.0)
}

/// Rings of random positions around the fixture: mostly self-crossing.
fn random_ring() -> impl Strategy<Value = Vec<[f64; 2]>> {
    proptest::collection::vec((-0.02f64..0.02, -0.01f64..0.01), 3..40).prop_map(|pts| {
        let (lon, lat) = middle();
        pts.iter().map(|&(x, y)| [lon + x, lat + y]).collect()
    })
}

/// Rings valid by construction: vertices at strictly increasing angles around a centre, no gap
/// as wide as half a turn, so the ring is star-shaped and never crosses itself.
fn star_ring() -> impl Strategy<Value = Vec<[f64; 2]>> {
    (
        -0.02f64..0.02,
        -0.01f64..0.01,
        proptest::collection::vec((1.0f64..1.9, 0.001f64..0.01), 3..40),
    )
        .prop_map(|(dx, dy, spokes)| {
            let (lon, lat) = middle();
            let total: f64 = spokes.iter().map(|s| s.0).sum();
            let mut angle = 0.0f64;
            spokes
                .iter()
                .map(|&(gap, r)| {
                    let p = [lon + dx + r * angle.cos(), lat + dy + r * angle.sin()];
                    angle += gap / total * std::f64::consts::TAU;
                    p
                })
                .collect()
        })
}

/// One run of the proptest runner inside one test, counting accepted polygons, so the
/// assertion that enough were accepted runs after every case, whatever the test threads do.
#[test]
fn polygons_of_random_coordinates_are_accepted_or_refused_cleanly() {
    let a = atlas();
    let nb = a.layer("neighbourhoods").expect("neighbourhoods");
    let (cases, stars, accepted) = (Cell::new(0usize), Cell::new(0usize), Cell::new(0usize));
    let mut runner = TestRunner::new(Config {
        cases: 300,
        failure_persistence: None,
        ..Config::default()
    });
    let rings = prop_oneof![
        random_ring().prop_map(|r| (r, false)),
        star_ring().prop_map(|r| (r, true)),
    ];
    let result = runner.run(&rings, |(mut ring, star)| {
        cases.set(cases.get() + 1);
        stars.set(stars.get() + usize::from(star));
        ring.push(ring[0]);
        let body = serde_json::json!({"type": "Polygon", "coordinates": [ring]}).to_string();
        let p = match parse_polygon(body.as_bytes(), MAX_VERTICES) {
            Ok(p) => p,
            Err(e) => {
                prop_assert!(!star, "a star-shaped ring was refused: {}", e);
                prop_assert!(!e.to_string().is_empty());
                return Ok(());
            }
        };
        accepted.set(accepted.get() + 1);
        // Accepted polygons run the whole overlap machinery on the fixture.
        let answer = a.query_polygon(&p);
        let total = |l: &str| -> f64 { answer.layers[l].iter().map(|t| t.overlap_m2).sum() };
        let (boroughs, neighbourhoods) = (total("boroughs"), total("neighbourhoods"));
        // Both layers tile the same 2 km by 1 km: they share the same area with the polygon,
        // which is at most the polygon's own and the fixture's. (Cut pieces are measured in
        // floating point at coordinates near 5e5 m: measured differences reach 1e-8 of the area.)
        let tolerance = 1e-7 * answer.area_m2 + 1e-3;
        prop_assert!(
            (boroughs - neighbourhoods).abs() <= tolerance,
            "{} vs {}",
            boroughs,
            neighbourhoods
        );
        prop_assert!(neighbourhoods <= answer.area_m2.min(2e6) + tolerance);
        for t in answer.layers.values().flatten() {
            prop_assert!(t.overlap_share > 0.0 && t.overlap_share <= 1.0, "{:?}", t);
        }
        // The population is each neighbourhood's people times its share inside.
        let apportioned: f64 = answer.layers["neighbourhoods"]
            .iter()
            .map(|t| {
                let i = nb.area_index(&t.code).expect("a neighbourhood");
                nb.value("people", i).unwrap_or(0.0) * t.overlap_share
            })
            .sum();
        let population = answer.summary.population.unwrap_or(0.0);
        prop_assert!(
            (population - apportioned).abs() <= 1e-9 * 5000.0,
            "{} vs {}",
            population,
            apportioned
        );
        prop_assert!(population <= 5000.0 * (1.0 + 1e-12));
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let share = accepted.get() as f64 / cases.get() as f64;
    println!(
        "{} of {} random polygons accepted ({share:.2}), {} of them star-shaped by construction",
        accepted.get(),
        cases.get(),
        stars.get()
    );
    assert_eq!(cases.get(), 300);
    // About half the cases are star-shaped (all accepted) and a few random rings are simple.
    assert!(
        share >= 0.3,
        "only {share} of the random polygons were accepted"
    );
}

/// Undoes the percent-encoding of a query value.
fn percent_decode(v: &str) -> String {
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match (
            b[i],
            v.get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok()),
        ) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One OGC API items query parameter with an arbitrary value, or a plausible one.
fn ogc_param() -> impl Strategy<Value = (String, String)> {
    let name = prop::sample::select(vec![
        "bbox",
        "bbox-crs",
        "crs",
        "f",
        "limit",
        "offset",
        "properties",
        "other",
    ]);
    let value = prop_oneof![
        "\\PC{0,40}",
        "-?[0-9]{1,6}(\\.[0-9]{1,3})?(,-?[0-9]{1,6}(\\.[0-9]{1,3})?){3}",
        "[0-9]{1,25}",
        Just(london_atlas::ogc::EPSG_27700.to_string()),
        Just(london_atlas::ogc::CRS84.to_string()),
    ];
    (name, value).prop_map(|(n, v)| (n.to_string(), v))
}

proptest! {
    #![proptest_config(Config { cases: 256, ..Config::default() })]

    /// The OGC items query parser never panics; what it accepts is in range, round-trips
    /// through the query string of its `next` link, and answers a page no longer than its
    /// limit on the fixture atlas.
    #[test]
    fn the_ogc_items_parser_never_panics_and_round_trips_what_it_accepts(
        pairs in proptest::collection::vec(ogc_param(), 0..5),
    ) {
        use london_atlas::ogc::params::ItemsQuery;
        use london_atlas::ogc::{items, MAX_LIMIT};
        let params: std::collections::HashMap<String, String> = pairs.into_iter().collect();
        if let Ok(q) = ItemsQuery::parse(&params) {
            prop_assert!((1..=MAX_LIMIT).contains(&q.limit));
            if let Some(b) = &q.bbox {
                prop_assert!(b.min[0] <= b.max[0] && b.min[1] <= b.max[1]);
            }
            let back: std::collections::HashMap<String, String> = q
                .query_string(q.offset)
                .split('&')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_string(), percent_decode(v)))
                .collect();
            prop_assert_eq!(ItemsQuery::parse(&back).ok(), Some(q.clone()));
            let layer = &atlas().layers[0];
            match items::items(atlas(), &layer.id, &q, "http://x/ogc") {
                Ok(page) => {
                    let n = page["numberReturned"].as_u64().unwrap_or(u64::MAX) as usize;
                    prop_assert!(n <= q.limit && n <= layer.areas.len());
                }
                // Only a property the layer lacks may be refused.
                Err(e) => prop_assert!(e.to_string().contains("has no property"), "{}", e),
            }
        }
    }
}
