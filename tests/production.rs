//! The service as an operator runs it: reload swaps data (and a failed reload keeps the
//! old), `/metrics` is Prometheus text that counts requests, a hostile Host never reaches a
//! cacheable body, a full work pool answers 503 with Retry-After, slow clients are cut off by
//! the header timeout, a stop drains even with a stuck client, an export onto a full disk
//! leaves the previous export intact, and `--no-verify` still refuses a sentinel value.
//! Expected values come from the CSV files themselves (csv crate), not from the loaders.

mod common;
#[path = "common/data_copy.rs"]
mod data_copy;

use common::{atlas, csv_column, data_dir};
use data_copy::{
    data_copy, load_copy, scratch, set_violence, sha256, update_checksum, violence_2019, AREA,
    VIOLENCE,
};
use london_atlas::http::pool::PoolLimits;
use london_atlas::http::server::{serve_with, Reload, ServeOptions, ServerHandle};
use london_atlas::http::AppState;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Starts a server with `options` (and `reload`); its base URL, handle and task.
async fn start(
    options: ServeOptions,
    state: AppState,
    reload: Option<Reload>,
) -> (
    String,
    ServerHandle,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let addr = "127.0.0.1:0".parse().expect("loopback");
    let task = tokio::spawn(serve_with(addr, options, state, reload, move |a, h| {
        let _ = tx.send((a, h));
    }));
    let (bound, handle) = rx.await.expect("the server reports its address");
    (format!("http://{bound}"), handle, task)
}

async fn get_json(url: String) -> Value {
    reqwest::get(&url)
        .await
        .expect("request")
        .json()
        .await
        .expect("JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_swaps_in_new_data_and_a_failed_reload_keeps_serving_the_old() {
    let published = csv_column(VIOLENCE, "LSOA11CD", "2019")[AREA].expect("a published value");
    let (data, manifest) = data_copy("reload");
    let (d, m) = (data.clone(), manifest.clone());
    let reload: Reload = Arc::new(move || {
        let atlas = load_copy(&d, &m, true)?;
        Ok(AppState::new(Arc::new(atlas)))
    });
    let (base, handle, _task) = start(
        ServeOptions::default(),
        AppState::new(atlas()),
        Some(reload),
    )
    .await;
    assert_eq!(violence_2019(&base).await, published);

    // One value changed in the copy (and its checksum in the manifest copy), then reload.
    let changed = published + 1000.0;
    set_violence(&data, "2019", &changed.to_string());
    let original_sha = sha256(&data_dir().join(VIOLENCE));
    let new_sha = update_checksum(&data, &manifest, &original_sha);
    assert!(handle.reload().await);
    assert_eq!(violence_2019(&base).await, changed);
    let health = get_json(format!("{base}/api/health")).await;
    assert_eq!(health["data_version"], 2);

    // A file that no longer matches its checksum: the reload fails, the data stays.
    set_violence(&data, "2019", "7");
    assert_ne!(sha256(&data.join(VIOLENCE)), new_sha);
    assert!(handle.reload().await);
    assert_eq!(violence_2019(&base).await, changed);
    let health = get_json(format!("{base}/api/health")).await;
    assert_eq!(health["data_version"], 2);
    let metrics = reqwest::get(format!("{base}/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains("atlas_reloads_failed_total 1"),
        "{metrics}"
    );
    let _ = std::fs::remove_dir_all(data.parent().expect("scratch"));
}

#[test]
fn no_verify_still_refuses_a_sentinel_value_naming_file_and_record() {
    let (data, manifest) = data_copy("sentinel");
    set_violence(&data, "2019", "-999");
    let e = load_copy(&data, &manifest, false).expect_err("a -999 count is refused");
    // The record number is the row's position among the CSV's data records.
    let mut r = csv::Reader::from_path(data.join(VIOLENCE)).expect("csv");
    let record = r
        .records()
        .position(|rec| &rec.expect("record")[0] == AREA)
        .expect("the area's row")
        + 1;
    assert!(e.contains(VIOLENCE), "{e}");
    assert!(e.contains(&format!("record {record}")), "{e}");
    assert!(e.contains("-999") && e.contains(AREA), "{e}");
    set_violence(&data, "2019", "1e308");
    let e = load_copy(&data, &manifest, false).expect_err("1e308 is refused");
    assert!(e.contains(AREA), "{e}");
    let _ = std::fs::remove_dir_all(data.parent().expect("scratch"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_prometheus_text_and_count_requests() {
    let (base, _h, _t) = start(ServeOptions::default(), AppState::new(atlas()), None).await;
    for _ in 0..5 {
        assert!(reqwest::get(format!("{base}/api/health"))
            .await
            .expect("health")
            .status()
            .is_success());
    }
    let missing = reqwest::get(format!("{base}/api/areas/lsoa11/E00000000"))
        .await
        .expect("area");
    assert_eq!(missing.status(), 404);
    let text = reqwest::get(format!("{base}/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    // An independent parser of the Prometheus text format.
    let lines = text.lines().map(|l| Ok(l.to_string()));
    let scrape = prometheus_parse::Scrape::parse(lines).expect("Prometheus text");
    let count = |route: &str, status: &str| {
        scrape
            .samples
            .iter()
            .find(|s| {
                s.metric == "atlas_http_requests_total"
                    && s.labels.get("route") == Some(route)
                    && s.labels.get("status") == Some(status)
            })
            .map(|s| match s.value {
                prometheus_parse::Value::Counter(v) | prometheus_parse::Value::Untyped(v) => v,
                ref other => panic!("{other:?}"),
            })
    };
    assert_eq!(count("/api/health", "200"), Some(5.0));
    assert_eq!(count("/api/areas/:layer/:code", "404"), Some(1.0));
    assert!(scrape
        .samples
        .iter()
        .any(|s| s.metric == "atlas_work_queue_depth"));
    assert!(scrape
        .samples
        .iter()
        .any(|s| s.metric.starts_with("atlas_tile_cache_hits")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_host_never_reaches_a_cacheable_body() {
    let (base, _h, _t) = start(ServeOptions::default(), AppState::new(atlas()), None).await;
    let client = reqwest::Client::new();
    for path in [
        "/tiles/atlas.json",
        "/styles/no2_2019_mean.json",
        "/ogc",
        "/ogc/collections",
        "/ogc/collections/boroughs/items?limit=2",
        "/ogc/collections/boroughs/items/E09000033",
        "/ogc/collections?f=html",
    ] {
        let r = client
            .get(format!("{base}{path}"))
            .header("host", "evil.example")
            .send()
            .await
            .expect("request");
        assert_eq!(r.status(), 200, "{path}");
        let cache = r.headers()["cache-control"]
            .to_str()
            .expect("ascii")
            .to_string();
        let vary: Vec<String> = r
            .headers()
            .get_all("vary")
            .iter()
            .map(|v| v.to_str().expect("ascii").to_ascii_lowercase())
            .collect();
        let body = r.text().await.expect("body");
        if body.contains("evil.example") {
            assert!(
                cache.contains("no-store") && cache.contains("private"),
                "{path}: {cache}"
            );
            assert!(!cache.contains("public"), "{path}: {cache}");
            assert!(vary.iter().any(|v| v.contains("host")), "{path}: {vary:?}");
        }
    }
    // With a public URL the documents are cacheable and name only that URL.
    let mut state = AppState::new(atlas());
    state.public_url = Some("https://atlas.example.org".into());
    let (base, _h, _t) = start(ServeOptions::default(), state, None).await;
    let r = client
        .get(format!("{base}/tiles/atlas.json"))
        .header("host", "evil.example")
        .send()
        .await
        .expect("request");
    assert!(r.headers()["cache-control"]
        .to_str()
        .expect("ascii")
        .contains("public"));
    let body = r.text().await.expect("body");
    assert!(!body.contains("evil.example"));
    assert!(body.contains("https://atlas.example.org/tiles/atlas/"));
}

/// A polygon body: a star of `n` vertices around central London.
fn star_body(n: usize) -> String {
    let ring: Vec<[f64; 2]> = (0..=n)
        .map(|k| {
            let t = std::f64::consts::TAU * (k % n) as f64 / n as f64;
            let r = if k % 2 == 0 { 5_000.0 } else { 14_000.0 };
            let (lon, lat) = london_atlas::geom::crs::bng_to_wgs84(
                530_000.0 + r * t.cos(),
                180_000.0 + r * t.sin(),
            );
            [lon, lat]
        })
        .collect();
    serde_json::json!({"type": "Polygon", "coordinates": [ring]}).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_work_pool_answers_503_with_retry_after_while_cheap_requests_go_on() {
    let _alone = FORKING.lock().await;
    let options = ServeOptions {
        pool: PoolLimits {
            workers: 1,
            queue: 1,
        },
        ..ServeOptions::default()
    };
    let (base, handle, _t) = start(options, AppState::new(atlas()), None).await;
    let client = reqwest::Client::new();
    let body = star_body(600);
    let posts: Vec<_> = (0..6)
        .map(|_| {
            let (c, url, b) = (client.clone(), format!("{base}/api/query"), body.clone());
            tokio::spawn(async move { c.post(url).body(b).send().await.expect("post") })
        })
        .collect();
    // While they run, a point query is still answered (on the async workers).
    let point = client
        .get(format!("{base}/api/point?lon=-0.1&lat=51.5"))
        .send()
        .await
        .expect("point");
    assert_eq!(point.status(), 200);
    let mut refused = 0;
    let mut answered = 0;
    for p in posts {
        let r = p.await.expect("task");
        match r.status().as_u16() {
            503 => {
                assert_eq!(r.headers()["retry-after"], "2");
                let e: Value = r.json().await.expect("JSON error");
                assert!(
                    e["error"].as_str().expect("sentence").contains("busy"),
                    "{e}"
                );
                refused += 1;
            }
            200 => answered += 1,
            other => panic!("unexpected status {other}"),
        }
    }
    // One runs, one waits, the rest are refused at once.
    assert!(refused >= 1, "{refused} refused, {answered} answered");
    assert!(answered >= 1, "{refused} refused, {answered} answered");
    assert_eq!(handle.ops().pool.stats().rejected, refused);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slowloris_client_is_closed_by_the_header_timeout_and_a_stop_drains() {
    let options = ServeOptions {
        header_timeout: Duration::from_millis(800),
        drain: Duration::from_secs(2),
        ..ServeOptions::default()
    };
    let (base, handle, task) = start(options, AppState::new(atlas()), None).await;
    let addr = base.trim_start_matches("http://").to_string();
    let mut slow = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    slow.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("partial head");
    // Keep trickling header bytes; the server must close the connection regardless.
    let mut closed = false;
    for k in 0..100 {
        if slow
            .write_all(format!("X-{k}: y\r\n").as_bytes())
            .await
            .is_err()
        {
            closed = true;
            break;
        }
        let mut buf = [0u8; 256];
        match tokio::time::timeout(Duration::from_millis(300), slow.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => {
                closed = true;
                break;
            }
            Ok(Ok(_)) => {} // e.g. a 408 before the close
            Err(_) => {}    // still open
        }
    }
    assert!(closed, "the slow client was never cut off");
    // A normal client is served meanwhile.
    assert!(reqwest::get(format!("{base}/api/health"))
        .await
        .expect("health")
        .status()
        .is_success());

    // A stuck client mid-body holds its request open; a stop still returns (after the drain).
    let mut stuck = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    stuck
        .write_all(b"POST /api/query HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{")
        .await
        .expect("partial body");
    handle.stop();
    let stopped = tokio::time::timeout(Duration::from_secs(60), task).await;
    assert!(matches!(stopped, Ok(Ok(Ok(())))), "{stopped:?}");
    assert!(tokio::net::TcpStream::connect(&addr).await.is_err());
}

/// A tmpfs mounted for the life of the value (needs root, as CI runs).
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, bytes: u64) -> Tmpfs {
        std::fs::create_dir_all(at).expect("mount point");
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes}")])
            .arg("tmpfs")
            .arg(at)
            .status()
            .expect("mount runs");
        assert!(
            status.success(),
            "mounting a tmpfs needs root (CI runs as root)"
        );
        Tmpfs(at.to_path_buf())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

/// Every file under `dir` with its SHA-256, by relative path.
fn listing(dir: &Path) -> std::collections::BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut std::collections::BTreeMap<String, String>) {
        for e in std::fs::read_dir(dir).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).expect("under root");
                out.insert(rel.display().to_string(), sha256(&p));
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn an_export_onto_a_full_disk_leaves_the_previous_export_intact() {
    use london_atlas::tiles::export::export;
    use london_atlas::tiles::TileStore;
    let store = TileStore::new(atlas());
    let boroughs = store.tileset("boroughs").expect("boroughs");
    // The size a small export takes on a tmpfs (whole pages per file and folder).
    let probe = scratch("export-probe");
    export(&store, boroughs, &probe.join("tiles"), 0, 8).expect("probe export");
    let files = listing(&probe.join("tiles"));
    let pages: u64 = files
        .keys()
        .map(|f| {
            let len = std::fs::metadata(probe.join("tiles").join(f))
                .expect("meta")
                .len();
            len.div_ceil(4096) * 4096 + 4096
        })
        .sum();
    let _ = std::fs::remove_dir_all(&probe);

    let root = scratch("export-full");
    let disk = Tmpfs::mount(&root.join("disk"), 3 * pages + (1 << 20));
    let dir = disk.0.join("tiles");
    export(&store, boroughs, &dir, 0, 8).expect("the small export fits");
    let before = listing(&dir);
    assert!(before.contains_key("metadata.json") && before.len() > 10);
    // A much larger export cannot fit: it fails naming a file, and the old one is untouched.
    let lsoa = store.tileset("lsoa11").expect("lsoa11");
    let e = export(&store, lsoa, &dir, 0, 13).expect_err("the disk is full");
    assert!(e.to_string().contains("cannot write"), "{e}");
    assert_eq!(listing(&dir), before);
    let leftovers: Vec<_> = std::fs::read_dir(&disk.0)
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(leftovers, vec![std::ffi::OsString::from("tiles")]);
    // A smaller export replaces it whole: no tile of the older export survives.
    export(&store, boroughs, &dir, 0, 5).expect("a smaller export");
    let after = listing(&dir);
    assert!(after.keys().all(|f| f == "metadata.json"
        || f.split('/').next().expect("z").parse::<u8>().expect("zoom") <= 5));
    assert!(after.len() < before.len());
    drop(disk);
    let _ = std::fs::remove_dir_all(&root);
}

/// Held by the tests that fork polygon queries, so one never sees the other's children.
static FORKING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Child processes of this process (forked polygon queries still running).
fn children() -> Vec<String> {
    let mut out = Vec::new();
    for task in std::fs::read_dir("/proc/self/task")
        .expect("tasks")
        .flatten()
    {
        if let Ok(list) = std::fs::read_to_string(task.path().join("children")) {
            out.extend(list.split_whitespace().map(str::to_string));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_polygon_is_stopped_when_its_client_leaves() {
    let _alone = FORKING.lock().await;
    let (base, handle, _t) = start(ServeOptions::default(), AppState::new(atlas()), None).await;
    // The 19,000-vertex star spends over 90 s of CPU in one overlay, which cannot be
    // interrupted; its child process is killed instead.
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_millis(1500))
        .build()
        .expect("client");
    let post = tokio::spawn(
        client
            .post(format!("{base}/api/query"))
            .body(star_body(19_000))
            .send(),
    );
    // Its work runs in a child process of the server (this test process).
    let mut seen = Vec::new();
    while seen.is_empty() && !post.is_finished() {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        seen = children();
    }
    assert!(!seen.is_empty(), "no child process ran the query");
    let gone = post.await.expect("task");
    assert!(gone.is_err(), "the star was answered within 1.5 s");
    // The server sees the connection close, raises the cancel flag, kills the child.
    let mut left = children();
    for _ in 0..100 {
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        left = children();
    }
    assert!(left.is_empty(), "still running: {left:?}");
    assert_eq!(handle.ops().pool.stats().abandoned, 0);
    // and the server answers as before
    let ok = reqwest::get(format!("{base}/api/health"))
        .await
        .expect("health");
    assert_eq!(ok.status(), 200);
}
