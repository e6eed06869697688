//! Running the GIS clients the OGC and style tests talk to: GDAL's `ogrinfo` and QGIS 3.22's
//! Python (`/usr/bin/python3` with python3-qgis, offscreen). A missing tool FAILS the test
//! with the command that installs it (`.ci/run` installs them).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// `ogrinfo` from gdal-bin.
pub fn ogrinfo() -> PathBuf {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|d| d.join("ogrinfo"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "`ogrinfo` is required by this test and was not found: apt-get install -y gdal-bin"
            )
        })
}

/// Runs a command, failing the test with its output when it fails; returns stdout + stderr.
pub fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let short: String = text.chars().take(4000).collect();
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}): {short}",
        out.status
    );
    text
}

/// Runs one of the QGIS scripts in tests/gis with QGIS's Python, offscreen; returns the
/// JSON line it prints.
pub fn qgis_script(script: &str, args: &[&str]) -> serde_json::Value {
    let python = Path::new("/usr/bin/python3");
    let probe = Command::new(python)
        .args(["-c", "import qgis.core"])
        .output();
    assert!(
        probe.as_ref().is_ok_and(|o| o.status.success()),
        "QGIS's Python is required by this test: apt-get install -y qgis python3-qgis ({probe:?})"
    );
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/gis")
        .join(script);
    let text = run(Command::new(python)
        .env("QT_QPA_PLATFORM", "offscreen")
        .arg(&path)
        .args(args));
    let line = text
        .lines()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| panic!("{script} printed no JSON: {text}"));
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{script}: {e}: {line}"))
}
