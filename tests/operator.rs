//! The operator's controls: `POST /admin/reload` (off without a token, 401 on a wrong one,
//! the SIGHUP reload otherwise, answering once it is over) and ETags that follow the data
//! (after a reload that changes one value, the tiles and documents whose bytes changed have
//! new ETags and the others keep theirs); the allow-list of hosts; the config file under
//! flags and environment; the request log in JSON with cache hits. Expected values come
//! from the CSV (csv crate) and from the bytes the server sent, not from the code under test.

mod common;
#[path = "common/data_copy.rs"]
mod data_copy;

use common::{atlas, csv_column, data_dir};
use data_copy::{
    data_copy, load_copy, set_violence, sha256, update_checksum, violence_2019, AREA, VIOLENCE,
};
use geo::InteriorPoint;
use london_atlas::http::operator::{LogFormat, OperatorOptions};
use london_atlas::http::server::{serve_operated, Reload, ServeOptions};
use london_atlas::http::AppState;
use serde_json::Value;
use sha2::Digest;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

const BIN: &str = env!("CARGO_BIN_EXE_london-atlas");
const TOKEN: &str = "test-token-7f3a";

async fn start(operator: OperatorOptions, state: AppState, reload: Option<Reload>) -> String {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let addr = "127.0.0.1:0".parse().expect("loopback");
    tokio::spawn(serve_operated(
        addr,
        ServeOptions::default(),
        operator,
        state,
        reload,
        move |a, _| {
            let _ = tx.send(a);
        },
    ));
    format!(
        "http://{}",
        rx.await.expect("the server reports its address")
    )
}

/// Tile (x, y) at zoom z of a WGS84 point (the slippy-map formula).
fn tile_of(lon: f64, lat: f64, z: u8) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let lat = lat.to_radians();
    (
        ((lon + 180.0) / 360.0 * n).floor() as u32,
        ((1.0 - lat.tan().asinh() / std::f64::consts::PI) / 2.0 * n).floor() as u32,
    )
}

/// (status, ETag, SHA-256 of the body) of a GET.
async fn etag_and_hash(client: &reqwest::Client, url: &str) -> (u16, Option<String>, String) {
    let r = client.get(url).send().await.expect("request");
    let etag = r
        .headers()
        .get("etag")
        .map(|v| v.to_str().expect("ASCII").to_string());
    let status = r.status().as_u16();
    let body = r.bytes().await.expect("body");
    (status, etag, format!("{:x}", sha2::Sha256::digest(&body)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_reload_needs_the_token_and_only_changed_answers_get_new_etags() {
    let client = reqwest::Client::new();
    // Without a token the endpoint does not exist.
    let off = start(OperatorOptions::default(), AppState::new(atlas()), None).await;
    let r = client
        .post(format!("{off}/admin/reload"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 404);

    let published = csv_column(VIOLENCE, "LSOA11CD", "2019")[AREA].expect("a published value");
    let (data, manifest) = data_copy("admin-reload");
    let (d, m) = (data.clone(), manifest.clone());
    let public_url = "https://atlas.example.org".to_string();
    let url = public_url.clone();
    let reload: Reload = Arc::new(move || {
        let mut s = AppState::new(Arc::new(load_copy(&d, &m, true)?));
        s.public_url = Some(url.clone());
        Ok(s)
    });
    let mut state = AppState::new(atlas());
    state.public_url = Some(public_url);
    let operator = OperatorOptions {
        admin_token: Some(TOKEN.into()),
        ..OperatorOptions::default()
    };
    let base = start(operator, state, Some(reload)).await;
    let admin = format!("{base}/admin/reload");
    let r = client.post(&admin).send().await.expect("post");
    assert_eq!(r.status(), 401);
    assert!(r.headers()["www-authenticate"]
        .to_str()
        .expect("ASCII")
        .starts_with("Bearer"));
    let r = client
        .post(&admin)
        .bearer_auth("test-token-7f3b")
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 401);
    let e: Value = r.json().await.expect("JSON");
    assert!(e["error"].as_str().expect("sentence").contains("token"));
    let r = client
        .get(&admin)
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 405);

    // Tiles with the area (its value changes) and far from it, and documents, before.
    let lsoa = atlas();
    let lsoa = lsoa.layer("lsoa11").expect("lsoa11");
    let area = lsoa
        .areas
        .iter()
        .find(|a| a.code == AREA)
        .expect("the area");
    let p = area.geometry.interior_point().expect("a point inside");
    let (lon, lat) = london_atlas::geom::crs::bng_to_wgs84(p.x(), p.y());
    let mut paths = Vec::new();
    for z in [12, 14] {
        let (x, y) = tile_of(lon, lat, z);
        paths.push(format!(
            "/tiles/lsoa11/{z}/{x}/{y}.mvt?fields=violence_2019"
        ));
        paths.push(format!("/tiles/lsoa11/{z}/{x}/{y}.mvt"));
    }
    // Richmond Park, across London from Barking.
    for z in [12, 14] {
        let (x, y) = tile_of(-0.2747, 51.4430, z);
        paths.push(format!(
            "/tiles/lsoa11/{z}/{x}/{y}.mvt?fields=violence_2019"
        ));
    }
    for doc in [
        "/api/indicators",
        "/api/layers",
        "/tiles/lsoa11.json",
        "/styles/violence_2019.json",
        "/styles/no2_2019_mean.json",
    ] {
        paths.push(doc.to_string());
    }
    let mut before = BTreeMap::new();
    for p in &paths {
        before.insert(
            p.clone(),
            etag_and_hash(&client, &format!("{base}{p}")).await,
        );
    }
    assert_eq!(violence_2019(&base).await, published);

    // One value changed in the copy (and its checksum), then an authorised reload.
    let changed = published + 1000.0;
    set_violence(&data, "2019", &changed.to_string());
    let original_sha = sha256(&data_dir().join(VIOLENCE));
    update_checksum(&data, &manifest, &original_sha);
    let r = client
        .post(&admin)
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 200);
    let answer: Value = r.json().await.expect("JSON");
    assert_eq!(answer["outcome"], "reloaded", "{answer}");
    assert_eq!(answer["data_version"], 2, "{answer}");
    assert!(answer["message"]
        .as_str()
        .expect("sentence")
        .contains("data version 2"));
    assert_eq!(violence_2019(&base).await, changed);

    let mut changed_tiles = 0;
    let mut kept_tiles = 0;
    for p in &paths {
        let (s0, e0, h0) = &before[p];
        let (s1, e1, h1) = etag_and_hash(&client, &format!("{base}{p}")).await;
        assert_eq!((*s0, s1), (200, 200), "{p}");
        let (e0, e1) = (e0.as_ref().expect("an ETag"), e1.expect("an ETag"));
        // The ETag follows the bytes: new bytes, new ETag; same bytes, same ETag.
        assert_eq!(*h0 == h1, *e0 == e1, "{p}: ETag {e0} -> {e1}");
        if p.contains(".mvt") {
            if *h0 == h1 {
                kept_tiles += 1;
            } else {
                changed_tiles += 1;
            }
        }
    }
    // The area's tiles carrying its value changed; Richmond's did not.
    assert!(changed_tiles >= 2, "{changed_tiles} tiles changed");
    assert!(kept_tiles >= 2, "{kept_tiles} tiles kept their ETag");
    for z in [12, 14] {
        let (x, y) = tile_of(-0.2747, 51.4430, z);
        let p = format!("/tiles/lsoa11/{z}/{x}/{y}.mvt?fields=violence_2019");
        let (_, e, _) = etag_and_hash(&client, &format!("{base}{p}")).await;
        assert_eq!(e, before[&p].1, "{p}");
    }

    // A reload that fails (the file no longer matches its checksum): 500 naming the file,
    // the data stays.
    set_violence(&data, "2019", "7");
    let r = client
        .post(&admin)
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 500);
    let e: Value = r.json().await.expect("JSON");
    let sentence = e["error"].as_str().expect("sentence");
    assert!(
        sentence.contains("still serving data version 2"),
        "{sentence}"
    );
    assert!(
        sentence.contains("mps_violence_against_the_person"),
        "{sentence}"
    );
    assert_eq!(violence_2019(&base).await, changed);
    let _ = std::fs::remove_dir_all(data.parent().expect("scratch"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_off_the_allow_list_is_refused_and_never_echoed() {
    let operator = OperatorOptions {
        allowed_hosts: Some(vec!["atlas.example.org".into()]),
        ..OperatorOptions::default()
    };
    let base = start(operator, AppState::new(atlas()), None).await;
    let client = reqwest::Client::new();
    for path in ["/tiles/atlas.json", "/styles/no2_2019_mean.json", "/ogc"] {
        let r = client
            .get(format!("{base}{path}"))
            .header("host", "evil.example")
            .send()
            .await
            .expect("request");
        assert_eq!(r.status(), 400, "{path}");
        let body = r.text().await.expect("body");
        assert!(!body.contains("evil"), "{path}: {body}");
        let e: Value = serde_json::from_str(&body).expect("a JSON error");
        assert!(e["error"]
            .as_str()
            .expect("sentence")
            .contains("allowed hosts"));
        // An allowed name (any port) builds its URLs, still never cacheable by others.
        let r = client
            .get(format!("{base}{path}"))
            .header("host", "atlas.example.org:8443")
            .send()
            .await
            .expect("request");
        assert_eq!(r.status(), 200, "{path}");
        let cache = r.headers()["cache-control"]
            .to_str()
            .expect("ASCII")
            .to_string();
        assert!(cache.contains("no-store"), "{path}: {cache}");
        let body = r.text().await.expect("body");
        assert!(body.contains("http://atlas.example.org:8443/"), "{path}");
    }
    // Answers without URLs do not look at the Host.
    let r = client
        .get(format!("{base}/api/health"))
        .header("host", "evil.example")
        .send()
        .await
        .expect("health");
    assert_eq!(r.status(), 200);
}

/// `london-atlas serve` with `args` and `env` on a free port; stdout's first line read.
fn serve(args: &[&str], env: &[(&str, &str)]) -> (Child, String) {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("serve")
        .args(args)
        .arg("--data")
        .arg(data_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for var in [
        "ATLAS_CONFIG",
        "ATLAS_WORKERS",
        "ATLAS_QUEUE",
        "ATLAS_PUBLIC_URL",
        "ATLAS_LOG_FORMAT",
        "ATLAS_ADMIN_TOKEN",
        "ATLAS_ALLOWED_HOSTS",
        "RUST_LOG",
    ] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied());
    let mut child = cmd.spawn().expect("the binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("a line");
    let base = line
        .trim()
        .strip_prefix("London Atlas listening on ")
        .unwrap_or_else(|| panic!("did not start: {line:?}"))
        .to_string();
    (child, base)
}

fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .unwrap_or_else(|| panic!("no {name}"))
        .trim()
        .parse()
        .expect("a number")
}

#[test]
fn the_config_file_sits_under_flags_and_environment_and_refuses_unknown_keys() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("atlas.toml");
    std::fs::write(
        &file,
        "workers = 3\nqueue = 7\npublic_url = \"https://from-file.example\"\n\
         addr = \"127.0.0.1:0\"\nmax_header_bytes = 9000\n",
    )
    .expect("write");
    let config = file.to_str().expect("UTF-8");
    let (mut child, base) = serve(
        &["--config", config, "--workers", "2"],
        &[("ATLAS_QUEUE", "9"), ("RUST_LOG", "error")],
    );
    let metrics = ureq::get(format!("{base}/metrics"))
        .call()
        .expect("metrics")
        .into_body()
        .read_to_string()
        .expect("text");
    let tilejson = ureq::get(format!("{base}/tiles/atlas.json"))
        .call()
        .expect("TileJSON")
        .into_body()
        .read_to_string()
        .expect("text");
    let tilejson: Value = serde_json::from_str(&tilejson).expect("JSON");
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        metric(&metrics, "atlas_work_workers"),
        2.0,
        "flag over file"
    );
    assert_eq!(
        metric(&metrics, "atlas_work_queue_limit"),
        9.0,
        "env over file"
    );
    let tiles = tilejson["tiles"][0].as_str().expect("a tile URL");
    assert!(
        tiles.starts_with("https://from-file.example/tiles/atlas/"),
        "file over default: {tiles}"
    );

    std::fs::write(&file, "workers = 2\nwokers = 3\n").expect("write");
    let out = Command::new(BIN)
        .args(["serve", "--config", config])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("wokers") && said.contains(config), "{said}");
    assert!(said.contains("line 2"), "{said}");
}

#[test]
fn the_request_log_has_one_line_per_request_with_bytes_and_cache_hits() {
    let (x, y) = tile_of(-0.1276, 51.5072, 12);
    let tile = format!("/tiles/lsoa11/12/{x}/{y}.mvt");
    for format in [LogFormat::Json, LogFormat::Text] {
        let name = if format == LogFormat::Json {
            "json"
        } else {
            "text"
        };
        let (mut child, base) = serve(
            &["--addr", "127.0.0.1:0", "--log-format", name],
            &[("RUST_LOG", "error,london_atlas::access=info")],
        );
        let mut lengths = Vec::new();
        for path in [
            tile.as_str(),
            tile.as_str(),
            "/api/indicators",
            "/api/nothing",
        ] {
            let r = ureq::get(format!("{base}{path}"))
                .config()
                .http_status_as_error(false)
                .build()
                .call()
                .expect("request");
            lengths.push(r.into_body().read_to_vec().expect("body").len());
        }
        let _ = child.kill();
        let _ = child.wait();
        let mut log = String::new();
        child
            .stderr
            .take()
            .expect("stderr")
            .read_to_string(&mut log)
            .expect("log");
        let lines: Vec<&str> = log.lines().filter(|l| l.contains(&tile)).collect();
        assert_eq!(lines.len(), 2, "{log}");
        match format {
            LogFormat::Json => {
                // Every line of ours is one JSON object. (With `--features maps`, a graphics
                // library prints its own line when it looks for a display: not ours.)
                let rows: Vec<Value> = log
                    .lines()
                    .filter(|l| !l.contains("XDG_RUNTIME_DIR"))
                    .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
                    .collect();
                assert_eq!(rows.len(), 4, "{log}");
                for (row, (cache, status)) in
                    rows.iter()
                        .zip([("miss", 200), ("hit", 200), ("miss", 200), ("-", 404)])
                {
                    assert_eq!(row["method"], "GET", "{row}");
                    assert_eq!(row["status"], status, "{row}");
                    assert_eq!(row["cache"], cache, "{row}");
                    assert!(row["ms"].as_f64().expect("ms") >= 0.0);
                }
                assert_eq!(rows[0]["path"], tile.split('?').next().expect("path"));
                assert_eq!(rows[0]["bytes"], lengths[0]);
                assert_eq!(rows[1]["bytes"], lengths[1]);
                assert_eq!(rows[2]["bytes"], lengths[2]);
            }
            LogFormat::Text => {
                assert!(lines[0].contains(&format!("GET {tile} 200 {} ", lengths[0])));
                assert!(lines[0].ends_with(" miss"), "{}", lines[0]);
                assert!(lines[1].ends_with(" hit"), "{}", lines[1]);
            }
        }
    }
}
