//! Runs the web map's browser tests (`node --test tests/web/`) against this build's server
//! binary, and checks what the server serves for the map (no browser needed for that part). Fails, never skips, when node, chromium or web/node_modules are missing: CI installs
//! them (`apt-get install -y nodejs npm chromium fonts-dejavu-core`, `npm ci --prefix web`).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn missing(what: &str, fix: &str) -> ! {
    panic!(
        "the web map tests need {what}, which is missing: {fix}. \
         (CI installs it; see docs/web.md)"
    )
}

#[test]
fn web_map_in_a_real_browser() {
    let root = root();
    let node_ok = Command::new("node")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !node_ok {
        missing(
            "Node.js 20 or newer",
            "apt-get install -y nodejs npm (or any Node.js >= 20 on PATH)",
        );
    }
    let chromium = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if !chromium.is_file() {
        missing(
            &format!("Chromium at {}", chromium.display()),
            "apt-get install -y chromium fonts-dejavu-core (or set CHROMIUM)",
        );
    }
    for package in ["maplibre-gl", "playwright-core"] {
        let dir = root.join("web/node_modules").join(package);
        if !Path::new(&dir).is_dir() {
            missing(&format!("the npm package {package}"), "npm ci --prefix web");
        }
    }
    let shots = std::env::temp_dir().join("atlas-shots");
    let output = Command::new("node")
        .arg("--test")
        .arg("--test-concurrency=1")
        .arg(root.join("tests/web/"))
        .current_dir(&root)
        .env("ATLAS_BIN", env!("CARGO_BIN_EXE_london-atlas"))
        .env("SHOTS", &shots)
        .output();
    let output = match output {
        Ok(o) => o,
        Err(e) => panic!("cannot run node --test tests/web/: {e}"),
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Show node's own summary (tests, pass, fail) in cargo's output.
    for line in stdout.lines().filter(|l| l.starts_with("# ")) {
        println!("{line}");
    }
    assert!(
        output.status.success(),
        "the browser tests failed (screenshots in {}):\n{stdout}\n{stderr}",
        shots.display()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_the_page_maplibre_and_keeps_api_404s_json() {
    if !root().join("web/node_modules/maplibre-gl/dist").is_dir() {
        missing("the npm package maplibre-gl", "npm ci --prefix web");
    }
    let base = common::server().await;
    let client = reqwest::Client::new();
    let get = |path: &str| client.get(format!("{base}{path}")).send();

    let page = get("/").await.expect("GET /");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("body");
    assert!(html.contains("<script type=\"module\" src=\"/js/main.js\">"));
    assert!(html.contains("Search a postcode"));

    let js = client
        .get(format!("{base}/vendor/maplibre-gl/maplibre-gl.mjs"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .expect("GET maplibre");
    assert_eq!(js.status(), 200);
    assert_eq!(
        js.headers().get("content-encoding").map(|v| v.as_bytes()),
        Some(&b"gzip"[..])
    );
    let worker = get("/vendor/maplibre-gl/maplibre-gl-worker.mjs?v=1")
        .await
        .expect("GET worker");
    assert_eq!(worker.status(), 200);

    for path in [
        "/package.json",
        "/node_modules/maplibre-gl/package.json",
        "/vendor/maplibre-gl/package.json",
        "/vendor/maplibre-gl/../../package.json",
        "/js/../package.json",
        "/.gitignore",
    ] {
        let res = get(path).await.expect("GET");
        assert_eq!(res.status(), 404, "{path} must not be served");
    }

    for path in ["/api/nope", "/api", "/styles/nope.txt"] {
        let res = get(path).await.expect("GET");
        assert_eq!(res.status(), 404, "{path}");
        let body: serde_json::Value = res.json().await.expect("JSON 404");
        assert!(
            body["error"].as_str().is_some_and(|e| e.contains(path)),
            "{path}: {body}"
        );
    }
}
