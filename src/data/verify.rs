//! Checking a data folder against the manifest: which files are missing, which differ.

use super::{first_names, manifest_files, DataError};
use crate::load::{fetch_command, sha256_file};
use crate::manifest::Manifest;
use std::fmt;
use std::path::{Path, PathBuf};

/// A file whose SHA-256 is not the manifest's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub path: String,
    pub expected: String,
    pub found: String,
}

/// What [`verify`] found.
#[derive(Debug, Clone)]
pub struct VerifyReport {
    pub dir: PathBuf,
    /// Files the manifest names.
    pub total: usize,
    /// Present with the manifest's SHA-256 (or present, where it gives none).
    pub matching: usize,
    pub missing: Vec<String>,
    pub different: Vec<Difference>,
}

impl VerifyReport {
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty() && self.different.is_empty()
    }

    /// The paths of the missing and the different files, missing first.
    pub fn problems(&self) -> Vec<&str> {
        let missing = self.missing.iter().map(String::as_str);
        missing
            .chain(self.different.iter().map(|d| d.path.as_str()))
            .collect()
    }

    /// `Ok` when complete, else an error naming the folder, the counts and the command.
    pub fn into_result(self) -> Result<VerifyReport, DataError> {
        if self.is_complete() {
            return Ok(self);
        }
        Err(DataError::Unverified {
            path: self.dir.display().to_string(),
            total: self.total,
            missing: self.missing.len(),
            different: self.different.len(),
            names: first_names(&self.problems()),
            // `data fetch` fills a missing or empty folder, and moves any other aside.
            command: fetch_command(&self.dir, occupied(&self.dir)),
        })
    }
}

fn occupied(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some())
}

/// One line per problem, then a summary line.
impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for m in &self.missing {
            writeln!(f, "missing    {m}")?;
        }
        for d in &self.different {
            writeln!(
                f,
                "different  {} (SHA-256 {}, the manifest expects {})",
                d.path, d.found, d.expected
            )?;
        }
        writeln!(
            f,
            "{}: {} of {} files match the manifest, {} missing, {} different",
            self.dir.display(),
            self.matching,
            self.total,
            self.missing.len(),
            self.different.len()
        )
    }
}

/// Checks every file the manifest names in `dir` (a missing folder: every file is missing).
pub fn verify(manifest: &Manifest, dir: &Path) -> Result<VerifyReport, DataError> {
    let files = manifest_files(manifest);
    let mut report = VerifyReport {
        dir: dir.to_path_buf(),
        total: files.len(),
        matching: 0,
        missing: Vec::new(),
        different: Vec::new(),
    };
    for (rel, expected) in files {
        let path = dir.join(rel);
        if !path.is_file() {
            report.missing.push(rel.to_string());
            continue;
        }
        match expected {
            Some(expected) => {
                let found = sha256_file(&path)?;
                if found.eq_ignore_ascii_case(expected) {
                    report.matching += 1;
                } else {
                    report.different.push(Difference {
                        path: rel.to_string(),
                        expected: expected.to_string(),
                        found,
                    });
                }
            }
            None => report.matching += 1,
        }
    }
    Ok(report)
}
