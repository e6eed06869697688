//! `london-atlas data pack|fetch|verify` on the real data: an archive packed once per test
//! binary from ../shared/data, served by a mirror on 127.0.0.1 inside the test (a plain
//! HTTP/1.1 responder, so the test decides exactly where a connection closes), fetched into
//! empty temporary folders and loaded; corrupted and interrupted downloads are refused
//! without leaving a data folder. Expected values come from the shared folder itself (its
//! files' bytes, the atlas loaded from it) and from the tar and zstd crates reading back.

mod common;
#[path = "data_fetch/mirror.rs"]
mod mirror;

use london_atlas::data::{self, DataError, FetchOptions, Progress};
use london_atlas::Manifest;
use mirror::Mirror;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::Ordering;
use std::sync::OnceLock;

/// Fast enough to pack ~38 MB in about a second on the CI machine.
const TEST_LEVEL: i32 = 3;
const BIN: &str = env!("CARGO_BIN_EXE_london-atlas");

fn manifest() -> Manifest {
    Manifest::london().expect("the built-in manifest parses")
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The archive of ../shared/data, packed once: (bytes, the SHA-256 `pack` reported).
fn packed() -> &'static (Vec<u8>, String) {
    static PACKED: OnceLock<(Vec<u8>, String)> = OnceLock::new();
    PACKED.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("data.tar.zst");
        let s = data::pack(&manifest(), &common::data_dir(), &out, TEST_LEVEL)
            .unwrap_or_else(|e| panic!("packing ../shared/data: {e}"));
        (std::fs::read(&out).expect("the archive"), s.sha256)
    })
}

fn fetch_into(url: &str, dir: &Path, replace: bool) -> Result<data::FetchSummary, DataError> {
    let options = FetchOptions {
        url: url.to_string(),
        data_dir: dir.to_path_buf(),
        replace,
    };
    data::fetch(&manifest(), &options, &mut Progress::Lines(None))
}

/// Everything in `parent`, by name (to show nothing half-made was left beside the folder).
fn names_in(parent: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(parent)
        .expect("read temp dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The load report as `check --json` prints it, without the time it took.
fn report_without_time(mut report: serde_json::Value) -> serde_json::Value {
    report
        .as_object_mut()
        .expect("report object")
        .remove("seconds");
    report
}

#[test]
fn packing_twice_gives_identical_bytes_with_fixed_metadata_and_the_shared_files() {
    let (first, sha) = packed();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("again.tar.zst");
    let s = data::pack(&manifest(), &common::data_dir(), &out, TEST_LEVEL).unwrap();
    let second = std::fs::read(&out).unwrap();
    assert!(first == &second, "two packs of the same files differ");
    assert_eq!(&hex_sha256(&second), sha);
    assert_eq!(&s.sha256, sha);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("again.tar.zst.sha256")).unwrap(),
        format!("{sha}  again.tar.zst\n")
    );

    // Read back with the tar and zstd crates: sorted entries, fixed metadata, and each
    // entry's bytes are the shared folder's file.
    let mut expected: Vec<String> = manifest()
        .sources()
        .iter()
        .flat_map(|s| &s.files)
        .map(|f| f.path.clone())
        .collect();
    expected.push(data::ATTRIBUTION_FILE.to_string());
    expected.sort();
    let mut tar = tar::Archive::new(zstd::Decoder::new(second.as_slice()).unwrap());
    let mut names = Vec::new();
    for entry in tar.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().to_string_lossy().into_owned();
        let h = entry.header();
        assert_eq!(h.mtime().unwrap(), data::MTIME, "{name}");
        assert_eq!((h.uid().unwrap(), h.gid().unwrap()), (0, 0), "{name}");
        assert_eq!(h.mode().unwrap(), 0o644, "{name}");
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        if name == data::ATTRIBUTION_FILE {
            let text = String::from_utf8(bytes).unwrap();
            for s in manifest().sources() {
                assert!(
                    text.contains(&s.title) && text.contains(&s.licence),
                    "{}",
                    s.id
                );
                assert!(
                    text.contains(&s.url) && text.contains(&s.attribution),
                    "{}",
                    s.id
                );
            }
        } else {
            let original = std::fs::read(common::data_dir().join(&name)).unwrap();
            assert!(bytes == original, "{name} differs from ../shared/data");
        }
        names.push(name);
    }
    assert_eq!(names, expected);
}

#[test]
fn a_fetched_folder_holds_every_file_and_check_loads_the_same_atlas() {
    let (archive, sha) = packed();
    let mirror = Mirror::new(archive.clone(), Some(format!("{sha}  data.tar.zst\n")));
    let url = mirror.start();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let s = fetch_into(&url, &dir, false).unwrap_or_else(|e| panic!("fetch: {e}"));
    assert!(s.installed && s.sha256_published);
    assert_eq!(s.files, 73);
    assert_eq!(s.archive_bytes, archive.len() as u64);
    assert_eq!(s.archive_sha256.as_deref(), Some(sha.as_str()));
    assert_eq!(names_in(tmp.path()), vec!["data".to_string()]);
    let report = data::verify(&manifest(), &dir).unwrap();
    assert!(report.is_complete(), "{report}");
    assert_eq!(report.matching, 73);

    // `check` on the fetched folder reports exactly what the shared folder gives.
    let out = Command::new(BIN)
        .args(["check", "--json", "--data"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fetched: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Through text on both sides: serde_json's float parsing may differ from the value by an ULP.
    let shared = serde_json::to_string(&common::atlas().report).unwrap();
    let shared: serde_json::Value = serde_json::from_str(&shared).unwrap();
    assert_eq!(report_without_time(fetched), report_without_time(shared));

    // A second fetch finds the folder complete and downloads nothing.
    let again = fetch_into(&url, &dir, false).unwrap();
    assert!(!again.installed);
    assert_eq!(mirror.ranges.lock().unwrap().len(), 1);
}

#[test]
fn check_with_fetch_downloads_a_missing_folder_first() {
    let (archive, _) = packed();
    let url = Mirror::new(archive.clone(), None).start();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("fresh");
    let out = Command::new(BIN)
        .args(["check", "--fetch", "--json", "--data"])
        .arg(&dir)
        .env("ATLAS_DATA_URL", &url)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("installed 73 files"), "{stderr}");
    // Every layer with the shared folder's number of areas.
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let counts: Vec<(String, u64)> = report["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["id"].as_str().unwrap().to_string(),
                l["count"].as_u64().unwrap(),
            )
        })
        .collect();
    let shared: Vec<(String, u64)> = common::atlas()
        .layers
        .iter()
        .map(|l| (l.id.clone(), l.areas.len() as u64))
        .collect();
    assert_eq!(counts, shared);
    assert!(data::verify(&manifest(), &dir).unwrap().is_complete());
}

#[test]
fn a_changed_byte_in_a_file_is_refused_naming_the_file() {
    let (archive, _) = packed();
    // Flip one byte inside one file's content, then compress the tar again.
    let victim = "iod2019-london/iod2019_london_lsoa11.csv";
    let mut tar_bytes = zstd::decode_all(archive.as_slice()).unwrap();
    let offset = {
        let mut tar = tar::Archive::new(tar_bytes.as_slice());
        let entry = tar
            .entries()
            .unwrap()
            .map(|e| e.unwrap())
            .find(|e| e.path().unwrap().to_string_lossy() == victim)
            .expect("the victim is packed");
        entry.raw_file_position() as usize + 1000
    };
    tar_bytes[offset] ^= 0x01;
    let tampered = zstd::encode_all(tar_bytes.as_slice(), 1).unwrap();
    let url = Mirror::new(tampered, None).start();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let e = fetch_into(&url, &dir, false).expect_err("a tampered file is refused");
    let message = e.to_string();
    assert!(matches!(e, DataError::FileMismatch { .. }), "{message}");
    assert!(message.contains(victim), "{message}");
    assert!(
        names_in(tmp.path()).is_empty(),
        "{:?}",
        names_in(tmp.path())
    );
}

#[test]
fn a_corrupted_byte_in_the_archive_is_refused_and_leaves_nothing() {
    let (archive, sha) = packed();
    let mut corrupt = archive.clone();
    let middle = corrupt.len() / 2;
    corrupt[middle] ^= 0x40;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");

    // With the published SHA-256, the archive itself is refused.
    let url = Mirror::new(corrupt.clone(), Some(format!("{sha}  data.tar.zst\n"))).start();
    let e = fetch_into(&url, &dir, false).expect_err("a corrupt archive is refused");
    assert!(matches!(e, DataError::ArchiveChecksum { .. }), "{e}");
    assert!(e.to_string().contains(&url), "{e}");
    assert!(
        names_in(tmp.path()).is_empty(),
        "{:?}",
        names_in(tmp.path())
    );

    // Without it, unpacking stops at the damaged file, and says which.
    let url = Mirror::new(corrupt, None).start();
    let e = fetch_into(&url, &dir, false).expect_err("a corrupt archive is refused");
    let message = e.to_string();
    let named = manifest()
        .sources()
        .iter()
        .flat_map(|s| &s.files)
        .any(|f| message.contains(&f.path));
    assert!(named, "{message}");
    assert!(
        names_in(tmp.path()).is_empty(),
        "{:?}",
        names_in(tmp.path())
    );
}

#[test]
fn an_interrupted_download_leaves_no_folder_and_the_next_fetch_resumes() {
    let (archive, sha) = packed();
    let mirror = Mirror::new(archive.clone(), Some(format!("{sha}  data.tar.zst\n")));
    let url = mirror.start();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let cut = archive.len() / 2;
    *mirror.cut_next_at.lock().unwrap() = Some(cut);
    let e = fetch_into(&url, &dir, false).expect_err("the connection closed mid-way");
    assert!(
        matches!(e, DataError::Interrupted { got, .. } if got == cut as u64),
        "{e}"
    );
    assert!(!dir.exists());
    // Only the part of the download is left, beside the folder.
    assert_eq!(names_in(tmp.path()), vec![".data.tar.zst.download"]);

    let s = fetch_into(&url, &dir, false).unwrap_or_else(|e| panic!("second fetch: {e}"));
    assert_eq!(s.resumed_from, cut as u64);
    assert_eq!(
        mirror.ranges.lock().unwrap().last().cloned().flatten(),
        Some(format!("bytes={cut}-"))
    );
    assert!(data::verify(&manifest(), &dir).unwrap().is_complete());
    assert_eq!(names_in(tmp.path()), vec!["data"]);

    // A mirror that ignores Range: the fetch starts the file over and still succeeds.
    let dir = tmp.path().join("again");
    mirror.honour_range.store(false, Ordering::SeqCst);
    *mirror.cut_next_at.lock().unwrap() = Some(cut);
    assert!(fetch_into(&url, &dir, false).is_err());
    let s = fetch_into(&url, &dir, false).unwrap_or_else(|e| panic!("clean fetch: {e}"));
    assert_eq!(s.resumed_from, 0);
    assert!(data::verify(&manifest(), &dir).unwrap().is_complete());
}

/// The manifest's files copied from ../shared/data into `dir`.
fn copy_of_shared(dir: &Path) -> Vec<PathBuf> {
    manifest()
        .sources()
        .iter()
        .flat_map(|s| &s.files)
        .map(|f| {
            let to = dir.join(&f.path);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(common::data_dir().join(&f.path), &to).unwrap();
            to
        })
        .collect()
}

#[test]
fn verify_and_check_name_a_changed_and_a_missing_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("copy");
    copy_of_shared(&dir);
    let changed =
        "gias-london-schools-with-nursery-2019/gias_london_schools_with_nursery_20190816.csv";
    let missing = "rough-sleeping-london/mhclg_rough_sleeping_autumn_2010-2017_london.csv";
    assert!(
        manifest().file(missing).is_some(),
        "{missing} is a manifest file"
    );
    let mut bytes = std::fs::read(dir.join(changed)).unwrap();
    bytes[500] ^= 0x20;
    std::fs::write(dir.join(changed), &bytes).unwrap();
    std::fs::remove_file(dir.join(missing)).unwrap();

    let report = data::verify(&manifest(), &dir).unwrap();
    assert_eq!(report.missing, vec![missing.to_string()]);
    assert_eq!(report.different.len(), 1);
    assert_eq!(report.different[0].path, changed);
    assert_eq!(report.different[0].found, hex_sha256(&bytes));
    assert_eq!(report.matching, 71);

    let out = Command::new(BIN)
        .args(["data", "verify", "--data"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("missing    {missing}")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("different  {changed}")),
        "{stdout}"
    );

    // `check` names the one command, not thirty files.
    let out = Command::new(BIN)
        .args(["check", "--data"])
        .arg(&dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("1 of the 73 the manifest names"),
        "{stderr}"
    );
    assert!(stderr.contains(missing), "{stderr}");
    assert!(stderr.contains("london-atlas data fetch"), "{stderr}");
    let out = Command::new(BIN)
        .args(["check", "--data"])
        .arg(tmp.path().join("nowhere"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the data folder does not exist"),
        "{stderr}"
    );
    assert!(
        stderr.contains("london-atlas data fetch --data"),
        "{stderr}"
    );
}

#[test]
fn fetch_refuses_an_incomplete_folder_unless_told_to_move_it_aside() {
    let (archive, _) = packed();
    let url = Mirror::new(archive.clone(), None).start();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    copy_of_shared(&dir);
    let missing = "ons-lookups-london/london_borough_ics.csv";
    assert!(
        manifest().file(missing).is_some(),
        "{missing} is a manifest file"
    );
    std::fs::remove_file(dir.join(missing)).unwrap();

    let e = fetch_into(&url, &dir, false).expect_err("an incomplete folder is refused");
    assert!(matches!(e, DataError::Exists { problems: 1, .. }), "{e}");
    assert!(e.to_string().contains(missing) && e.to_string().contains("--replace"));

    let s = fetch_into(&url, &dir, true).unwrap_or_else(|e| panic!("replace: {e}"));
    let aside = s.replaced.expect("the old folder was moved aside");
    assert!(
        !aside.join(missing).exists() && aside.join("london-statistical-gis-boundaries").is_dir()
    );
    assert!(data::verify(&manifest(), &dir).unwrap().is_complete());
}
