//! OGC API – Features through the clients GIS users have: GDAL's OAPIF driver (`ogrinfo`)
//! lists every collection and reads every lsoa11 feature through paging, with the published
//! populations; its bbox query finds the LSOAs `POST /api/query` finds in that box;
//! `crs=EPSG:27700` gives the source shapefile's coordinates (read by GDAL); QGIS 3.22's OAPIF
//! provider adds the layer with typed fields.

mod common;
mod gis;

use common::{atlas, data_dir, population_2019, server};
use gis::{ogrinfo, qgis_script, run};
use london_atlas::ogc::EPSG_27700;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

/// Runs ogrinfo on a blocking thread (the server runs on this runtime).
async fn ogr(args: Vec<String>) -> String {
    tokio::task::spawn_blocking(move || run(Command::new(ogrinfo()).args(&args)))
        .await
        .expect("ogrinfo ran")
}

/// `id (String) = X` and `field (Type) = value` lines of `ogrinfo -al`, per feature.
fn features(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut out: Vec<BTreeMap<String, String>> = Vec::new();
    for line in text.lines() {
        if line.starts_with("OGRFeature(") {
            out.push(BTreeMap::new());
        } else if let (Some(f), Some((k, v))) = (out.last_mut(), line.trim().split_once(" = ")) {
            if let Some((name, _ty)) = k.split_once(" (") {
                f.insert(name.to_string(), v.to_string());
            }
        }
    }
    out
}

/// The lsoa11 codes `POST /api/query` returns for a lon/lat box.
async fn query_box(base: &str, bbox: [f64; 4]) -> BTreeSet<String> {
    common::query_box(base, bbox).await["layers"]["lsoa11"]
        .as_array()
        .expect("lsoa11")
        .iter()
        .map(|a| a["code"].as_str().expect("code").to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gdal_lists_every_collection_and_reads_every_lsoa_through_paging() {
    let base = server().await;
    let root = format!("OAPIF:{base}/ogc");
    let list = ogr(vec!["-ro".into(), "-so".into(), root.clone()]).await;
    let a = atlas();
    for (k, layer) in a.layers.iter().enumerate() {
        let want = format!("{}: {} (title: {})", k + 1, layer.id, layer.title);
        assert!(list.contains(&want), "no `{want}` in {list}");
    }
    let summary = ogr(vec![
        "-ro".into(),
        "-so".into(),
        root.clone(),
        "lsoa11".into(),
    ])
    .await;
    assert!(summary.contains("Feature Count: 4835"), "{summary}");
    for field in [
        "population_2019: Integer",
        "imd2019_decile: Integer",
        "no2_2019_mean: Real",
        "name: String",
    ] {
        assert!(summary.contains(field), "no `{field}` in {summary}");
    }

    // Every feature, through GDAL's own paging (10 a page: 484 requests following `next`).
    let all = ogr(vec![
        "-ro".into(),
        "-al".into(),
        "-q".into(),
        root,
        "lsoa11".into(),
    ])
    .await;
    let read = features(&all);
    let pop = population_2019();
    assert_eq!(read.len(), 4835);
    let codes: BTreeSet<&str> = read.iter().map(|f| f["id"].as_str()).collect();
    assert_eq!(
        codes,
        pop.keys().map(String::as_str).collect::<BTreeSet<_>>()
    );
    for f in &read {
        let code = &f["id"];
        assert_eq!(f["code"], *code);
        assert_eq!(f["population_2019"], format!("{}", pop[code].0), "{code}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gdal_bbox_query_returns_the_lsoas_api_query_finds_in_that_box() {
    let base = server().await;
    for b in [[-0.14, 51.50, -0.10, 51.52], [-0.30, 51.40, -0.20, 51.46]] {
        let text = ogr(vec![
            "-ro".into(),
            "-al".into(),
            "-q".into(),
            "-spat".into(),
            b[0].to_string(),
            b[1].to_string(),
            b[2].to_string(),
            b[3].to_string(),
            format!("OAPIF:{base}/ogc"),
            "lsoa11".into(),
        ])
        .await;
        let got: BTreeSet<String> = features(&text).iter().map(|f| f["id"].clone()).collect();
        let want = query_box(&base, b).await;
        assert!(want.len() > 20, "{b:?}: {}", want.len());
        assert_eq!(got, want, "{b:?}");
    }
}

/// The (x, y) pairs of a WKT polygon or multipolygon line.
fn wkt_positions(wkt: &str) -> Vec<(f64, f64)> {
    let inner = wkt.trim_start_matches(|c: char| c.is_ascii_alphabetic() || c == ' ');
    inner
        .split([',', '(', ')'])
        .filter_map(|p| {
            let mut it = p.split_whitespace().map(|v| v.parse::<f64>());
            match (it.next(), it.next()) {
                (Some(Ok(x)), Some(Ok(y))) => Some((x, y)),
                _ => None,
            }
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crs_27700_answers_the_coordinates_of_the_source_shapefile() {
    let base = server().await;
    let a = atlas();
    let lsoa = a.layer("lsoa11").expect("lsoa11");
    let shp =
        data_dir().join("london-statistical-gis-boundaries/ESRI/LSOA_2011_London_gen_MHW.shp");
    let codes: Vec<&str> = ["E01000001", "E01002444", "E01033746"]
        .into_iter()
        .filter(|c| !lsoa.repaired.iter().any(|r| r == c))
        .collect();
    assert!(codes.len() >= 2);
    for code in codes {
        let r = reqwest::get(format!(
            "{base}/ogc/collections/lsoa11/items/{code}?crs={EPSG_27700}"
        ))
        .await
        .expect("request");
        assert_eq!(r.headers()["content-crs"], format!("<{EPSG_27700}>"));
        let f: Value = r.json().await.expect("json");
        let ours: Vec<(f64, f64)> = f["geometry"]["coordinates"]
            .as_array()
            .expect("polygons")
            .iter()
            .flat_map(|p| p.as_array().expect("rings").iter())
            .flat_map(|r| r.as_array().expect("ring").iter())
            .map(|c| (c[0].as_f64().expect("x"), c[1].as_f64().expect("y")))
            .collect();
        let text = ogr(vec![
            "-ro".into(),
            "-al".into(),
            "-q".into(),
            "-where".into(),
            format!("LSOA11CD = '{code}'"),
            shp.display().to_string(),
        ])
        .await;
        let wkt = text
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with("POLYGON") || l.starts_with("MULTIPOLYGON"))
            .unwrap_or_else(|| panic!("{code}: no geometry in {text}"));
        let source = wkt_positions(wkt);
        assert_eq!(ours.len(), source.len(), "{code}");
        // Same positions (rings may start elsewhere or run the other way once made canonical).
        let key = |(x, y): (f64, f64)| ((x * 1000.0).round() as i64, (y * 1000.0).round() as i64);
        let a: BTreeSet<_> = ours.iter().copied().map(key).collect();
        let b: BTreeSet<_> = source.iter().copied().map(key).collect();
        assert_eq!(
            a, b,
            "{code}: the answer is not the source geometry to the millimetre"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qgis_adds_an_oapif_layer_with_typed_fields() {
    let base = server().await;
    let b = [-0.14, 51.50, -0.10, 51.52];
    let root = format!("{base}/ogc");
    let args: Vec<String> = [root, "lsoa11".into()]
        .into_iter()
        .chain(b.iter().map(|v| v.to_string()))
        .collect();
    let out = tokio::task::spawn_blocking(move || {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        qgis_script("qgis_oapif.py", &refs)
    })
    .await
    .expect("QGIS ran");
    assert_eq!(out["valid"], true, "{out}");
    assert_eq!(out["provider"], "OAPIF");
    let fields = &out["fields"];
    for (name, types) in [
        ("population_2019", &["Integer", "Integer64"][..]),
        ("imd2019_decile", &["Integer", "Integer64"][..]),
        ("no2_2019_mean", &["Real"][..]),
        ("name", &["String"][..]),
    ] {
        let t = fields[name].as_str().unwrap_or("missing");
        assert!(types.contains(&t), "{name} is {t}: {fields}");
    }
    let pop = population_2019();
    assert_eq!(out["count"], 4835);
    let codes: BTreeSet<&str> = out["codes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| c.as_str().expect("code"))
        .collect();
    assert_eq!(
        codes,
        pop.keys().map(String::as_str).collect::<BTreeSet<_>>()
    );
    let in_box: BTreeSet<String> = out["codes_in_box"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| c.as_str().expect("code").to_string())
        .collect();
    assert_eq!(in_box, query_box(&base, b).await);
    let first = &out["first"];
    let code = first["code"].as_str().expect("code");
    assert_eq!(first["population_2019"].as_f64(), Some(pop[code].0));
}
