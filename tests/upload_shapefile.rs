//! Planners bring their own boundary: one borough cut from the official boroughs shapefile by
//! GDAL's `ogr2ogr` (British National Grid, and reprojected by GDAL to WGS84), zipped, and
//! POSTed to /api/query answers the same LSOAs as the borough sent as GeoJSON, and those are
//! the LSOAs the ONS population CSV puts in that borough. Several boroughs (a shapefile of three
//! records, or a GeoJSON FeatureCollection) are summarised one by one and together. Bad zips
//! and bad features get 4xx JSON sentences.
//! FAILS, saying what to install, without gdal-bin.

mod common;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Camden.
const BOROUGH: &str = "E09000007";

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("london-atlas-up-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// The borough as a shapefile written by ogr2ogr (in `srs`), zipped.
fn zipped_borough(dir: &Path, srs: &str) -> Vec<u8> {
    zipped_boroughs(dir, srs, &format!("GSS_CODE = '{BOROUGH}'"))
}

/// The boroughs matching an OGR `where` as one shapefile written by ogr2ogr, zipped.
fn zipped_boroughs(dir: &Path, srs: &str, filter: &str) -> Vec<u8> {
    let source = common::data_dir()
        .join("london-statistical-gis-boundaries/ESRI/London_Borough_Excluding_MHW.shp");
    let out = Command::new("ogr2ogr")
        .args(["-f", "ESRI Shapefile", "-t_srs", srs, "-where"])
        .arg(filter)
        .arg(dir.join("borough.shp"))
        .arg(&source)
        .output()
        .unwrap_or_else(|e| panic!("ogr2ogr is required (apt-get install -y gdal-bin): {e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    zip_files(
        dir,
        &["borough.shp", "borough.shx", "borough.dbf", "borough.prj"],
    )
}

fn zip_files(dir: &Path, names: &[&str]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for n in names {
        w.start_file(*n, options).expect("zip entry");
        w.write_all(&std::fs::read(dir.join(n)).expect("shapefile part"))
            .expect("zip write");
    }
    w.finish().expect("zip").into_inner()
}

async fn query(base: &str, body: Vec<u8>, media: &str) -> (u16, serde_json::Value) {
    let r = reqwest::Client::new()
        .post(format!("{base}/api/query"))
        .header("content-type", media)
        .body(body)
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    (status, r.json().await.expect("JSON answer"))
}

/// LSOAs more than half inside the boundary.
fn lsoas(answer: &serde_json::Value) -> BTreeSet<String> {
    answer["layers"]["lsoa11"]
        .as_array()
        .expect("lsoa11 areas")
        .iter()
        .filter(|a| a["overlap_share"].as_f64().unwrap_or(0.0) > 0.5)
        .map(|a| a["code"].as_str().unwrap_or("").to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_zipped_borough_shapefile_answers_like_its_geojson() {
    let base = common::server().await;
    let bng = zipped_borough(&temp("bng"), "EPSG:27700");
    let wgs = zipped_borough(&temp("wgs"), "EPSG:4326");

    let atlas = common::atlas();
    let borough = atlas
        .layer("boroughs")
        .and_then(|l| l.area(BOROUGH))
        .expect("the borough");
    let geojson = london_atlas::geom::geojson::bng_to_wgs84_geojson(&borough.geometry, Some(7));

    let (s1, from_bng) = query(&base, bng, "application/zip").await;
    let (s2, from_wgs) = query(&base, wgs, "application/zip").await;
    let (s3, from_json) = query(&base, geojson.to_string().into_bytes(), "application/json").await;
    assert_eq!((s1, s2, s3), (200, 200, 200), "{from_bng} {from_wgs}");

    // Independent: the ONS CSV's LSOAs of the borough.
    let expected: BTreeSet<String> = common::population_2019()
        .into_iter()
        .filter(|(_, v)| v.2 == BOROUGH)
        .map(|(k, _)| k)
        .collect();
    assert!(expected.len() > 100);
    assert_eq!(lsoas(&from_bng), expected);
    assert_eq!(lsoas(&from_wgs), expected);
    assert_eq!(lsoas(&from_json), expected);

    let people = |a: &serde_json::Value| a["summary"]["population"].as_f64().expect("population");
    let (p_bng, p_wgs, p_json) = (people(&from_bng), people(&from_wgs), people(&from_json));
    assert!(
        (p_bng - p_json).abs() / p_json < 1e-3,
        "{p_bng} vs {p_json}"
    );
    assert!(
        (p_wgs - p_json).abs() / p_json < 1e-3,
        "{p_wgs} vs {p_json}"
    );
    let csv: f64 = common::population_2019()
        .values()
        .filter(|v| v.2 == BOROUGH)
        .map(|v| v.0)
        .sum();
    assert!(
        (p_bng - csv).abs() / csv < 0.01,
        "{p_bng} vs the CSV's {csv}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_zips_get_json_sentences() {
    let base = common::server().await;
    let dir = temp("bad");
    let _ = zipped_borough(&dir, "EPSG:27700");
    let no_prj = zip_files(&dir, &["borough.shp", "borough.shx", "borough.dbf"]);
    let no_shp = zip_files(&dir, &["borough.dbf", "borough.prj"]);
    let mut broken = b"PK\x03\x04".to_vec();
    broken.extend_from_slice(&[7u8; 64]);
    for (body, words) in [
        (no_prj, ".prj"),
        (no_shp, "no .shp"),
        (broken, "not a readable zip"),
    ] {
        let (status, answer) = query(&base, body, "application/zip").await;
        assert!((400..500).contains(&status), "{status} {answer}");
        let error = answer["error"].as_str().unwrap_or_default();
        assert!(error.contains(words), "{error}");
    }
}

/// LSOA codes the ONS population CSV puts in `borough`.
fn csv_lsoas(borough: &str) -> BTreeSet<String> {
    common::population_2019()
        .into_iter()
        .filter(|(_, v)| v.2 == borough)
        .map(|(k, _)| k)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_shapefile_of_three_boroughs_is_summarised_one_by_one_and_together() {
    let base = common::server().await;
    let codes = ["E09000007", "E09000019", "E09000033"]; // Camden, Islington, Westminster
    let zip = zipped_boroughs(
        &temp("three"),
        "EPSG:27700",
        &format!("GSS_CODE IN ('{}')", codes.join("','")),
    );
    let (status, answer) = query(&base, zip, "application/zip").await;
    assert_eq!(status, 200, "{answer}");
    let features = answer["features"]
        .as_array()
        .expect("one answer per record");
    assert_eq!(features.len(), 3);
    // ogr2ogr keeps the source's record order; names come from the .dbf's NAME field.
    let names: BTreeSet<&str> = features.iter().filter_map(|f| f["name"].as_str()).collect();
    assert_eq!(
        names,
        BTreeSet::from(["Camden", "Islington", "Westminster"])
    );
    let mut all = BTreeSet::new();
    let mut people = 0.0;
    for f in features {
        let name = f["name"].as_str().unwrap_or_default();
        let code = match name {
            "Camden" => codes[0],
            "Islington" => codes[1],
            _ => codes[2],
        };
        let expected = csv_lsoas(code);
        assert_eq!(lsoas(f), expected, "{name}");
        all.extend(expected);
        people += f["summary"]["population"].as_f64().expect("population");
    }
    // The union holds exactly the three boroughs' LSOAs, and (the boroughs being disjoint)
    // its population is the sum of theirs.
    assert_eq!(lsoas(&answer), all);
    let union = answer["summary"]["population"]
        .as_f64()
        .expect("population");
    assert!(
        (union - people).abs() / people < 1e-6,
        "{union} vs {people}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_feature_collection_is_summarised_per_feature_and_sent_back_when_asked() {
    let base = common::server().await;
    let atlas = common::atlas();
    let boroughs = atlas.layer("boroughs").expect("boroughs");
    let feature = |code: &str| {
        let a = boroughs.area(code).expect("borough");
        serde_json::json!({
            "type": "Feature",
            "properties": { "name": a.name },
            "geometry": london_atlas::geom::geojson::bng_to_wgs84_geojson(&a.geometry, Some(7)),
        })
    };
    // Camden twice: overlapping features count their shared ground once in the union.
    let body = serde_json::json!({
        "type": "FeatureCollection",
        "features": [feature("E09000007"), feature("E09000019"), feature("E09000007")],
    });
    let r = reqwest::Client::new()
        .post(format!("{base}/api/query?boundary=geojson"))
        .body(body.to_string())
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 200);
    let answer: serde_json::Value = r.json().await.expect("JSON");
    let features = answer["features"].as_array().expect("features");
    assert_eq!(features.len(), 3);
    assert_eq!(features[0]["name"], "Camden");
    assert_eq!(features[1]["name"], "Islington");
    assert_eq!(lsoas(&features[1]), csv_lsoas("E09000019"));
    let area = |v: &serde_json::Value| v["area_m2"].as_f64().expect("area");
    let (camden, islington) = (area(&features[0]), area(&features[1]));
    assert!(
        (area(&answer) - (camden + islington)).abs() / area(&answer) < 1e-6,
        "the union counts Camden once: {} vs {}",
        area(&answer),
        camden + islington
    );
    let mut both = csv_lsoas("E09000007");
    both.extend(csv_lsoas("E09000019"));
    assert_eq!(lsoas(&answer), both);
    // The boundary as read, in WGS84, one feature per input feature.
    let sent_back = answer["boundary"]["features"].as_array().expect("boundary");
    assert_eq!(sent_back.len(), 3);
    assert_eq!(sent_back[2]["properties"]["name"], "Camden");
    assert_eq!(sent_back[0]["geometry"]["type"], "MultiPolygon");

    // A drawn polygon (no FeatureCollection) has no per-feature list and no boundary.
    let (_, single) = query(
        &base,
        feature("E09000019")["geometry"].to_string().into_bytes(),
        "application/json",
    )
    .await;
    assert!(single.get("features").is_none() && single.get("boundary").is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_features_are_named() {
    let base = common::server().await;
    let line = r#"{"type":"FeatureCollection","features":[
        {"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[-0.13,51.50],[-0.12,51.50],[-0.12,51.51],[-0.13,51.50]]]}},
        {"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[-0.13,51.50],[-0.12,51.50]]}}]}"#;
    let bowtie = r#"{"type":"FeatureCollection","features":[
        {"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[-0.13,51.50],[-0.12,51.51],[-0.12,51.50],[-0.13,51.51],[-0.13,51.50]]]}}]}"#;
    let empty = r#"{"type":"FeatureCollection","features":[]}"#;
    for (body, words) in [
        (line, "feature 2: the geometry is a LineString"),
        (bowtie, "feature 1: the polygon is not valid"),
        (empty, "no feature with a geometry"),
    ] {
        let (status, answer) = query(&base, body.as_bytes().to_vec(), "application/json").await;
        assert_eq!(status, 422, "{answer}");
        let error = answer["error"].as_str().unwrap_or_default();
        assert!(error.contains(words), "{error}");
    }
    let r = reqwest::Client::new()
        .post(format!("{base}/api/query?boundary=kml"))
        .body(line)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 400);
}

/// A multipart/form-data body as a browser form sends it: a text field, then `file_field`.
fn form(file_field: Option<(&str, &[u8])>) -> (Vec<u8>, String) {
    let boundary = "----atlas-test-7d3f";
    let mut body =
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nCamden\r\n")
            .into_bytes();
    if let Some((name, bytes)) = file_field {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"{name}\"\r\nContent-Type: application/zip\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (body, format!("multipart/form-data; boundary={boundary}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_form_upload_answers_like_the_raw_zip() {
    let base = common::server().await;
    let zip = zipped_borough(&temp("form"), "EPSG:27700");
    let (s1, raw) = query(&base, zip.clone(), "application/zip").await;
    let (body, media) = form(Some(("camden.zip", &zip)));
    let (s2, from_form) = query(&base, body, &media).await;
    assert_eq!((s1, s2), (200, 200), "{from_form}");
    assert_eq!(lsoas(&from_form), lsoas(&raw));
    assert_eq!(lsoas(&from_form), csv_lsoas(BOROUGH));
    assert_eq!(
        from_form["summary"]["population"],
        raw["summary"]["population"]
    );
    let (body, media) = form(None);
    let (status, answer) = query(&base, body, &media).await;
    assert_eq!(status, 400);
    assert!(
        answer["error"]
            .as_str()
            .unwrap_or_default()
            .contains("holds no file"),
        "{answer}"
    );
}
