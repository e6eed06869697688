//! The deployment files checked as far as a machine without a Docker daemon can: the
//! Dockerfile's COPY sources exist and cover what the build reads; its runtime command and
//! environment start the real binary on the real data and its HEALTHCHECK command answers
//! (and fails on a dead server); the release binary links only libraries of the two Debian
//! packages every bookworm-slim image has (`ldd` and `dpkg -S`, independent of us);
//! deploy/compose.yaml (parsed by PyYAML) mounts the data read-only into replicas that run
//! the Dockerfile's command with one public URL, and deploy/nginx.conf names exactly those
//! replicas.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_london-atlas");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Dockerfile instructions with continuation lines joined and comments dropped.
fn instructions() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in read("Dockerfile").lines() {
        let t = line.trim();
        if t.starts_with('#') || (t.is_empty() && current.is_empty()) {
            continue;
        }
        match t.strip_suffix('\\') {
            Some(head) => current.push_str(head),
            None => {
                current.push_str(t);
                let (op, rest) = current.split_once(' ').unwrap_or((&current, ""));
                out.push((op.to_ascii_uppercase(), rest.trim().to_string()));
                current.clear();
            }
        }
    }
    out
}

/// Instructions of the last stage (the runtime image).
fn runtime_stage() -> Vec<(String, String)> {
    let all = instructions();
    let last_from = all
        .iter()
        .rposition(|(op, _)| op == "FROM")
        .expect("a FROM");
    all[last_from..].to_vec()
}

fn json_array(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not a JSON array: {text}: {e}"))
}

fn exec_form(stage: &[(String, String)], op: &str) -> Vec<String> {
    let (_, arg) = stage
        .iter()
        .rev()
        .find(|(o, _)| o == op)
        .unwrap_or_else(|| panic!("no {op}"));
    json_array(arg)
}

#[test]
fn every_copy_source_exists_and_covers_what_the_build_reads() {
    let mut copied = BTreeSet::new();
    for (op, arg) in instructions() {
        if op != "COPY" || arg.starts_with("--from") {
            continue;
        }
        let parts: Vec<&str> = arg.split_whitespace().collect();
        for src in &parts[..parts.len() - 1] {
            assert!(root().join(src).exists(), "COPY {src}: no such path");
            copied.insert(src.trim_end_matches('/').to_string());
        }
    }
    // Files compiled into the binary (include_str!) live in a copied folder.
    let mut included = Vec::new();
    for entry in walk(&root().join("src")) {
        let text = std::fs::read_to_string(&entry).expect("source");
        for piece in text.split("include_str!(\"").skip(1) {
            let rel = piece.split('"').next().expect("a path");
            let path = entry.parent().expect("dir").join(rel);
            let path = path.canonicalize().expect("the included file exists");
            let rel = path.strip_prefix(root()).expect("inside the crate");
            included.push(rel.to_path_buf());
        }
    }
    assert!(!included.is_empty());
    for f in &included {
        let top = f.components().next().expect("a component");
        let top = top.as_os_str().to_string_lossy();
        assert!(
            copied.contains(top.as_ref()),
            "{} is not copied",
            f.display()
        );
    }
    // Declared benches (cargo reads them with the manifest).
    let manifest: toml::Value = toml::from_str(&read("Cargo.toml")).expect("Cargo.toml");
    for b in manifest["bench"].as_array().expect("benches") {
        let name = b["name"].as_str().expect("name");
        assert!(copied.contains("benches"), "bench {name} is not copied");
        assert!(root().join(format!("benches/{name}.rs")).exists());
    }
    for need in ["Cargo.toml", "Cargo.lock", "src", "web"] {
        assert!(copied.contains(need), "{need} is not copied");
    }
    let ignore = read(".dockerignore");
    for out in ["target", "web/node_modules"] {
        assert!(
            ignore.lines().any(|l| l.trim() == out),
            ".dockerignore lacks {out}"
        );
    }
    let runs: Vec<String> = instructions()
        .into_iter()
        .filter(|(op, _)| op == "RUN")
        .map(|(_, a)| a)
        .collect();
    assert!(runs.iter().any(|r| r.contains("npm ci --prefix web")));
    assert!(runs
        .iter()
        .any(|r| r.contains("cargo build --release --locked")));
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("read_dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

#[test]
fn the_runtime_command_serves_the_real_data_and_the_healthcheck_answers() {
    let stage = runtime_stage();
    assert_eq!(stage[0].1, "debian:bookworm-slim");
    let user = stage
        .iter()
        .rev()
        .find(|(op, _)| op == "USER")
        .map(|(_, u)| u.clone())
        .expect("a USER");
    assert!(user != "root" && user != "0", "the image runs as {user}");
    let mut env: BTreeMap<String, String> = BTreeMap::new();
    for (_, arg) in stage.iter().filter(|(op, _)| op == "ENV") {
        for pair in arg.split_whitespace() {
            let (k, v) = pair.split_once('=').expect("ENV key=value");
            env.insert(k.to_string(), v.to_string());
        }
    }
    assert_eq!(env["ATLAS_DATA"], "/data");
    assert_eq!(env["ATLAS_WEB"], "/app/web");
    let entry = exec_form(&stage, "ENTRYPOINT");
    let cmd = exec_form(&stage, "CMD");
    assert_eq!(entry, ["london-atlas"]);
    assert!(cmd.windows(2).any(|w| w == ["--addr", "0.0.0.0:8080"]));

    // The same command and environment, on loopback, with the paths of this machine.
    let port = free_port();
    let args: Vec<String> = cmd
        .iter()
        .map(|a| a.replace("0.0.0.0:8080", &format!("127.0.0.1:{port}")))
        .collect();
    let mut server = Command::new(BIN)
        .args(&args)
        .envs(&env)
        .env("ATLAS_DATA", common_data_dir())
        .env("ATLAS_WEB", root().join("web"))
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut line = String::new();
    BufReader::new(server.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("a line");
    assert!(line.contains(&format!("127.0.0.1:{port}")), "{line}");

    let healthcheck = healthcheck_command(&stage);
    assert_eq!(healthcheck[0], "london-atlas");
    let run = |from: &str, to: &str| {
        Command::new(BIN)
            .args(healthcheck[1..].iter().map(|a| a.replace(from, to)))
            .output()
            .expect("health runs")
    };
    let ok = run("127.0.0.1:8080", &format!("127.0.0.1:{port}"));
    let body: Value = serde_json::from_slice(&ok.stdout).expect("the health JSON");
    assert!(ok.status.success(), "{ok:?}");
    assert_eq!(body["status"], "ok");
    assert_eq!(body["layers"]["boroughs"], 33);
    let _ = server.kill();
    let _ = server.wait();
    // A dead server fails the check, naming the URL.
    let dead = run("127.0.0.1:8080", &format!("127.0.0.1:{port}"));
    assert!(!dead.status.success());
    let said = String::from_utf8_lossy(&dead.stderr);
    assert!(
        said.contains(&format!("127.0.0.1:{port}/api/health")),
        "{said}"
    );
}

fn healthcheck_command(stage: &[(String, String)]) -> Vec<String> {
    let (_, arg) = stage
        .iter()
        .find(|(op, _)| op == "HEALTHCHECK")
        .expect("a HEALTHCHECK");
    let json = &arg[arg.find("CMD").expect("CMD") + 3..];
    json_array(json.trim())
}

fn common_data_dir() -> PathBuf {
    std::env::var_os("ATLAS_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/data"))
}

#[test]
fn the_binary_needs_only_libraries_every_bookworm_slim_image_has() {
    let out = Command::new("ldd").arg(BIN).output().expect("ldd runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let mut packages = BTreeSet::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with("linux-vdso") {
            continue;
        }
        assert!(!line.contains("not found"), "{line}");
        // `name => /path (addr)` or `/path (addr)` for the loader.
        let path = line
            .split("=> ")
            .last()
            .and_then(|p| p.split_whitespace().next())
            .expect("a path");
        let owner = Command::new("dpkg")
            .args(["-S", path])
            .output()
            .expect("dpkg runs");
        let owner = if owner.status.success() {
            String::from_utf8_lossy(&owner.stdout).to_string()
        } else {
            // /lib is a link to /usr/lib on current Debian: ask for the other spelling.
            let other = path.replacen("/lib", "/usr/lib", 1);
            let o = Command::new("dpkg")
                .args(["-S", &other])
                .output()
                .expect("dpkg runs");
            String::from_utf8_lossy(&o.stdout).to_string()
        };
        let package = owner.split(':').next().expect("package").trim().to_string();
        assert!(!package.is_empty(), "no package owns {path}");
        packages.insert(package);
    }
    let allowed: BTreeSet<String> = ["libc6", "libgcc-s1"].map(String::from).into();
    assert!(packages.is_subset(&allowed), "{packages:?}\n{text}");
}

#[test]
fn compose_runs_the_image_command_on_read_only_data_behind_the_configured_proxy() {
    let out = Command::new("/usr/bin/python3")
        .args([
            "-c",
            "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))",
        ])
        .arg(root().join("deploy/compose.yaml"))
        .output()
        .expect("python3 runs (PyYAML: apt-get install python3-yaml)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let compose: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let services = compose["services"].as_object().expect("services");
    let replicas: Vec<&String> = services
        .keys()
        .filter(|k| k.starts_with("atlas-"))
        .collect();
    assert!(replicas.len() >= 2, "{replicas:?}");
    let cmd = exec_form(&runtime_stage(), "CMD");
    let mut public_urls = BTreeSet::new();
    for name in &replicas {
        let s = &services[name.as_str()];
        assert_eq!(s["build"]["dockerfile"], "Dockerfile", "{name}");
        assert!(root()
            .join("deploy")
            .join(s["build"]["context"].as_str().expect("context"))
            .join("Dockerfile")
            .exists());
        let command: Vec<String> =
            serde_json::from_value(s["command"].clone()).expect("a command list");
        assert_eq!(command, cmd, "{name} runs the image's command");
        let volumes = s["volumes"].as_array().expect("volumes");
        assert!(
            volumes
                .iter()
                .any(|v| v["target"] == "/data" && v["read_only"] == true),
            "{name}: the data is not mounted read-only at /data"
        );
        public_urls.insert(s["environment"]["ATLAS_PUBLIC_URL"].to_string());
    }
    assert_eq!(
        public_urls.len(),
        1,
        "one public URL for all: {public_urls:?}"
    );

    // The cache mounts deploy/nginx.conf, whose upstream lists exactly these replicas.
    let cache = &services["cache"];
    assert!(cache["volumes"]
        .as_array()
        .expect("volumes")
        .iter()
        .any(|v| v.as_str() == Some("./nginx.conf:/etc/nginx/nginx.conf:ro")));
    let nginx = read("deploy/nginx.conf");
    let upstream: BTreeSet<String> = nginx
        .lines()
        .map(str::trim)
        .filter_map(|l| l.strip_prefix("server "))
        .map(|l| l.split_whitespace().next().expect("address").to_string())
        .filter(|a| a != "{")
        .collect();
    let expected: BTreeSet<String> = replicas.iter().map(|r| format!("{r}:8080")).collect();
    assert_eq!(upstream, expected);
    for r in &replicas {
        assert_eq!(
            cache["depends_on"][r.as_str()]["condition"],
            "service_healthy"
        );
    }
}
