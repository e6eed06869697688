//! Property-based fuzzing of every parser on the input path: arbitrary bytes and mutated valid
//! inputs never panic the query-polygon parser, the `where` rule parser, the search parser,
//! the manifest parser or the CSV table reader; they return a value or an error sentence.

mod common;

use london_atlas::query::polygon::{parse_polygon, MAX_VERTICES};
use london_atlas::query::select::Filter;
use london_atlas::Manifest;
use proptest::prelude::*;

const VALID: &str = r#"{"type":"Polygon","coordinates":[[[-0.14,51.50],[-0.12,51.50],[-0.12,51.51],[-0.14,51.51],[-0.14,51.50]]]}"#;

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

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
        if let Err(e) = parse_polygon(s.as_bytes(), MAX_VERTICES) {
            prop_assert!(!e.to_string().is_empty());
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
    fn the_manifest_parser_never_panics(s in "\\PC{0,200}") {
        let _ = Manifest::parse(&s, "fuzz");
    }

    #[test]
    fn the_csv_reader_never_panics(body in "[A-Za-z0-9,\"\\n. -]{0,300}") {
        let dir = std::env::temp_dir().join(format!("atlas-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let path = dir.join("t.csv");
        std::fs::write(&path, format!("code,v\n{body}")).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let _ = london_atlas::load::table::read_column(&path, "code", "v");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn polygons_of_random_coordinates_are_accepted_or_refused_cleanly(pts in proptest::collection::vec((-1.0f64..1.0, 50.0f64..53.0), 3..40)) {
        let mut ring: Vec<[f64; 2]> = pts.iter().map(|&(x, y)| [x, y]).collect();
        ring.push(ring[0]);
        let body = serde_json::json!({"type": "Polygon", "coordinates": [ring]}).to_string();
        if let Ok(p) = parse_polygon(body.as_bytes(), MAX_VERTICES) {
            // Valid random polygons over London run the whole overlap machinery.
            let answer = common::atlas().query_polygon(&p);
            let sum: f64 = answer.layers["boroughs"].iter().map(|t| t.overlap_m2).sum();
            prop_assert!(sum <= answer.area_m2 * (1.0 + 1e-9));
        }
    }
}
