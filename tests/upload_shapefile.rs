//! Planners bring their own boundary: one borough cut from the official boroughs shapefile by
//! GDAL's `ogr2ogr` (British National Grid, and reprojected by GDAL to WGS84), zipped, and
//! POSTed to /api/query answers the same LSOAs as the borough sent as GeoJSON, and those are
//! the LSOAs the ONS population CSV puts in that borough. Bad zips get 4xx JSON sentences.
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
    let source = common::data_dir()
        .join("london-statistical-gis-boundaries/ESRI/London_Borough_Excluding_MHW.shp");
    let out = Command::new("ogr2ogr")
        .args(["-f", "ESRI Shapefile", "-t_srs", srs, "-where"])
        .arg(format!("GSS_CODE = '{BOROUGH}'"))
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
