//! `data fetch`: download the archive from a mirror, check it, install it as the data folder.
//!
//! Files beside the data folder `DIR` (in its parent):
//! - `.DIR.tar.zst.download`: the archive as downloaded so far. An interrupted download keeps
//!   it and the next fetch resumes it with an HTTP `Range` request; it is deleted once the
//!   folder is installed, or when its contents fail a check.
//! - `.DIR.staging`: the archive unpacked and checked; renamed to `DIR` only when every file
//!   the manifest names is there with its SHA-256, so `DIR` is never half filled.
//!
//! When `DIR` already exists: empty, it is replaced; holding every file with the manifest's
//! SHA-256, nothing is downloaded; otherwise the fetch is refused unless `replace`, which
//! moves the old folder aside to `DIR.replaced-<unix seconds>` (never deleting anything) and
//! renames the new one into place.

use super::download::{agent, download, sidecar};
use super::{first_names, unpack::unpack, verify, DataError, Progress};
use crate::load::sha256_file;
use crate::manifest::Manifest;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The environment variable naming a mirror (after `--from`, before the manifest's `data_url`).
pub const DATA_URL_ENV: &str = "ATLAS_DATA_URL";

#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// The archive's URL (see [`resolve_url`]).
    pub url: String,
    /// The data folder to create.
    pub data_dir: PathBuf,
    /// Move an existing, incomplete folder aside instead of refusing.
    pub replace: bool,
}

/// What a fetch did.
#[derive(Debug, Clone)]
pub struct FetchSummary {
    pub data_dir: PathBuf,
    /// False when the folder already held every file: nothing was downloaded.
    pub installed: bool,
    /// Data files installed.
    pub files: usize,
    pub archive_bytes: u64,
    /// Bytes of the archive an earlier, interrupted fetch had already downloaded.
    pub resumed_from: u64,
    /// The archive's SHA-256, and whether the mirror published it (`<url>.sha256`).
    pub archive_sha256: Option<String>,
    pub sha256_published: bool,
    /// Where an existing folder was moved (with `replace`).
    pub replaced: Option<PathBuf>,
    pub seconds: f64,
}

/// The mirror: `from` (`--from`), else `$ATLAS_DATA_URL`, else the manifest's `data_url`.
pub fn resolve_url(from: Option<&str>, manifest: &Manifest) -> Result<String, DataError> {
    let env = std::env::var(DATA_URL_ENV)
        .ok()
        .filter(|u| !u.trim().is_empty());
    from.map(str::to_string)
        .or(env)
        .or_else(|| manifest.data_url().map(str::to_string))
        .ok_or(DataError::NoUrl)
}

/// Downloads, checks and installs the data folder (see the module documentation).
pub fn fetch(
    manifest: &Manifest,
    options: &FetchOptions,
    progress: &mut Progress,
) -> Result<FetchSummary, DataError> {
    let started = Instant::now();
    let (dir, url) = (&options.data_dir, options.url.as_str());
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| DataError::NotAFolder {
            path: dir.display().to_string(),
        })?;
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut summary = FetchSummary {
        data_dir: dir.clone(),
        installed: false,
        files: 0,
        archive_bytes: 0,
        resumed_from: 0,
        archive_sha256: None,
        sha256_published: false,
        replaced: None,
        seconds: 0.0,
    };
    let existing = existing(manifest, dir, options.replace)?;
    if existing == Existing::Complete {
        progress.say(&format!(
            "{} already holds every file the manifest names: nothing to download",
            dir.display()
        ));
        summary.files = super::manifest_files(manifest).len();
        return Ok(summary);
    }
    if is_placeholder(url) {
        return Err(DataError::PlaceholderUrl { url: url.into() });
    }
    std::fs::create_dir_all(&parent).map_err(DataError::io(&parent))?;
    let part = parent.join(format!(".{name}.tar.zst.download"));
    let staging = parent.join(format!(".{name}.staging"));
    let agent = agent();
    let published = sidecar(&agent, url)?;
    if published.is_none() {
        progress.say(&format!(
            "{url}.sha256 is not published: checking each file against the manifest only"
        ));
    }
    progress.say(&format!("downloading {url}"));
    let mut first_attempt = true;
    loop {
        let got = download(&agent, url, &part, progress)?;
        progress.say(&format!(
            "checking the archive and unpacking it into {}",
            staging.display()
        ));
        match check_and_unpack(manifest, url, &part, &staging, published.as_deref()) {
            Ok((files, sha)) => {
                summary.files = files;
                summary.archive_bytes = got.bytes;
                summary.resumed_from = got.resumed_from;
                summary.archive_sha256 = Some(sha);
                summary.sha256_published = published.is_some();
                break;
            }
            Err(e) => {
                let _ = std::fs::remove_dir_all(&staging);
                let _ = std::fs::remove_file(&part);
                if got.resumed_from > 0 && first_attempt {
                    progress.say(&format!(
                        "the resumed download failed its check ({e}): downloading it again from the start"
                    ));
                    first_attempt = false;
                    continue;
                }
                return Err(e);
            }
        }
    }
    summary.replaced = install(&staging, dir, &parent, &name, existing)?;
    let _ = std::fs::remove_file(&part);
    summary.installed = true;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Existing {
    Nothing,
    Empty,
    Complete,
    /// Incomplete or different, and `replace` was given.
    Replace,
}

fn existing(manifest: &Manifest, dir: &Path, replace: bool) -> Result<Existing, DataError> {
    if !dir.exists() {
        return Ok(Existing::Nothing);
    }
    if !dir.is_dir() {
        return Err(DataError::NotAFolder {
            path: dir.display().to_string(),
        });
    }
    let mut entries = std::fs::read_dir(dir).map_err(DataError::io(dir))?;
    if entries.next().is_none() {
        return Ok(Existing::Empty);
    }
    let report = verify(manifest, dir)?;
    if report.is_complete() {
        return Ok(Existing::Complete);
    }
    if replace {
        return Ok(Existing::Replace);
    }
    Err(DataError::Exists {
        path: dir.display().to_string(),
        problems: report.problems().len(),
        total: report.total,
        names: first_names(&report.problems()),
    })
}

/// Checks the archive's SHA-256 against the published one (if any), then unpacks it into a
/// fresh staging folder. Returns (data files, archive SHA-256).
fn check_and_unpack(
    manifest: &Manifest,
    url: &str,
    part: &Path,
    staging: &Path,
    published: Option<&str>,
) -> Result<(usize, String), DataError> {
    let found = sha256_file(part)?;
    if let Some(expected) = published {
        if found != expected {
            return Err(DataError::ArchiveChecksum {
                url: url.into(),
                expected: expected.into(),
                found,
            });
        }
    }
    if staging.exists() {
        // Left by a fetch that was killed while unpacking.
        std::fs::remove_dir_all(staging).map_err(DataError::io(staging))?;
    }
    let files = unpack(manifest, part, staging)?;
    Ok((files, found))
}

/// Renames the staging folder into place; returns where an existing folder was moved.
fn install(
    staging: &Path,
    dir: &Path,
    parent: &Path,
    name: &str,
    existing: Existing,
) -> Result<Option<PathBuf>, DataError> {
    let mut aside = None;
    match existing {
        Existing::Empty => std::fs::remove_dir(dir).map_err(DataError::io(dir))?,
        Existing::Replace => {
            let secs = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or_default();
            let to = parent.join(format!("{name}.replaced-{secs}"));
            std::fs::rename(dir, &to).map_err(DataError::io(dir))?;
            aside = Some(to);
        }
        Existing::Nothing | Existing::Complete => {}
    }
    if let Err(e) = std::fs::rename(staging, dir) {
        if let Some(old) = &aside {
            let _ = std::fs::rename(old, dir);
        }
        return Err(DataError::io(dir)(e));
    }
    Ok(aside)
}

/// The manifest's placeholder (the reserved `.invalid` domain, RFC 6761) names no mirror.
fn is_placeholder(url: &str) -> bool {
    let host = url.split_once("://").map_or(url, |(_, rest)| rest);
    let host = host.split(['/', ':']).next().unwrap_or_default();
    host.ends_with(".invalid")
}

#[cfg(test)]
mod tests {
    use super::is_placeholder;

    #[test]
    fn the_invalid_domain_is_a_placeholder() {
        assert!(is_placeholder(
            "https://london-atlas.invalid/data/london-atlas-data.tar.zst"
        ));
        assert!(!is_placeholder("http://127.0.0.1:8000/data.tar.zst"));
        assert!(!is_placeholder("https://example.org/invalid/data.tar.zst"));
    }
}
