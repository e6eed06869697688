//! Tile archives with the real data and independent readers: GDAL's MBTiles driver reads the
//! MBTiles export; the `pmtiles` Python package (pip) lists the PMTiles export, and every tile
//! it holds equals the live server's tile bytes; `serve --tiles` answers the archive's tiles
//! (the same bytes), its TileJSON and the file itself with HTTP Range. FAILS, saying what to
//! install, without gdal-bin or the pmtiles package (.ci/run installs both).

mod common;
mod gis;

use gis::run;
use london_atlas::http::{serve, AppState};
use london_atlas::tiles::archive::{export_to, ArchiveFormat, TileArchive};
use london_atlas::tiles::TileStore;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

/// Highest zoom exported (keeps the test to a few seconds).
const MAXZOOM: u8 = 11;

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("london-atlas-arch-{}-{name}", std::process::id()))
}

async fn server(archive: Option<TileArchive>) -> String {
    let mut state = AppState::new(common::atlas());
    state.archive = archive.map(Arc::new);
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let addr = "127.0.0.1:0".parse().expect("loopback address");
        let _ = serve(addr, state, move |bound| {
            let _ = tx.send(bound);
        })
        .await;
    });
    format!("http://{}", rx.await.expect("bound"))
}

/// (z, x, y, sha256 of the inflated tile) of every tile, as the pmtiles package reads them.
/// One tile as read back: z, x, y and its inflated bytes.
type ReadTile = (u8, u32, u32, Vec<u8>);

fn python_tiles(path: &Path) -> (serde_json::Value, Vec<ReadTile>) {
    let script = r#"
import gzip, json, sys
from pmtiles.reader import Reader, MmapSource, all_tiles
with open(sys.argv[1], 'rb') as f:
    src = MmapSource(f)
    h = Reader(src).header()
    meta = Reader(src).metadata()
    tiles = [[z, x, y, gzip.decompress(d).hex()] for (z, x, y), d in all_tiles(src)]
print(json.dumps({"tile_type": str(h["tile_type"]), "tile_compression": str(h["tile_compression"]),
                  "min_zoom": h["min_zoom"], "max_zoom": h["max_zoom"], "clustered": h["clustered"],
                  "layers": [l["id"] for l in meta.get("vector_layers", [])], "tiles": tiles}))
"#;
    let out = run(Command::new("/usr/bin/python3")
        .arg("-c")
        .arg(script)
        .arg(path));
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("JSON from python");
    let tiles = v["tiles"]
        .as_array()
        .expect("tiles")
        .iter()
        .map(|t| {
            let hex = t[3].as_str().expect("hex");
            let bytes = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
                .collect();
            (
                t[0].as_u64().unwrap() as u8,
                t[1].as_u64().unwrap() as u32,
                t[2].as_u64().unwrap() as u32,
                bytes,
            )
        })
        .collect();
    (v, tiles)
}

async fn tile_bytes(url: String) -> Vec<u8> {
    // reqwest here has no gzip feature: the server answers uncompressed bytes.
    let r = reqwest::get(&url).await.expect("request");
    assert_eq!(r.status(), 200, "{url}");
    r.bytes().await.expect("body").to_vec()
}

#[tokio::test(flavor = "multi_thread")]
async fn pmtiles_and_mbtiles_exports_hold_the_servers_tiles() {
    let store = TileStore::new(common::atlas());
    let t = store.tileset("lsoa11").expect("tileset");
    let pm = temp("lsoa11.pmtiles");
    let mb = temp("lsoa11.mbtiles");
    let spm = export_to(&store, t, ArchiveFormat::PmTiles, &pm, 0, MAXZOOM).expect("pmtiles");
    let smb = export_to(&store, t, ArchiveFormat::MbTiles, &mb, 0, MAXZOOM).expect("mbtiles");
    assert_eq!(spm.tiles, smb.tiles);
    assert!(spm.tiles > 10, "{spm:?}");

    // The pmtiles package lists the archive: MVT, gzip, clustered, lsoa11, our zooms.
    let (info, tiles) = python_tiles(&pm);
    assert_eq!(info["tile_type"], "TileType.MVT");
    assert_eq!(info["tile_compression"], "Compression.GZIP");
    assert_eq!(info["clustered"], true);
    assert_eq!(info["max_zoom"], MAXZOOM);
    assert_eq!(info["min_zoom"], store.minzoom(t));
    assert_eq!(info["layers"], serde_json::json!(["lsoa11"]));
    assert_eq!(tiles.len(), spm.tiles);

    // GDAL reads the MBTiles: the lsoa11 layer, every LSOA code at the top zoom.
    let mbinfo = run(Command::new("ogrinfo").arg("-so").arg(&mb).arg("lsoa11"));
    assert!(mbinfo.contains("format=pbf"), "{mbinfo}");
    assert!(
        mbinfo.contains(&format!("ZOOM_LEVEL={MAXZOOM}")),
        "{mbinfo}"
    );
    assert!(mbinfo.contains("code: String"), "{mbinfo}");
    let codes = run(Command::new("ogrinfo")
        .args([
            "-q",
            "-dialect",
            "SQLite",
            "-sql",
            "SELECT COUNT(DISTINCT code) AS n FROM lsoa11",
        ])
        .arg(&mb));
    assert!(
        codes.contains("n (Integer) = 4835"),
        "every LSOA at z{MAXZOOM}: {codes}"
    );

    // Every tile in the archive is the live server's tile, byte for byte; and the archive
    // served with `--tiles` answers the same bytes.
    let live = server(None).await;
    let archived = server(Some(TileArchive::open(&pm).await.expect("open pmtiles"))).await;
    let archived_mb = server(Some(TileArchive::open(&mb).await.expect("open mbtiles"))).await;
    for (z, x, y, bytes) in &tiles {
        let l = tile_bytes(format!("{live}/tiles/lsoa11/{z}/{x}/{y}.mvt")).await;
        assert_eq!(&l, bytes, "tile {z}/{x}/{y}");
        let a = tile_bytes(format!("{archived}/tiles/archive/{z}/{x}/{y}.mvt")).await;
        assert_eq!(&a, bytes, "served PMTiles tile {z}/{x}/{y}");
        let b = tile_bytes(format!("{archived_mb}/tiles/archive/{z}/{x}/{y}.mvt")).await;
        assert_eq!(&b, bytes, "served MBTiles tile {z}/{x}/{y}");
    }

    // TileJSON of the served archive, and the file itself with HTTP Range.
    let tj: serde_json::Value = reqwest::get(format!("{archived}/tiles/archive.json"))
        .await
        .expect("request")
        .json()
        .await
        .expect("TileJSON");
    assert_eq!(
        tj["tiles"][0],
        format!("{}/tiles/archive/{{z}}/{{x}}/{{y}}.mvt", archived)
    );
    assert_eq!(tj["vector_layers"][0]["id"], "lsoa11");
    assert_eq!(tj["maxzoom"], MAXZOOM);
    let name = pm.file_name().unwrap().to_string_lossy().into_owned();
    let r = reqwest::Client::new()
        .get(format!("{archived}/archive/{name}"))
        .header("Range", "bytes=0-126")
        .send()
        .await
        .expect("range request");
    assert_eq!(r.status(), 206);
    let head = r.bytes().await.expect("body");
    assert_eq!(head.len(), 127);
    assert_eq!(&head[..7], b"PMTiles");
    assert_eq!(head[7], 3, "PMTiles version 3");
    let on_disk = std::fs::read(&pm).expect("read");
    assert_eq!(&head[..], &on_disk[..127]);
    // The whole file, streamed as it is (with the file's own Last-Modified).
    let whole = reqwest::get(format!("{archived}/archive/{name}"))
        .await
        .expect("whole file");
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.headers()["accept-ranges"], "bytes");
    assert!(whole.headers().contains_key("last-modified"));
    assert!(whole.bytes().await.expect("body")[..] == on_disk[..]);

    // Without an archive, the archive routes say so.
    let r = reqwest::get(format!("{live}/tiles/archive.json"))
        .await
        .expect("request");
    assert_eq!(r.status(), 404);
    let body: serde_json::Value = r.json().await.expect("JSON");
    assert!(body["error"].as_str().unwrap_or("").contains("--tiles"));
    let _ = std::fs::remove_file(pm);
    let _ = std::fs::remove_file(mb);
}
