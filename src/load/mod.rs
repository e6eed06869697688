//! Reading the official files named in the manifest: the data folder, checksums, and the
//! error every loader returns (naming the file, the record and what is wrong).

pub mod dissolve;
pub mod geojson;
pub mod glyphs;
pub mod places;
pub mod postcodes;
pub mod shapefile;
pub mod superzones;
pub mod table;
pub mod water;

use crate::manifest::Manifest;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Everything that can go wrong while loading data. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: the file is missing. {hint}")]
    Missing { path: String, hint: String },
    #[error("{path}: the file is corrupt or not the published version (SHA-256 {found}, the manifest expects {expected}). {hint}")]
    Checksum {
        path: String,
        expected: String,
        found: String,
        hint: String,
    },
    #[error("{path}: cannot be read: {message}")]
    Unreadable { path: String, message: String },
    #[error("{path}: record {record}: {message}")]
    Record {
        path: String,
        record: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
    #[error("{path}: the data folder does not exist. Run `{command}` to download the {total} files the manifest names.")]
    NoDataFolder {
        path: String,
        total: usize,
        command: String,
    },
    #[error("{path}: files are missing ({missing} of the {total} the manifest names: {names}). Run `{command}` to download them all{publishers}.")]
    FilesMissing {
        path: String,
        missing: usize,
        total: usize,
        /// The first few, comma-separated.
        names: String,
        command: String,
        /// When few sources are concerned: ", or each from its publisher: URL, ...".
        publishers: String,
    },
}

/// The one command that downloads every manifest file into `root` (`replace`: the folder
/// exists, and fetch moves it aside; see `crate::data`).
pub fn fetch_command(root: &Path, replace: bool) -> String {
    format!(
        "london-atlas data fetch --data {}{}",
        root.display(),
        if replace { " --replace" } else { "" }
    )
}

/// The data folder, resolved against the manifest so errors can say where to get a file.
#[derive(Debug, Clone)]
pub struct DataDir<'m> {
    root: PathBuf,
    manifest: &'m Manifest,
    verify: bool,
    /// Files whose checksum already matched (several indicators read one file).
    verified: std::cell::RefCell<std::collections::HashSet<String>>,
}

impl<'m> DataDir<'m> {
    /// `verify`: check each file's SHA-256 against the manifest before reading it.
    pub fn new(root: impl Into<PathBuf>, manifest: &'m Manifest, verify: bool) -> DataDir<'m> {
        DataDir {
            root: root.into(),
            manifest,
            verify,
            verified: Default::default(),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where to get a file, for error messages.
    pub fn hint(&self, rel: &str) -> String {
        match self.manifest.source_of(rel) {
            Some(s) => format!(
                "It is part of \"{}\" ({}, {}): download it from {} and place it at {}",
                s.title,
                s.publisher,
                s.licence,
                s.url,
                self.root.join(rel).display()
            ),
            None => format!("Place it at {}", self.root.join(rel).display()),
        }
    }

    /// Checks that a manifest file exists (and its checksum, when verifying) and returns its path.
    pub fn open(&self, rel: &str) -> Result<PathBuf, LoadError> {
        let path = self.root.join(rel);
        if !path.is_file() {
            return Err(LoadError::Missing {
                path: path.display().to_string(),
                hint: self.hint(rel),
            });
        }
        if self.verify && !self.verified.borrow().contains(rel) {
            if let Some(expected) = self.manifest.file(rel).and_then(|f| f.sha256.as_deref()) {
                let found = sha256_file(&path)?;
                if !found.eq_ignore_ascii_case(expected) {
                    return Err(LoadError::Checksum {
                        path: path.display().to_string(),
                        expected: expected.to_string(),
                        found,
                        hint: self.hint(rel),
                    });
                }
                self.verified.borrow_mut().insert(rel.to_string());
            }
        }
        Ok(path)
    }

    /// Before anything is read: a missing folder, or missing files, are reported once, with the
    /// one command that fetches them all, instead of one file at a time.
    pub fn check_present(&self) -> Result<(), LoadError> {
        let files: Vec<&str> = self
            .manifest
            .sources()
            .iter()
            .flat_map(|s| &s.files)
            .map(|f| f.path.as_str())
            .collect();
        if !self.root.is_dir() {
            return Err(LoadError::NoDataFolder {
                path: self.root.display().to_string(),
                total: files.len(),
                command: fetch_command(&self.root, false),
            });
        }
        let missing: Vec<&str> = files
            .iter()
            .copied()
            .filter(|f| !self.root.join(f).is_file())
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let mut names = missing[..missing.len().min(3)].join(", ");
        if missing.len() > 3 {
            names.push_str(", ...");
        }
        let empty = std::fs::read_dir(&self.root).is_ok_and(|mut d| d.next().is_none());
        let mut urls: Vec<&str> = missing
            .iter()
            .filter_map(|f| self.manifest.source_of(f))
            .map(|s| s.url.as_str())
            .collect();
        urls.dedup();
        let publishers = if urls.len() <= 2 && !urls.is_empty() {
            format!(", or each from its publisher: {}", urls.join(", "))
        } else {
            String::new()
        };
        Err(LoadError::FilesMissing {
            path: self.root.display().to_string(),
            missing: missing.len(),
            total: files.len(),
            names,
            // `data fetch` fills an empty folder, and moves any other aside with --replace.
            command: fetch_command(&self.root, !empty),
            publishers,
        })
    }

    /// When the newest of the manifest's files last changed (their modification times): the
    /// data's `Last-Modified`. None when no time can be read.
    pub fn newest_change(&self) -> Option<std::time::SystemTime> {
        self.manifest
            .sources()
            .iter()
            .flat_map(|s| &s.files)
            .filter_map(|f| {
                std::fs::metadata(self.root.join(&f.path))
                    .ok()?
                    .modified()
                    .ok()
            })
            .max()
    }

    /// Opens a file and every manifest file that shares its stem (a shapefile's .shx, .dbf, .prj).
    pub fn open_with_siblings(&self, rel: &str) -> Result<PathBuf, LoadError> {
        let stem = rel.rsplit_once('.').map(|(s, _)| s).unwrap_or(rel);
        for f in self.manifest.sources().iter().flat_map(|s| &s.files) {
            if f.path != rel && f.path.rsplit_once('.').map(|(s, _)| s) == Some(stem) {
                self.open(&f.path)?;
            }
        }
        self.open(rel)
    }
}

/// Lower-case hex SHA-256 of a file, as the manifest writes it.
pub fn sha256_file(path: &Path) -> Result<String, LoadError> {
    let unreadable = |e: std::io::Error| LoadError::Unreadable {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let mut file = std::fs::File::open(path).map_err(unreadable)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).map_err(unreadable)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}
