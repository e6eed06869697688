//! What GIS users get: GDAL's `ogrinfo` (gdal-bin) lists the exported tiles and the
//! TileJSON-described tileset served over HTTP with their features and typed fields, and every
//! style passes MapLibre's `gl-style-validate`. These tests FAIL, saying what to install, when
//! a tool is missing (CI installs gdal-bin and runs `npm ci --prefix web`, which brings
//! gl-style-validate with maplibre-gl's style-spec).

mod tiles_support;

use london_atlas::tiles::export::export;
use std::path::{Path, PathBuf};
use std::process::Command;
use tiles_support::*;

fn find(tool: &str, extra: &[PathBuf], install: &str) -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.extend_from_slice(extra);
    dirs.into_iter()
        .map(|d| d.join(tool))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("`{tool}` is required by this test and was not found: {install}"))
}

fn ogrinfo() -> PathBuf {
    find("ogrinfo", &[], "apt-get install -y gdal-bin")
}

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{cmd:?} failed: {text}");
    text
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("london-atlas-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn feature_count(text: &str) -> usize {
    text.lines()
        .filter_map(|l| l.strip_prefix("Feature Count: "))
        .filter_map(|n| n.trim().parse::<usize>().ok())
        .sum()
}

#[test]
fn ogrinfo_lists_exported_tiles_with_their_typed_fields() {
    let ogr = ogrinfo();
    let s = store();
    let t = s.tileset("lsoa11").expect("tileset");
    let dir = temp_dir("export");
    let summary = export(&s, t, &dir, 10, 10).expect("export");
    assert!(summary.tiles >= 4, "{summary:?}");
    assert!(dir.join("metadata.json").is_file());

    let level = run(Command::new(&ogr)
        .args(["-ro", "-so", "-al", "-oo", "TILE_EXTENSION=mvt"])
        .arg(dir.join("10")));
    assert!(level.contains("Layer name: lsoa11"), "{level}");
    // Areas cut by tile edges count once per tile, so at least every LSOA.
    assert!(
        feature_count(&level) >= atlas().layer("lsoa11").expect("layer").areas.len(),
        "{level}"
    );
    for field in [
        "code: String",
        "name: String",
        "borough: String",
        "imd2019_score: Real",
        "no2_2016_mean: Real",
    ] {
        assert!(level.contains(field), "no `{field}` in {level}");
    }

    let centre = tile_at(10, CENTRAL.0, CENTRAL.1);
    let one: &Path = &dir.join(format!("10/{}/{}.mvt", centre.x, centre.y));
    let text = run(Command::new(&ogr).args(["-ro", "-al"]).arg(one));
    // Westminster 018A holds Trafalgar Square.
    assert!(
        text.contains("code (String) = E01004734"),
        "{}",
        &text[..text.len().min(2000)]
    );
    assert!(text.contains("MULTIPOLYGON") || text.contains("POLYGON"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ogrinfo_reads_the_tileset_described_by_tilejson_over_http() {
    let ogr = ogrinfo();
    let base = server().await;
    let text = tokio::task::spawn_blocking(move || {
        run(Command::new(&ogr).args([
            "-ro",
            "-so",
            "-al",
            &format!("MVT:{base}/tiles/lsoa21/11"),
            "-oo",
            &format!("METADATA_FILE=/vsicurl/{base}/tiles/lsoa21.json"),
            "-oo",
            "TILE_EXTENSION=mvt",
        ]))
    })
    .await
    .expect("ogrinfo ran");
    assert!(text.contains("Layer name: lsoa21"), "{text}");
    assert!(
        feature_count(&text) >= atlas().layer("lsoa21").expect("layer").areas.len(),
        "{text}"
    );
    for field in [
        "code: String",
        "imd2025_score: Real",
        "imd2025_decile: Real",
    ] {
        assert!(text.contains(field), "no `{field}` in {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_indicator_style_passes_gl_style_validate() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let validate = find(
        "gl-style-validate",
        &[root.join("web/node_modules/.bin")],
        "run `npm ci --prefix web` (maplibre-gl brings @maplibre/maplibre-gl-style-spec) \
         or `npm install -g @maplibre/maplibre-gl-style-spec`",
    );
    let base = server().await;
    let dir = temp_dir("styles");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let client = reqwest::Client::new();
    let mut files = Vec::new();
    for ind in &atlas().indicators {
        let r = client
            .get(format!("{base}/styles/{}.json", ind.id))
            .send()
            .await
            .expect("request");
        assert_eq!(r.status(), 200, "{}", ind.id);
        let path = dir.join(format!("{}.json", ind.id));
        std::fs::write(&path, r.bytes().await.expect("body")).expect("write style");
        files.push(path);
    }
    assert!(files.len() >= 10);
    let out = Command::new(&validate)
        .args(&files)
        .output()
        .expect("gl-style-validate runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && text.trim().is_empty(),
        "gl-style-validate: {text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
