//! The data folder as one archive: `pack` writes every file the manifest names (plus an
//! attribution file generated from its sources) into a reproducible `.tar.zst`; `fetch`
//! downloads such an archive from a mirror (resuming an interrupted download), checks every
//! file against the manifest's SHA-256 and installs the folder atomically; `verify` lists the
//! files of a folder that are missing or differ from the manifest.
//!
//! Failure modes: [`DataError`], each naming the file, URL or folder and what to do next.
//! Nothing here ever leaves a half-filled data folder: files are unpacked into a staging
//! folder beside it, which is renamed into place only once every file has matched.

mod archive;
mod download;
mod fetch;
pub mod progress;
mod unpack;
mod verify;

pub use archive::{attribution, pack, PackSummary, ATTRIBUTION_FILE, LEVEL, MTIME};
pub use fetch::{fetch, resolve_url, FetchOptions, FetchSummary, DATA_URL_ENV};
pub use progress::Progress;
pub use verify::{verify, Difference, VerifyReport};

use crate::load::LoadError;
use crate::manifest::Manifest;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::Path;

/// Everything that can go wrong packing, fetching or verifying the data folder.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    // The underlying errors are kept as fields, not as `source`s, so that the one sentence
    // printed (`{e:#}` in main) does not repeat them.
    #[error("{path}: {error}")]
    Io { path: String, error: std::io::Error },
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("cannot pack {path}: the file is missing (the manifest names it)")]
    MissingFile { path: String },
    #[error("{path}: SHA-256 {found}, but the manifest expects {expected}: not the published file, refusing to pack it")]
    PackMismatch {
        path: String,
        expected: String,
        found: String,
    },
    #[error("no mirror to fetch the data from: pass --from URL or set {DATA_URL_ENV} (the manifest names no data_url)")]
    NoUrl,
    #[error("{url} is the manifest's placeholder (no archive has been published there): pass --from URL or set {DATA_URL_ENV} to a mirror of an archive made by `london-atlas data pack`")]
    PlaceholderUrl { url: String },
    #[error("cannot download {url}: {error}")]
    Http { url: String, error: ureq::Error },
    #[error("cannot download {url}: the server answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("the download of {url} stopped after {got} of {total} bytes ({message}); the part is kept, run the same command again to resume")]
    Interrupted {
        url: String,
        got: u64,
        total: String,
        message: String,
    },
    #[error("{url}: the archive's SHA-256 is {found} but {url}.sha256 says {expected}: the download is corrupt and was deleted; run the command again")]
    ArchiveChecksum {
        url: String,
        expected: String,
        found: String,
    },
    #[error("the archive's copy of {path} is not the published file (SHA-256 {found}, the manifest expects {expected}): refusing to install the archive")]
    FileMismatch {
        path: String,
        expected: String,
        found: String,
    },
    #[error("the archive is corrupt at {entry}: {message}")]
    Corrupt { entry: String, message: String },
    #[error("the archive holds {entry}, which {reason}: refusing to install it")]
    Unexpected { entry: String, reason: String },
    #[error("the archive lacks {count} of the files the manifest names ({names}): refusing to install it")]
    Incomplete { count: usize, names: String },
    #[error("{path} already exists and {problems} of its {total} manifest files are missing or different ({names}): pass --replace to move it aside and install a fresh copy, or choose another --data folder")]
    Exists {
        path: String,
        problems: usize,
        total: usize,
        names: String,
    },
    #[error("{path} is not a folder")]
    NotAFolder { path: String },
    #[error("{path}: {missing} of the {total} files the manifest names are missing and {different} differ ({names}). Run `{command}` to install the published files.")]
    Unverified {
        path: String,
        total: usize,
        missing: usize,
        different: usize,
        names: String,
        command: String,
    },
}

impl DataError {
    fn io(path: &Path) -> impl FnOnce(std::io::Error) -> DataError + '_ {
        move |error| DataError::Io {
            path: path.display().to_string(),
            error,
        }
    }
}

/// Every file the manifest names, sorted by path, with its SHA-256 when the manifest has one.
pub fn manifest_files(manifest: &Manifest) -> Vec<(&str, Option<&str>)> {
    let mut files: Vec<(&str, Option<&str>)> = manifest
        .sources()
        .iter()
        .flat_map(|s| &s.files)
        .map(|f| (f.path.as_str(), f.sha256.as_deref()))
        .collect();
    files.sort();
    files.dedup_by(|a, b| a.0 == b.0);
    files
}

/// The first few names of a list, for a sentence ("a, b, c, ...").
fn first_names<S: AsRef<str>>(names: &[S]) -> String {
    let mut text = names
        .iter()
        .take(3)
        .map(|s| s.as_ref())
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > 3 {
        text.push_str(", ...");
    }
    text
}

/// A writer that hashes (SHA-256) and counts what passes through it.
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> Hashing<W> {
    fn new(inner: W) -> Hashing<W> {
        Hashing {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    /// The inner writer, the lower-case hex digest and the byte count.
    fn finish(self) -> (W, String, u64) {
        (self.inner, hex(&self.hasher.finalize()), self.bytes)
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
