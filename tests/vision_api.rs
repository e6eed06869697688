//! The Vision's answers over HTTP on the real data: priorities, scorecards (JSON and CSV, a
//! borough, a care system and London), the headline figures, change between two periods,
//! series in area profiles, and bad input. Expected values come from the source CSVs or from
//! other endpoints computed independently (select totals, area profiles).

mod common;

use common::{data_dir, population_2019, server};
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::HashMap;

async fn get(url: &str) -> (StatusCode, Value) {
    let r = reqwest::get(url).await.expect("request");
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Violence against the person offences by borough (LAD11CD) for one year, from the CSV.
fn violence_by_borough(year: &str) -> HashMap<String, f64> {
    let path = data_dir().join(
        "police-violence-lsoa11-london/mps_violence_against_the_person_lsoa11_2011-2021_excl2020.csv",
    );
    let mut r = csv::Reader::from_path(&path).expect("violence csv");
    let h = r.headers().expect("header").clone();
    let (lad, v) = (
        h.iter().position(|x| x == "LAD11CD").expect("LAD11CD"),
        h.iter().position(|x| x == year).expect("year column"),
    );
    let mut out = HashMap::new();
    for rec in r.records() {
        let rec = rec.expect("record");
        *out.entry(rec[lad].to_string()).or_insert(0.0) += rec[v].parse::<f64>().expect("count");
    }
    out
}

#[tokio::test]
async fn priorities_number_the_visions_ten_and_keep_hiv_with_a_note() {
    let base = server().await;
    let (s, body) = get(&format!("{base}/api/priorities")).await;
    assert_eq!(s, StatusCode::OK);
    let list = body.as_array().expect("array");
    let numbers: Vec<u64> = list.iter().filter_map(|p| p["number"].as_u64()).collect();
    assert_eq!(numbers, (1..=10).collect::<Vec<_>>());
    let unnumbered: Vec<&str> = list
        .iter()
        .filter(|p| p["number"].is_null())
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert_eq!(unnumbered, ["overall", "wider_determinants"]);
    for p in list {
        let n = p["indicators"].as_array().map_or(0, Vec::len);
        if p["id"] == "hiv_sti" {
            assert_eq!(n, 0);
            assert!(
                p["note"].as_str().is_some_and(|t| t.contains("No open")),
                "{p}"
            );
        } else {
            assert!(n > 0, "priority {} has no indicator", p["id"]);
        }
    }
    let violence = list
        .iter()
        .find(|p| p["id"] == "violence")
        .expect("violence");
    assert!(violence["indicators"]
        .as_array()
        .expect("ids")
        .iter()
        .any(|i| i == "violence_rate_2019"));
    assert_eq!(violence["series"][0], "violence");
}

#[tokio::test]
async fn a_borough_scorecard_agrees_with_its_profile_and_the_csv() {
    let base = server().await;
    let (s, card) = get(&format!("{base}/api/scorecards/boroughs/E09000033")).await;
    assert_eq!(s, StatusCode::OK, "{card}");
    assert_eq!(card["name"], "Westminster");
    let (_, profile) = get(&format!("{base}/api/areas/boroughs/E09000033")).await;
    let priorities = card["priorities"].as_array().expect("priorities");
    assert_eq!(priorities.len(), 12);
    let mut rows = 0;
    for p in priorities {
        for r in p["rows"].as_array().expect("rows") {
            rows += 1;
            let id = r["indicator"].as_str().expect("id");
            let want = &profile["indicators"][id];
            assert_eq!(r["value"], want["value"], "{id}");
            assert_eq!(r["rank"], want["rank"], "{id}");
            assert_eq!(r["of"], want["of"], "{id}");
            assert_eq!(r["london"], want["london"], "{id}");
        }
    }
    assert!(rows >= 20, "{rows} rows");
    // Violence: the latest period (2021) with Westminster's total from the CSV and a trend
    // from 2011 that the test recomputes.
    let violence = priorities
        .iter()
        .find(|p| p["id"] == "violence")
        .and_then(|p| p["rows"].as_array())
        .and_then(|rows| rows.iter().find(|r| r["series"] == "violence"))
        .expect("violence row")
        .clone();
    let (v2011, v2021) = (
        violence_by_borough("2011")["E09000033"],
        violence_by_borough("2021")["E09000033"],
    );
    assert_eq!(violence["period"], "2021");
    assert_eq!(violence["value"].as_f64(), Some(v2021));
    assert_eq!(violence["trend"]["from_period"], "2011");
    assert_eq!(violence["trend"]["change"].as_f64(), Some(v2021 - v2011));
    let dir = if v2021 > v2011 { "worse" } else { "better" };
    assert_eq!(violence["trend"]["direction"], dir);
    // The CSV has one row per measure with the same values.
    let csv = reqwest::get(format!(
        "{base}/api/scorecards/boroughs/E09000033?format=csv"
    ))
    .await
    .expect("csv")
    .text()
    .await
    .expect("text");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let h = reader.headers().expect("header").clone();
    let at = |n: &str| h.iter().position(|x| x == n).expect(n);
    let (ind, val) = (at("indicator"), at("value"));
    let mut csv_rows = 0;
    for rec in reader.records() {
        let rec = rec.expect("row");
        if rec.get(ind).unwrap_or("").is_empty() {
            continue; // a priority without measures (its note)
        }
        csv_rows += 1;
        // The CSV writes at most four decimals (formats::csv::number).
        let want = profile["indicators"][&rec[ind]]["value"].as_f64();
        let got = rec[val].parse::<f64>().ok();
        match (got, want) {
            (Some(g), Some(w)) => assert!((g - w).abs() <= 5e-5, "{}: {g} vs {w}", &rec[ind]),
            _ => assert_eq!(got, want, "{}", &rec[ind]),
        }
    }
    assert_eq!(csv_rows, rows);
}

#[tokio::test]
async fn care_system_and_london_scorecards_add_up_from_their_parts() {
    let base = server().await;
    let pop = population_2019();
    let (s, card) = get(&format!("{base}/api/scorecards/ics/E54000027")).await;
    assert_eq!(s, StatusCode::OK, "{card}");
    assert_eq!(card["name"], "NHS North West London Integrated Care Board");
    // North West London: Brent, Ealing, Hammersmith and Fulham, Harrow, Hillingdon, Hounslow,
    // Kensington and Chelsea, Westminster (SOURCES.md 13).
    let nwl = [
        "E09000005",
        "E09000009",
        "E09000013",
        "E09000015",
        "E09000017",
        "E09000018",
        "E09000020",
        "E09000033",
    ];
    let want_pop: f64 = pop
        .values()
        .filter(|(_, _, lad)| nwl.contains(&lad.as_str()))
        .map(|(all, _, _)| all)
        .sum();
    let row = |id: &str| {
        card["priorities"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|p| p["rows"].as_array().into_iter().flatten())
            .find(|r| r["indicator"] == id)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(row("population_2019")["value"].as_f64(), Some(want_pop));
    let by_borough = violence_by_borough("2021");
    let want_violence: f64 = nwl.iter().map(|b| by_borough[*b]).sum();
    assert_eq!(row("violence_2021")["value"].as_f64(), Some(want_violence));
    assert_eq!(row("violence_2021")["of"], 5);

    let (s, london) = get(&format!("{base}/api/scorecards/london")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(london["layer"], "london");
    let total: f64 = violence_by_borough("2019").values().sum();
    let v2019 = london["priorities"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|p| p["rows"].as_array().into_iter().flatten())
        .find(|r| r["indicator"] == "violence_rate_2019")
        .cloned()
        .expect("violence rate row");
    let people: f64 = pop
        .iter()
        .filter(|(code, _)| {
            ![
                "E01000001",
                "E01000002",
                "E01000003",
                "E01000005",
                "E01032739",
                "E01032740",
            ]
            .contains(&code.as_str())
        })
        .map(|(_, (all, _, _))| all)
        .sum();
    let rate = v2019["value"].as_f64().expect("rate");
    assert!((rate - total / people * 1000.0).abs() < 1e-9, "{rate}");
    assert!(v2019["rank"].is_null());
}

#[tokio::test]
async fn headlines_reproduce_the_visions_figures_from_the_data() {
    let base = server().await;
    let (s, body) = get(&format!("{base}/api/headlines")).await;
    assert_eq!(s, StatusCode::OK);
    let by_id: HashMap<&str, &Value> = body
        .as_array()
        .expect("array")
        .iter()
        .map(|h| (h["id"].as_str().unwrap_or(""), h))
        .collect();
    // People and children in LSOAs over the NO2 limit in 2016: the same as /api/select.
    let (_, sel) = get(&format!(
        "{base}/api/select?layer=lsoa11&where=no2_2016_mean%3E40"
    ))
    .await;
    let no2 = by_id["no2_limit_2016"];
    assert_eq!(
        no2["figures"]["population_2019"],
        sel["totals"]["population_2019"]
    );
    assert_eq!(
        no2["figures"]["population_0_15_2019"],
        sel["totals"]["population_0_15_2019"]
    );
    assert_eq!(no2["figures"]["areas"].as_f64(), Some(1128.0));
    let total: f64 = violence_by_borough("2019").values().sum();
    assert_eq!(
        by_id["violence_2019"]["figures"]["violence_2019"].as_f64(),
        Some(total)
    );
    let rough = by_id["rough_sleeping_doubled"];
    assert_eq!(
        rough["figures"]["rough_sleepers_2010"].as_f64(),
        Some(415.0)
    );
    assert_eq!(
        rough["figures"]["rough_sleepers_2017"].as_f64(),
        Some(1137.0)
    );
    assert!(rough["figures"]["ratio"].as_f64().is_some_and(|r| r > 2.0));
    for h in by_id.values() {
        assert!(h["vision"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(h["atlas"].as_str().is_some_and(|t| !t.is_empty()));
    }
}

#[tokio::test]
async fn change_between_two_periods_is_later_minus_earlier_with_diverging_classes() {
    let base = server().await;
    let (s, ch) = get(&format!(
        "{base}/api/change?layer=boroughs&from=violence_2011&to=violence_2019"
    ))
    .await;
    assert_eq!(s, StatusCode::OK, "{ch}");
    assert_eq!(ch["better"], "lower");
    assert_eq!(
        (ch["from_period"].as_str(), ch["to_period"].as_str()),
        (Some("2011"), Some("2019"))
    );
    let (a, b) = (violence_by_borough("2011"), violence_by_borough("2019"));
    let areas = ch["areas"].as_array().expect("areas");
    assert_eq!(areas.len(), 33);
    for area in areas {
        let code = area["code"].as_str().expect("code");
        match (a.get(code), b.get(code)) {
            (Some(x), Some(y)) => assert_eq!(area["change"].as_f64(), Some(y - x), "{code}"),
            _ => assert!(
                area["change"].is_null(),
                "{code}: the City has no MPS figures"
            ),
        }
    }
    let breaks: Vec<f64> = ch["classes"]["breaks"]
        .as_array()
        .expect("breaks")
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    assert_eq!(breaks.len(), 4);
    assert_eq!(breaks[0], -breaks[3]);
    assert_eq!(
        ch["classes"]["colours"][4], "#b2182b",
        "red is the worse way (more offences)"
    );
    // NO2 2013 -> 2019 (periods published in separate files) is a series too: Westminster
    // 020C's change equals the difference of its two values.
    let (s, no2) = get(&format!(
        "{base}/api/change?layer=lsoa11&from=no2_2013_mean&to=no2_2019_mean"
    ))
    .await;
    assert_eq!(s, StatusCode::OK, "{no2}");
    assert_eq!(no2["series"], "no2_mean");
    let (_, p) = get(&format!("{base}/api/areas/lsoa11/E01004733")).await;
    let (a13, a19) = (
        p["indicators"]["no2_2013_mean"]["value"]
            .as_f64()
            .expect("2013"),
        p["indicators"]["no2_2019_mean"]["value"]
            .as_f64()
            .expect("2019"),
    );
    let w = no2["areas"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["code"] == "E01004733"))
        .expect("Westminster 020C");
    assert_eq!(w["change"].as_f64(), Some(a19 - a13));
    // Two indicators that are not periods of one series are refused.
    let (s, err) = get(&format!(
        "{base}/api/change?layer=boroughs&from=no2_2013_mean&to=pm25_2019_mean"
    ))
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        err["error"].as_str().is_some_and(|e| e.contains("series")),
        "{err}"
    );
}

#[tokio::test]
async fn profiles_carry_their_series_with_london_and_england() {
    let base = server().await;
    let (_, p) = get(&format!("{base}/api/areas/boroughs/E09000007")).await;
    let rough = p["series"]["rough_sleepers"].as_array().expect("series");
    let periods: Vec<&str> = rough.iter().filter_map(|x| x["period"].as_str()).collect();
    assert_eq!(
        periods,
        ["2010", "2011", "2012", "2013", "2014", "2015", "2016", "2017"]
    );
    // Camden 2017: 127 (SOURCES.md 14); London 1,137; England's row in the file: 4,751.
    let last = rough.last().expect("2017");
    assert_eq!(last["value"].as_f64(), Some(127.0));
    assert_eq!(last["london"].as_f64(), Some(1137.0));
    assert_eq!(last["england"].as_f64(), Some(4751.0));
    let (_, ward) = get(&format!("{base}/api/areas/wards/E05000644")).await;
    assert_eq!(ward["name"], "St. James's");
    assert!(ward["series"]["violence"]
        .as_array()
        .is_some_and(|v| v.len() == 10));
}

#[tokio::test]
async fn scorecards_refuse_unknown_places_with_a_sentence() {
    let base = server().await;
    for (path, status, words) in [
        (
            "/api/scorecards/boroughs/E09999999",
            StatusCode::NOT_FOUND,
            "no area",
        ),
        (
            "/api/scorecards/parishes/X",
            StatusCode::NOT_FOUND,
            "unknown layer",
        ),
        (
            "/api/scorecards/london?format=pdf",
            StatusCode::BAD_REQUEST,
            "format",
        ),
        (
            "/api/change?layer=boroughs&from=violence_2011",
            StatusCode::BAD_REQUEST,
            "missing query parameter to",
        ),
        (
            "/api/change?layer=boroughs&from=nope&to=violence_2019",
            StatusCode::NOT_FOUND,
            "unknown indicator",
        ),
    ] {
        let (s, body) = get(&format!("{base}{path}")).await;
        assert_eq!(s, status, "{path}: {body}");
        assert!(
            body["error"].as_str().is_some_and(|e| e.contains(words)),
            "{path}: {body}"
        );
    }
}
