//! A copy of the real data folder and manifest in which one value can be changed (the
//! violence count of one LSOA, with the manifest's checksum following the copy), for tests
//! of reload and of refused values. Included with `#[path]` by the tests that need it.
#![allow(dead_code)]

use super::common::data_dir;
use london_atlas::{Atlas, Manifest, Options};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

pub const VIOLENCE: &str =
    "police-violence-lsoa11-london/mps_violence_against_the_person_lsoa11_2011-2021_excl2020.csv";
pub const AREA: &str = "E01000006";

/// A fresh folder under the system's temp folder.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("atlas-production-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let target = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).expect("copy");
        }
    }
}

pub fn sha256(path: &Path) -> String {
    let bytes = std::fs::read(path).expect("read");
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Rewrites `AREA`'s `column` in the violence CSV (csv crate, every other cell as it was).
pub fn set_violence(data: &Path, column: &str, value: &str) {
    let path = data.join(VIOLENCE);
    let mut r = csv::Reader::from_path(&path).expect("csv");
    let headers = r.headers().expect("header").clone();
    let at = headers.iter().position(|h| h == column).expect("column");
    let mut w = csv::Writer::from_path(path.with_extension("new")).expect("writer");
    w.write_record(&headers).expect("header");
    for rec in r.records() {
        let rec = rec.expect("record");
        let row: Vec<&str> = rec
            .iter()
            .enumerate()
            .map(|(i, v)| if i == at && &rec[0] == AREA { value } else { v })
            .collect();
        w.write_record(&row).expect("row");
    }
    w.flush().expect("flush");
    std::fs::rename(path.with_extension("new"), &path).expect("rename");
}

/// A copy of the data folder and of the manifest (whose checksum of the violence file follows
/// the copy's), so one value can be changed.
pub fn data_copy(name: &str) -> (PathBuf, PathBuf) {
    let dir = scratch(name);
    let data = dir.join("data");
    copy_tree(&data_dir(), &data);
    let manifest = dir.join("london.toml");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("boundaries/london.toml"),
        &manifest,
    )
    .expect("manifest copy");
    (data, manifest)
}

/// Points the manifest copy's checksum of the violence file at the file as it is now.
pub fn update_checksum(data: &Path, manifest: &Path, old_sha: &str) -> String {
    let new_sha = sha256(&data.join(VIOLENCE));
    let text = std::fs::read_to_string(manifest).expect("manifest");
    assert!(
        text.contains(old_sha),
        "the manifest names the file's checksum"
    );
    std::fs::write(manifest, text.replace(old_sha, &new_sha)).expect("write manifest");
    new_sha
}

pub fn load_copy(data: &Path, manifest: &Path, verify: bool) -> Result<Atlas, String> {
    let m = Manifest::from_path(manifest).map_err(|e| e.to_string())?;
    let options = Options {
        data_dir: data.to_path_buf(),
        verify_checksums: verify,
    };
    Atlas::load(&m, &options).map_err(|e| e.to_string())
}

/// The 2019 violence count the server at `base` gives the copied area.
pub async fn violence_2019(base: &str) -> f64 {
    let v: serde_json::Value = reqwest::get(format!(
        "{base}/api/values?layer=lsoa11&indicator=violence_2019"
    ))
    .await
    .expect("values")
    .json()
    .await
    .expect("JSON");
    v["areas"]
        .as_array()
        .expect("areas")
        .iter()
        .find(|a| a["code"] == AREA)
        .and_then(|a| a["value"].as_f64())
        .expect("the area has a value")
}
