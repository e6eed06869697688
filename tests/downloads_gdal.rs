//! Whole-layer downloads read by GDAL (gdal-bin's `ogrinfo`, an independent reader of each
//! format): the GeoPackage and FlatGeobuf of lsoa11 hold 4,835 features in EPSG:27700 with
//! typed fields, GDAL's GeoPackage validator finds nothing wrong, and population adds up to the
//! CSV download's total and to the ONS source CSV. FAILS, saying what to install, without GDAL.

mod common;
mod gis;

use gis::run;
use std::path::{Path, PathBuf};
use std::process::Command;

fn tool(name: &str) -> PathBuf {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("`{name}` is required by this test: apt-get install -y gdal-bin"))
}

fn temp_file(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("london-atlas-dl-{}-{name}", std::process::id()))
}

async fn fetch(base: &str, query: &str) -> (reqwest::header::HeaderMap, Vec<u8>) {
    let r = reqwest::get(format!("{base}/api/layers/lsoa11/download?{query}"))
        .await
        .expect("request");
    assert_eq!(r.status(), 200, "{query}");
    let headers = r.headers().clone();
    (headers, r.bytes().await.expect("body").to_vec())
}

/// `name: Type` lines of `ogrinfo -so` for one field.
fn field_type(summary: &str, field: &str) -> String {
    summary
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{field}: ")))
        .unwrap_or_else(|| panic!("no field {field} in {summary}"))
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}

fn sql_number(file: &Path, sql: &str) -> f64 {
    let text = run(Command::new(tool("ogrinfo"))
        .arg("-q")
        .args(["-dialect", "SQLite", "-sql", sql])
        .arg(file));
    text.lines()
        .find_map(|l| l.split_once(") = ").map(|(_, v)| v.trim().to_string()))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no number from {sql}: {text}"))
}

fn check_with_ogrinfo(file: &Path, geometry: &str, expected_population: f64) {
    let summary = run(Command::new(tool("ogrinfo"))
        .arg("-so")
        .arg(file)
        .arg("lsoa11"));
    assert!(
        !summary.to_lowercase().contains("warning"),
        "ogrinfo warns about {}: {summary}",
        file.display()
    );
    assert!(summary.contains("Feature Count: 4835"), "{summary}");
    assert!(summary.contains("ID[\"EPSG\",27700]"), "{summary}");
    assert!(summary.contains("Geometry: Multi Polygon"), "{summary}");
    assert_eq!(field_type(&summary, "code"), "String");
    assert_eq!(field_type(&summary, "name"), "String");
    for integer in ["population_2019", "imd2019_decile", "violence_2019"] {
        assert_eq!(field_type(&summary, integer), "Integer64", "{integer}");
    }
    for real in ["imd2019_score", "no2_2019_mean", "violence_rate_2019"] {
        assert_eq!(field_type(&summary, real), "Real", "{real}");
    }
    let total = sql_number(file, "SELECT SUM(population_2019) AS p FROM lsoa11");
    assert_eq!(total, expected_population, "{}", file.display());
    // Original geometry, not tiles: the areas add up to the shapefile's, in m².
    let area = sql_number(
        file,
        &format!("SELECT SUM(ST_Area({geometry})) AS a FROM lsoa11"),
    );
    let atlas = common::atlas();
    let expected: f64 = atlas
        .layer("lsoa11")
        .expect("lsoa11")
        .areas
        .iter()
        .map(|a| a.area_m2)
        .sum();
    assert!((area - expected).abs() < 1.0, "{area} m² vs {expected} m²");
}

#[tokio::test(flavor = "multi_thread")]
async fn geopackage_and_flatgeobuf_downloads_read_by_gdal_add_up_to_the_csv() {
    let base = common::server().await;
    let source: f64 = common::population_2019().values().map(|v| v.0).sum();

    let (headers, csv) = fetch(&base, "format=csv").await;
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains("filename=\"lsoa11-27700.csv\""));
    let mut r = csv::Reader::from_reader(csv.as_slice());
    let h = r.headers().expect("header").clone();
    let p = h
        .iter()
        .position(|c| c == "population_2019")
        .expect("column");
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.expect("row")).collect();
    assert_eq!(rows.len(), 4835);
    let csv_total: f64 = rows
        .iter()
        .map(|x| x[p].parse::<f64>().unwrap_or(0.0))
        .sum();
    assert_eq!(csv_total, source, "the CSV download against the ONS CSV");

    let (headers, gpkg) = fetch(&base, "format=gpkg&crs=27700").await;
    assert_eq!(headers["content-type"], "application/geopackage+sqlite3");
    let gpkg_path = temp_file("lsoa11.gpkg");
    std::fs::write(&gpkg_path, gpkg).expect("write");
    check_with_ogrinfo(&gpkg_path, "geom", csv_total);
    // The provenance table and metadata are there too.
    let fields = run(Command::new(tool("ogrinfo"))
        .arg("-so")
        .arg(&gpkg_path)
        .arg("fields"));
    let columns = common::atlas()
        .layer("lsoa11")
        .expect("lsoa11")
        .columns
        .len();
    assert!(
        fields.contains(&format!("Feature Count: {columns}\n")),
        "one row per indicator: {fields}"
    );
    let validator =
        Path::new("/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py");
    if validator.is_file() {
        run(Command::new("/usr/bin/python3")
            .arg(validator)
            .arg(&gpkg_path));
    }

    let (headers, fgb) = fetch(&base, "format=fgb").await;
    assert_eq!(headers["content-type"], "application/flatgeobuf");
    let fgb_path = temp_file("lsoa11.fgb");
    std::fs::write(&fgb_path, fgb).expect("write");
    check_with_ogrinfo(&fgb_path, "geometry", csv_total);

    let (_, geojson) = fetch(&base, "format=geojson&crs=4326").await;
    let gj: serde_json::Value = serde_json::from_slice(&geojson).expect("GeoJSON");
    assert_eq!(gj["features"].as_array().map(Vec::len), Some(4835));
    assert!(gj["provenance"]["fields"]
        .as_array()
        .is_some_and(|f| !f.is_empty()));
    let json_path = temp_file("lsoa11.geojson");
    std::fs::write(&json_path, &geojson).expect("write");
    let info = run(Command::new(tool("ogrinfo"))
        .arg("-so")
        .arg(&json_path)
        .arg("lsoa11"));
    assert!(info.contains("Feature Count: 4835"), "{info}");
    assert!(info.contains("ID[\"EPSG\",4326]"), "{info}");
    assert_eq!(field_type(&info, "population_2019"), "Integer");
    let total = sql_number(&json_path, "SELECT SUM(population_2019) AS p FROM lsoa11");
    assert_eq!(total, csv_total);

    for p in [gpkg_path, fgb_path, json_path] {
        let _ = std::fs::remove_file(p);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_fields_companion_says_where_each_csv_column_comes_from() {
    let base = common::server().await;
    let (_, csv) = fetch(&base, "format=csv").await;
    let (_, fields) = fetch(&base, "format=fields").await;
    let header: Vec<String> = csv::Reader::from_reader(csv.as_slice())
        .headers()
        .expect("header")
        .iter()
        .map(str::to_string)
        .collect();
    let mut r = csv::Reader::from_reader(fields.as_slice());
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.expect("row")).collect();
    let described: Vec<&str> = rows.iter().map(|x| &x[0]).collect();
    assert_eq!(
        described,
        header[3..].iter().map(String::as_str).collect::<Vec<_>>()
    );
    let atlas = common::atlas();
    for row in &rows {
        let ind = atlas.indicator(&row[0]).expect("an indicator");
        assert_eq!(&row[8], ind.provenance.publisher.as_str());
        assert_eq!(&row[9], ind.provenance.licence.as_str());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_download_requests_get_json_sentences() {
    let base = common::server().await;
    for (query, status, words) in [
        ("layers/nowhere/download", 404, "no layer named \"nowhere\""),
        ("layers/lsoa11/download?format=shp", 400, "format \"shp\""),
        ("layers/lsoa11/download?crs=3857", 400, "crs \"3857\""),
    ] {
        let r = reqwest::get(format!("{base}/api/{query}"))
            .await
            .expect("request");
        assert_eq!(r.status(), status, "{query}");
        let body: serde_json::Value = r.json().await.expect("JSON error");
        let error = body["error"].as_str().unwrap_or_default();
        assert!(error.contains(words), "{query}: {error}");
    }
}
