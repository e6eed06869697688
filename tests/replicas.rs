//! Replicas of the same data answer with identical bytes and identical ETags, so a CDN or a
//! caching proxy can cache across them (issue 12, item 8). Two processes of the real binary
//! (`london-atlas serve`, the same `--public-url`, the same data folder) are started side by
//! side; a sample of tiles (several tilesets and zooms, with and without `?fields=`, raw and
//! gzip), TileJSON, a style, the indicator list, an area profile and whole-layer downloads
//! must match byte for byte with the same ETag, and one replica's ETag must revalidate (304)
//! on the other. The independent source is the other process: nothing is compared with what
//! the code under test computes in this process.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_london-atlas");
const PUBLIC_URL: &str = "https://atlas.example.org";

/// A `london-atlas serve` process on a free loopback port, killed when dropped.
struct Replica {
    child: Child,
    base: String,
}

impl Replica {
    fn start() -> Replica {
        let mut child = Command::new(BIN)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["serve", "--addr", "127.0.0.1:0", "--public-url", PUBLIC_URL])
            .arg("--data")
            .arg(common::data_dir())
            .env("RUST_LOG", "error")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the binary starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the replica prints its address");
        let base = line
            .trim()
            .strip_prefix("London Atlas listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_string();
        Replica { child, base }
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a cache keys and stores: status, the headers that describe the representation, bytes.
#[derive(Debug, PartialEq)]
struct Answer {
    status: u16,
    etag: Option<String>,
    content_type: Option<String>,
    content_encoding: Option<String>,
    cache_control: Option<String>,
    vary: Vec<String>,
    sha256: String,
    len: usize,
}

async fn fetch(client: &reqwest::Client, url: &str, gzip: bool) -> Answer {
    let mut req = client.get(url);
    if gzip {
        req = req.header("accept-encoding", "gzip");
    }
    let r = req.send().await.unwrap_or_else(|e| panic!("{url}: {e}"));
    let h = r.headers().clone();
    let one = |name: &str| {
        h.get(name)
            .map(|v| v.to_str().expect("an ASCII header").to_string())
    };
    let status = r.status().as_u16();
    let bytes = r.bytes().await.expect("body");
    use sha2::Digest;
    Answer {
        status,
        etag: one("etag"),
        content_type: one("content-type"),
        content_encoding: one("content-encoding"),
        cache_control: one("cache-control"),
        vary: h
            .get_all("vary")
            .iter()
            .map(|v| v.to_str().expect("ASCII").to_string())
            .collect(),
        sha256: format!("{:x}", sha2::Sha256::digest(&bytes)),
        len: bytes.len(),
    }
}

/// Tile (x, y) at zoom z of a WGS84 point (the slippy-map formula, written out here).
fn tile_of(lon: f64, lat: f64, z: u8) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let x = ((lon + 180.0) / 360.0 * n).floor() as u32;
    let lat = lat.to_radians();
    let y = ((1.0 - lat.tan().asinh() / std::f64::consts::PI) / 2.0 * n).floor() as u32;
    (x, y)
}

fn sample_paths() -> Vec<String> {
    let mut paths = Vec::new();
    // Central London, the City, and Havering's edge (a tile half outside London).
    let places = [(-0.1276, 51.5072), (-0.0922, 51.5155), (0.2, 51.56)];
    let tiles: [(&str, &[u8], Option<&str>); 6] = [
        ("atlas", &[6, 9, 11, 13], None),
        ("boroughs", &[8, 10], None),
        ("lsoa11", &[12, 14], Some("no2_2019_mean,imd2019_decile")),
        ("lsoa21", &[12], None),
        ("superzones", &[13], Some("no2_2019_mean")),
        ("context", &[10, 13], None),
    ];
    for (tileset, zooms, fields) in tiles {
        for &z in zooms {
            for &(lon, lat) in &places {
                let (x, y) = tile_of(lon, lat, z);
                paths.push(format!("/tiles/{tileset}/{z}/{x}/{y}.mvt"));
                if let Some(f) = fields {
                    paths.push(format!("/tiles/{tileset}/{z}/{x}/{y}.mvt?fields={f}"));
                }
            }
        }
    }
    paths.extend(
        [
            "/tiles/atlas.json",
            "/tiles/lsoa11.json",
            "/styles/no2_2019_mean.json",
            "/styles/imd2019_decile.json",
            "/api/indicators",
            "/api/layers",
            "/api/priorities",
            "/api/areas/lsoa11/E01000006",
            "/api/areas/boroughs/E09000030",
            "/api/layers/boroughs/download?format=geojson&crs=4326",
            "/api/layers/boroughs/download?format=csv",
            "/api/layers/boroughs/download?format=gpkg",
            "/api/layers/ics/download?format=fgb",
        ]
        .map(String::from),
    );
    paths
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_of_the_same_data_answer_identical_bytes_and_etags() {
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(Replica::start);
        let b = s.spawn(Replica::start);
        (a.join().expect("replica A"), b.join().expect("replica B"))
    });
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client");
    let mut tiles_with_content = 0;
    let mut differences = Vec::new();
    let paths = sample_paths();
    for path in &paths {
        for gzip in [false, true] {
            // B is asked in the other order of A's (cold caches built in different orders).
            let first = fetch(&client, &format!("{}{path}", a.base), gzip).await;
            let second = fetch(&client, &format!("{}{path}", b.base), gzip).await;
            assert!(
                first.status == 200 || (first.status == 204 && path.contains(".mvt")),
                "{path}: status {}",
                first.status
            );
            if first != second {
                differences.push(format!(
                    "{path} (gzip {gzip}):\n  A {first:?}\n  B {second:?}"
                ));
            }
            if path.contains(".mvt") && first.status == 200 {
                tiles_with_content += 1;
                assert!(first.etag.is_some(), "{path}: a tile without an ETag");
            }
        }
    }
    assert!(
        differences.is_empty(),
        "{} answers differ between replicas:\n{}",
        differences.len(),
        differences.join("\n")
    );
    assert!(tiles_with_content >= 40, "{tiles_with_content} tiles");

    // A cache that fetched from A revalidates on B: A's ETag is current on B (304).
    let (x, y) = tile_of(-0.1276, 51.5072, 11);
    let tile = format!("/tiles/atlas/11/{x}/{y}.mvt");
    for path in [tile.as_str(), "/tiles/atlas.json", "/api/indicators"] {
        let from_a = fetch(&client, &format!("{}{path}", a.base), true).await;
        let etag = from_a.etag.unwrap_or_else(|| panic!("{path}: no ETag"));
        let r = client
            .get(format!("{}{path}", b.base))
            .header("accept-encoding", "gzip")
            .header("if-none-match", &etag)
            .send()
            .await
            .expect("revalidation");
        assert_eq!(r.status(), 304, "{path} with A's ETag {etag} on B");
    }
}
