//! Shared helpers for the integration tests: the real atlas (loaded once per test binary from
//! ../shared/data or $ATLAS_DATA), a server on a free loopback port, and CSV readers that
//! compute expected values straight from the source files, independently of the loaders.
#![allow(dead_code)]

use london_atlas::http::{serve, AppState};
use london_atlas::{Atlas, Manifest, Options};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

pub fn data_dir() -> PathBuf {
    std::env::var_os("ATLAS_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"))
}

/// The London atlas built from the real data, once per test binary.
pub fn atlas() -> Arc<Atlas> {
    static ATLAS: OnceLock<Arc<Atlas>> = OnceLock::new();
    ATLAS
        .get_or_init(|| {
            let manifest = Manifest::london().expect("the built-in manifest parses");
            let options = Options {
                data_dir: data_dir(),
                verify_checksums: true,
            };
            match Atlas::load(&manifest, &options) {
                Ok(a) => Arc::new(a),
                Err(e) => panic!("the real data must load (is ../shared/data there?): {e}"),
            }
        })
        .clone()
}

/// Starts the service on 127.0.0.1 (any free port) and returns its base URL.
pub async fn server() -> String {
    server_with(None).await
}

/// [`server`] with a public base URL (as `--public-url` sets it).
pub async fn server_with(public_url: Option<String>) -> String {
    let mut state = AppState::new(atlas());
    state.public_url = public_url;
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let addr = "127.0.0.1:0".parse().expect("loopback address");
        let _ = serve(addr, state, move |bound| {
            let _ = tx.send(bound);
        })
        .await;
    });
    let bound = rx.await.expect("the server reports its address");
    format!("http://{bound}")
}

/// One column of a CSV keyed by another, read with the csv crate directly.
pub fn csv_column(rel: &str, key: &str, column: &str) -> HashMap<String, Option<f64>> {
    let path = data_dir().join(rel);
    let mut r = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers = r.headers().expect("header").clone();
    let k = headers.iter().position(|h| h == key).expect("key column");
    let c = headers
        .iter()
        .position(|h| h == column)
        .expect("value column");
    r.records()
        .map(|rec| {
            let rec = rec.expect("record");
            (rec[k].to_string(), rec[c].trim().parse::<f64>().ok())
        })
        .collect()
}

/// Population mid-2019 by LSOA 2011 code: (all ages, 0-15, borough code).
pub fn population_2019() -> HashMap<String, (f64, f64, String)> {
    let path = data_dir().join("ons-mid-year-population-lsoa11-london/london-mid2019-pop.csv");
    let mut r = csv::Reader::from_path(&path).expect("population csv");
    let h = r.headers().expect("header").clone();
    let at = |name: &str| h.iter().position(|x| x == name).expect(name);
    let (code, all, kids, lad) = (
        at("LSOA11CD"),
        at("Persons_All-Ages"),
        at("Persons_0-15"),
        at("LAD11CD"),
    );
    r.records()
        .map(|rec| {
            let rec = rec.expect("record");
            let n = |i: usize| rec[i].parse::<f64>().expect("a count");
            (
                rec[code].to_string(),
                (n(all), n(kids), rec[lad].to_string()),
            )
        })
        .collect()
}

/// People living in the overlaps: each LSOA's mid-2019 population times the share inside.
pub fn apportioned_population(
    lsoa: &london_atlas::layer::Layer,
    overlaps: &[london_atlas::geom::overlay::Overlap],
) -> f64 {
    overlaps
        .iter()
        .map(|o| {
            lsoa.value("population_2019", o.area).unwrap_or(0.0) * o.overlap_m2
                / lsoa.areas[o.area].area_m2
        })
        .sum()
}

/// `POST /api/query`'s answer for a lon/lat box `[west, south, east, north]`.
pub async fn query_box(base: &str, [w, s, e, n]: [f64; 4]) -> serde_json::Value {
    let polygon = serde_json::json!({
        "type": "Polygon",
        "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]],
    });
    reqwest::Client::new()
        .post(format!("{base}/api/query"))
        .body(polygon.to_string())
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json")
}
