//! The HTTP API end to end: the real server on a loopback port, the contract's JSON fields,
//! CSV output, and bad input that must get a 4xx JSON sentence (never a panic or a 500).

mod common;

use common::{population_2019, server};
use reqwest::StatusCode;
use serde_json::Value;

async fn get(url: &str) -> (StatusCode, Value) {
    let r = reqwest::get(url).await.expect("request");
    let status = r.status();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    (status, body)
}

async fn post(url: &str, body: impl Into<reqwest::Body>) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .post(url)
        .body(body)
        .send()
        .await
        .expect("request");
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn layers_and_indicators_describe_the_data_and_its_provenance() {
    let base = server().await;
    let (s, layers) = get(&format!("{base}/api/layers")).await;
    assert_eq!(s, StatusCode::OK);
    let counts: Vec<(String, u64)> = layers
        .as_array()
        .expect("array")
        .iter()
        .map(|l| {
            (
                l["id"].as_str().unwrap_or("").to_string(),
                l["count"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        counts,
        [
            ("boroughs".into(), 33),
            ("lsoa11".into(), 4835),
            ("lsoa21".into(), 4994),
            ("wards".into(), 625),
            ("ics".into(), 5),
            ("superzones".into(), 1734)
        ]
    );
    let (_, inds) = get(&format!("{base}/api/indicators")).await;
    let no2 = inds
        .as_array()
        .expect("array")
        .iter()
        .find(|i| i["id"] == "no2_2016_mean")
        .expect("no2");
    for field in [
        "title",
        "unit",
        "source",
        "year",
        "polarity",
        "licence",
        "attribution",
        "url",
    ] {
        assert!(!no2[field].is_null(), "no2_2016_mean lacks {field}");
    }
    assert_eq!(no2["unit"], "µg/m³");
    assert_eq!(no2["threshold"], 40.0);
    assert_eq!(
        no2["layers"],
        serde_json::json!(["boroughs", "lsoa11", "lsoa21", "wards", "ics", "superzones"])
    );
    assert_eq!(
        no2["methods"]["superzones"],
        "mean of lsoa11 values weighted by overlap area"
    );
}

#[tokio::test]
async fn the_point_at_parliament_square_is_in_westminster() {
    let base = server().await;
    let (s, body) = get(&format!("{base}/api/point?lon=-0.1276&lat=51.5007")).await;
    assert_eq!(s, StatusCode::OK);
    let areas = body["areas"].as_array().expect("areas");
    let borough = areas
        .iter()
        .find(|a| a["layer"] == "boroughs")
        .expect("a borough");
    assert_eq!(borough["code"], "E09000033");
    assert_eq!(borough["name"], "Westminster");
    let lsoa = areas
        .iter()
        .find(|a| a["layer"] == "lsoa11")
        .expect("an lsoa");
    assert_eq!(lsoa["code"], "E01004733");
    assert_eq!(lsoa["borough"], "E09000033");
    let no2 = common::csv_column(
        "laei-zonal-air-quality-london/lsoa11-2019-NO2.csv",
        "LSOA11CD",
        "NO2-2019-mean",
    );
    assert_eq!(
        lsoa["indicators"]["no2_2019_mean"].as_f64(),
        no2["E01004733"]
    );
}

#[tokio::test]
async fn select_returns_counts_and_totals_and_the_same_rows_as_csv() {
    let base = server().await;
    let url = format!("{base}/api/select?layer=lsoa11&where=no2_2016_mean%3E40");
    let (s, body) = get(&url).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["count"], 1128);
    let pop = population_2019();
    let codes: Vec<&str> = body["areas"]
        .as_array()
        .expect("areas")
        .iter()
        .filter_map(|a| a["code"].as_str())
        .collect();
    let people: f64 = codes.iter().map(|c| pop[*c].0).sum();
    assert_eq!(body["totals"]["population_2019"].as_f64(), Some(people));
    let csv = reqwest::get(format!("{url}&format=csv"))
        .await
        .expect("csv");
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let text = csv.text().await.expect("text");
    let mut r = ::csv::Reader::from_reader(text.as_bytes());
    let head: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(&head[..4], ["code", "name", "borough", "no2_2016_mean"]);
    assert_eq!(head.last().map(String::as_str), Some("area_m2"));
    let pop_at = head
        .iter()
        .position(|h| h == "population_2019")
        .expect("a population column");
    let kids_at = head
        .iter()
        .position(|h| h == "population_0_15_2019")
        .expect("a children column");
    let rows: Vec<::csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    let (total, rows) = rows.split_last().unwrap();
    assert_eq!(
        rows.iter().map(|x| x[0].to_string()).collect::<Vec<_>>(),
        codes
    );
    // Each row's residents are the population CSV's; the TOTAL row is their sum (people and children).
    for x in rows {
        assert_eq!(
            x[pop_at].parse::<f64>().ok(),
            Some(pop[&x[0]].0),
            "{}",
            &x[0]
        );
    }
    assert_eq!(&total[0], "TOTAL");
    assert!(
        total[1].starts_with("Total of 1128 areas where no2_2016_mean>40"),
        "{}",
        &total[1]
    );
    assert_eq!(total[pop_at].parse::<f64>().ok(), Some(people));
    let kids: f64 = rows
        .iter()
        .map(|x| x[kids_at].parse::<f64>().unwrap())
        .sum();
    assert_eq!(total[kids_at].parse::<f64>().ok(), Some(kids));
    assert_eq!(body["totals"]["population_0_15_2019"].as_f64(), Some(kids));
}

#[tokio::test]
async fn a_polygon_query_reports_areas_and_a_population_weighted_summary() {
    let base = server().await;
    let body = r#"{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[-0.14,51.50],[-0.12,51.50],[-0.12,51.51],[-0.14,51.51],[-0.14,51.50]]]}}"#;
    let (s, ans) = post(&format!("{base}/api/query"), body).await;
    assert_eq!(s, StatusCode::OK);
    let area = ans["area_m2"].as_f64().expect("area");
    assert!((1.5e6..1.6e6).contains(&area), "{area}");
    let lsoas = ans["layers"]["lsoa11"].as_array().expect("lsoa11");
    let sum: f64 = lsoas.iter().filter_map(|t| t["overlap_m2"].as_f64()).sum();
    let land = ans["layers"]["boroughs"]
        .as_array()
        .expect("boroughs")
        .iter()
        .filter_map(|t| t["overlap_m2"].as_f64())
        .sum::<f64>();
    assert!(
        (sum - land).abs() / land < 0.01,
        "LSOAs cover the land the boroughs cover: {sum} vs {land}"
    );
    assert!(ans["summary"]["population"]
        .as_f64()
        .is_some_and(|p| p > 1000.0));
    let no2 = &ans["summary"]["indicators"]["no2_2019_mean"];
    assert!(no2["method"]
        .as_str()
        .is_some_and(|m| m.contains("population_2019")));
}

#[tokio::test]
async fn an_area_profile_has_value_london_rank_and_of() {
    let base = server().await;
    let (s, p) = get(&format!("{base}/api/areas/boroughs/E09000033")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(p["name"], "Westminster");
    let no2 = &p["indicators"]["no2_2019_mean"];
    for f in ["value", "london", "rank", "of"] {
        assert!(!no2[f].is_null(), "{f}");
    }
    assert_eq!(no2["of"], 33);
}

/// Every kind of bad input the issue lists, with a word the error must contain.
#[tokio::test]
async fn bad_input_gets_a_4xx_json_sentence_and_the_server_keeps_serving() {
    let base = server().await;
    let ring = |pts: &[(f64, f64)]| {
        let c: Vec<[f64; 2]> = pts.iter().map(|&(x, y)| [x, y]).collect();
        serde_json::json!({"type": "Polygon", "coordinates": [c]}).to_string()
    };
    let get_cases = [
        (
            "/api/point?lon=abc&lat=51.5",
            StatusCode::BAD_REQUEST,
            "lon must be a number",
        ),
        (
            "/api/point?lon=-0.1",
            StatusCode::BAD_REQUEST,
            "missing query parameter lat",
        ),
        (
            "/api/point",
            StatusCode::BAD_REQUEST,
            "missing query parameter lon",
        ),
        (
            "/api/point?lon=200&lat=51.5",
            StatusCode::BAD_REQUEST,
            "out of range",
        ),
        (
            "/api/point?lon=-0.1&lat=-91",
            StatusCode::BAD_REQUEST,
            "out of range",
        ),
        (
            "/api/point?lon=NaN&lat=51.5",
            StatusCode::BAD_REQUEST,
            "lon must be a number",
        ),
        (
            "/api/point?lon=inf&lat=51.5",
            StatusCode::BAD_REQUEST,
            "lon must be a number",
        ),
        (
            "/api/areas/parishes/E05000001",
            StatusCode::NOT_FOUND,
            "unknown layer \"parishes\"",
        ),
        (
            "/api/areas/lsoa11/E99999999",
            StatusCode::NOT_FOUND,
            "no area with code \"E99999999\"",
        ),
        (
            "/api/select?layer=lsoa11",
            StatusCode::BAD_REQUEST,
            "missing query parameter where",
        ),
        (
            "/api/select?where=no2_2016_mean%3E40",
            StatusCode::BAD_REQUEST,
            "missing query parameter layer",
        ),
        (
            "/api/select?layer=nope&where=no2_2016_mean%3E40",
            StatusCode::NOT_FOUND,
            "unknown layer",
        ),
        (
            // An indicator a layer lacks is a 404 on every route (as /api/values and /styles).
            "/api/select?layer=lsoa21&where=population_2019%3E40",
            StatusCode::NOT_FOUND,
            "unknown indicator \"population_2019\"",
        ),
        (
            "/api/values?layer=lsoa21&indicator=population_2019",
            StatusCode::NOT_FOUND,
            "unknown indicator \"population_2019\"",
        ),
        (
            "/api/select?layer=lsoa11&where=no2_2016_mean",
            StatusCode::BAD_REQUEST,
            "no comparison",
        ),
        (
            "/api/select?layer=lsoa11&where=no2_2016_mean%3Eforty",
            StatusCode::BAD_REQUEST,
            "not a number",
        ),
        (
            "/api/select?layer=lsoa11&where=%3E40",
            StatusCode::BAD_REQUEST,
            "indicator id",
        ),
        (
            "/api/select?layer=lsoa11&where=no2_2016_mean%3E40&format=xml",
            StatusCode::BAD_REQUEST,
            "format",
        ),
        (
            "/api/search?q=",
            StatusCode::BAD_REQUEST,
            "missing query parameter q",
        ),
        ("/api/nothing", StatusCode::NOT_FOUND, "no such endpoint"),
    ];
    for (path, status, words) in get_cases {
        let (s, body) = get(&format!("{base}{path}")).await;
        assert_eq!(s, status, "{path}: {body}");
        let msg = body["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{path}: no JSON error in {body}"));
        assert!(msg.contains(words), "{path}: {msg}");
    }
    let many: Vec<(f64, f64)> = (0..=25_000)
        .map(|k| {
            let t = k as f64 / 25_000.0 * std::f64::consts::TAU;
            (-0.1 + 0.01 * t.cos(), 51.5 + 0.01 * t.sin())
        })
        .collect();
    let post_cases: Vec<(String, StatusCode, &str)> = vec![
        (String::new(), StatusCode::UNPROCESSABLE_ENTITY, "empty"),
        (
            "not json".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "not valid GeoJSON",
        ),
        (
            r#"{"type":"Banana"}"#.into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "not valid GeoJSON",
        ),
        (
            r#"{"type":"Point","coordinates":[-0.1,51.5]}"#.into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Point",
        ),
        (
            r#"{"type":"FeatureCollection","features":[]}"#.into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "FeatureCollection",
        ),
        (
            ring(&[(-0.1, 51.5), (-0.1, 51.6), (0.0, 51.6), (0.0, 51.5)]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "not closed",
        ),
        (
            ring(&[
                (-0.1, 51.5),
                (0.0, 51.6),
                (0.0, 51.5),
                (-0.1, 51.6),
                (-0.1, 51.5),
            ]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "self-intersection",
        ),
        (
            ring(&[(-0.1, 51.5), (-0.1, 95.0), (0.0, 51.6), (-0.1, 51.5)]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "latitude",
        ),
        (
            ring(&[(100.0, 10.0), (101.0, 10.0), (101.0, 11.0), (100.0, 10.0)]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "beyond Great Britain",
        ),
        (
            ring(&many),
            StatusCode::PAYLOAD_TOO_LARGE,
            "vertices; the limit is 20000",
        ),
        (
            " ".repeat(2 << 20),
            StatusCode::PAYLOAD_TOO_LARGE,
            "too large",
        ),
    ];
    for (body, status, words) in post_cases {
        let shown: String = body.chars().take(60).collect();
        let (s, reply) = post(&format!("{base}/api/query"), body).await;
        assert_eq!(s, status, "{shown}: {reply}");
        let msg = reply["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{shown}: no JSON error in {reply}"));
        assert!(msg.contains(words), "{shown}: {msg}");
    }
    let r = reqwest::Client::new()
        .delete(format!("{base}/api/layers"))
        .send()
        .await
        .expect("delete");
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    let (s, health) = get(&format!("{base}/api/health")).await;
    assert_eq!((s, health["status"].as_str()), (StatusCode::OK, Some("ok")));
}

#[tokio::test]
async fn every_unknown_path_is_a_404_in_json_or_a_page_with_a_link_home_for_browsers() {
    let base = server().await;
    let client = reqwest::Client::new();
    for path in [
        "/nothing",
        "/api/nothing",
        "/tiles/atlas/1/2",
        "/vendor/maplibre-gl/other.js",
        "/js/../Cargo.toml",
        "/favicon.png",
    ] {
        let res = client
            .get(format!("{base}{path}"))
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        let body: Value = res
            .json()
            .await
            .unwrap_or_else(|e| panic!("{path}: not JSON: {e}"));
        assert!(
            body["error"].as_str().is_some_and(|m| !m.is_empty()),
            "{path}: {body}"
        );
        let page = client
            .get(format!("{base}{path}"))
            .header("Accept", "text/html,application/xhtml+xml")
            .send()
            .await
            .expect("request");
        assert_eq!(page.status(), StatusCode::NOT_FOUND, "{path}");
        let kind = page.headers()["content-type"]
            .to_str()
            .unwrap_or("")
            .to_string();
        let text = page.text().await.expect("body");
        assert!(kind.starts_with("text/html"), "{path}: {kind}");
        assert!(
            text.contains("href=\"/\""),
            "{path}: no link home in {text}"
        );
    }
    let post = client
        .post(format!("{base}/nothing"))
        .send()
        .await
        .expect("request");
    assert_eq!(post.status(), StatusCode::NOT_FOUND);
    let body: Value = post.json().await.expect("JSON");
    assert!(body["error"]
        .as_str()
        .is_some_and(|m| m.contains("POST /nothing")));
}
