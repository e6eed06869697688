//! `/api/point` with `layers=` and `fields=`: the narrowed answer is exactly the full answer
//! cut to the named layers and indicators, its values are the published CSVs', and unknown or
//! empty names get a 4xx JSON sentence naming them.

mod common;

use common::{csv_column, server};
use reqwest::StatusCode;
use serde_json::Value;

async fn get(url: &str) -> (StatusCode, Value) {
    let r = reqwest::get(url).await.expect("request");
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Points across London (lon, lat): Parliament Square, the City, Croydon, Harrow, Romford,
/// Woolwich, Brixton, Walthamstow, Heathrow's edge, Bexleyheath, Enfield, the Thames at
/// Tower Bridge (in the river: no borough).
const POINTS: [(f64, f64); 12] = [
    (-0.1276, 51.5007),
    (-0.0917, 51.5155),
    (-0.0982, 51.3762),
    (-0.3346, 51.5806),
    (0.1837, 51.5750),
    (0.0632, 51.4907),
    (-0.1145, 51.4613),
    (-0.0187, 51.5830),
    (-0.4543, 51.4700),
    (0.1478, 51.4570),
    (-0.0824, 51.6523),
    (-0.0754, 51.5055),
];

const FIELDS: [&str; 2] = ["no2_2016_mean", "imd2019_score"];

#[tokio::test]
async fn selected_layers_and_fields_are_the_full_answer_cut_down_and_match_the_csvs() {
    let base = server().await;
    let no2 = csv_column(
        "laei-zonal-air-quality-london/lsoa11-2016-NO2.csv",
        "LSOA11CD",
        "NO2-2016-mean",
    );
    let imd = csv_column(
        "iod2019-london/iod2019_london_lsoa11.csv",
        "LSOA code (2011)",
        "Index of Multiple Deprivation (IMD) Score",
    );
    let mut lsoas_checked = 0;
    for (lon, lat) in POINTS {
        let (s, full) = get(&format!("{base}/api/point?lon={lon}&lat={lat}")).await;
        assert_eq!(s, StatusCode::OK);
        let url = format!(
            "{base}/api/point?lon={lon}&lat={lat}&layers=lsoa11,boroughs&fields={}",
            FIELDS.join(",")
        );
        let (s, some) = get(&url).await;
        assert_eq!(s, StatusCode::OK, "{url}: {some}");
        for key in ["lon", "lat", "easting", "northing"] {
            assert_eq!(some[key], full[key], "{key} at {lon},{lat}");
        }
        // The same areas of those two layers, in the same order, with only the named fields.
        let expected: Vec<Value> = full["areas"]
            .as_array()
            .expect("areas")
            .iter()
            .filter(|a| a["layer"] == "boroughs" || a["layer"] == "lsoa11")
            .map(|a| {
                let mut a = a.clone();
                let inds = a["indicators"].as_object().expect("indicators").clone();
                a["indicators"] = inds
                    .into_iter()
                    .filter(|(k, _)| FIELDS.contains(&k.as_str()))
                    .collect::<serde_json::Map<_, _>>()
                    .into();
                a
            })
            .collect();
        assert_eq!(some["areas"].as_array().expect("areas"), &expected);
        for a in &expected {
            assert_eq!(a["indicators"].as_object().map(|o| o.len()), Some(2), "{a}");
        }
        // Independent check: the LSOA's values are the published CSVs'.
        for a in expected.iter().filter(|a| a["layer"] == "lsoa11") {
            let code = a["code"].as_str().expect("code");
            assert_eq!(
                a["indicators"]["no2_2016_mean"].as_f64(),
                no2[code],
                "{code}"
            );
            assert_eq!(
                a["indicators"]["imd2019_score"].as_f64(),
                imd[code],
                "{code}"
            );
            lsoas_checked += 1;
        }
    }
    // Every point but the one in the Thames is in an LSOA (one may sit on a shared edge).
    assert!(lsoas_checked >= POINTS.len() - 1, "{lsoas_checked} LSOAs");
}

#[tokio::test]
async fn layers_alone_keep_every_indicator_and_empty_fields_keep_none() {
    let base = server().await;
    let (lon, lat) = POINTS[0];
    let (_, full) = get(&format!("{base}/api/point?lon={lon}&lat={lat}")).await;
    let full_lsoa = full["areas"]
        .as_array()
        .expect("areas")
        .iter()
        .find(|a| a["layer"] == "lsoa11")
        .expect("an LSOA at Parliament Square")
        .clone();
    let (s, only) = get(&format!(
        "{base}/api/point?lon={lon}&lat={lat}&layers=lsoa11"
    ))
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(only["areas"], Value::Array(vec![full_lsoa.clone()]));
    assert!(full_lsoa["indicators"].as_object().expect("map").len() > 20);

    let (s, bare) = get(&format!(
        "{base}/api/point?lon={lon}&lat={lat}&layers=lsoa11&fields="
    ))
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(bare["areas"][0]["code"], full_lsoa["code"]);
    assert_eq!(bare["areas"][0]["indicators"], serde_json::json!({}));

    // Repeats and spaces do not matter.
    let (s, again) = get(&format!(
        "{base}/api/point?lon={lon}&lat={lat}&layers=lsoa11,%20lsoa11&fields=no2_2016_mean,no2_2016_mean"
    ))
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        again["areas"][0]["indicators"],
        serde_json::json!({ "no2_2016_mean": full_lsoa["indicators"]["no2_2016_mean"] })
    );
}

#[tokio::test]
async fn unknown_or_empty_names_are_refused_with_a_sentence_naming_them() {
    let base = server().await;
    let at = "lon=-0.1276&lat=51.5007";
    for (query, status, needle) in [
        ("layers=lsoa11,nowhere", StatusCode::NOT_FOUND, "nowhere"),
        ("layers=,", StatusCode::BAD_REQUEST, "layers is empty"),
        (
            "layers=lsoa11&fields=no2_2016_mean,bogus_rate",
            StatusCode::NOT_FOUND,
            "bogus_rate",
        ),
        ("fields=nonsense", StatusCode::NOT_FOUND, "nonsense"),
    ] {
        let url = format!("{base}/api/point?{at}&{query}");
        let (s, body) = get(&url).await;
        assert_eq!(s, status, "{url}: {body}");
        let msg = body["error"].as_str().unwrap_or_default();
        assert!(msg.contains(needle), "{url}: {msg}");
    }
}
