//! Reading a data archive into a staging folder, checking as it goes: only regular files with
//! plain relative paths, only files the manifest names (plus the attribution file), each
//! with the manifest's SHA-256, each once, all of them, and the zstd frame checksum at the end.

use super::{first_names, manifest_files, DataError, Hashing, ATTRIBUTION_FILE};
use crate::manifest::Manifest;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Component, Path};

/// Unpacks `archive` into `staging` (which must not exist) and returns the number of data
/// files written. On error the caller removes `staging`.
pub fn unpack(manifest: &Manifest, archive: &Path, staging: &Path) -> Result<usize, DataError> {
    std::fs::create_dir_all(staging).map_err(DataError::io(staging))?;
    let file = std::fs::File::open(archive).map_err(DataError::io(archive))?;
    let corrupt = |entry: &str, e: std::io::Error| DataError::Corrupt {
        entry: entry.to_string(),
        message: e.to_string(),
    };
    let zstd = zstd::Decoder::new(file).map_err(|e| corrupt("its start", e))?;
    let mut tar = tar::Archive::new(zstd);
    let mut expected: BTreeMap<&str, Option<&str>> = manifest_files(manifest).into_iter().collect();
    let mut written = 0;
    let mut last = String::from("its start");
    let mut buf = vec![0u8; 1 << 16];
    let entries = tar.entries().map_err(|e| corrupt(&last, e))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| corrupt(&format!("the entry after {last}"), e))?;
        let name = entry_name(&entry)?;
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            last = name;
            continue;
        }
        if !kind.is_file() {
            return Err(DataError::Unexpected {
                entry: name,
                reason: "is not a regular file".into(),
            });
        }
        let sha = if name == ATTRIBUTION_FILE {
            None
        } else {
            match expected.remove(name.as_str()) {
                Some(sha) => sha,
                None => {
                    let reason = if manifest_files(manifest).iter().any(|f| f.0 == name) {
                        "appears twice"
                    } else {
                        "the manifest does not name"
                    };
                    return Err(DataError::Unexpected {
                        entry: name,
                        reason: reason.into(),
                    });
                }
            }
        };
        let target = staging.join(&name);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(DataError::io(parent))?;
        }
        let out = std::fs::File::create(&target).map_err(DataError::io(&target))?;
        let mut out = Hashing::new(std::io::BufWriter::new(out));
        loop {
            let n = entry.read(&mut buf).map_err(|e| corrupt(&name, e))?;
            if n == 0 {
                break;
            }
            std::io::Write::write_all(&mut out, &buf[..n]).map_err(DataError::io(&target))?;
        }
        let (writer, found, _) = out.finish();
        writer
            .into_inner()
            .map_err(|e| DataError::io(&target)(e.into_error()))?;
        if let Some(expected) = sha {
            if !found.eq_ignore_ascii_case(expected) {
                return Err(DataError::FileMismatch {
                    path: name,
                    expected: expected.to_string(),
                    found,
                });
            }
            written += 1;
        }
        last = name;
    }
    if !expected.is_empty() {
        let names: Vec<&str> = expected.keys().copied().collect();
        return Err(DataError::Incomplete {
            count: names.len(),
            names: first_names(&names),
        });
    }
    // Read to the end of the zstd frame, so its checksum is checked too.
    let mut rest = tar.into_inner();
    std::io::copy(&mut rest, &mut std::io::sink())
        .map_err(|e| corrupt(&format!("its end (after {last})"), e))?;
    Ok(written)
}

/// An entry's path as `a/b/c`, refused unless it is plain and relative (no `..`, no root).
fn entry_name<R: Read>(entry: &tar::Entry<R>) -> Result<String, DataError> {
    let raw = entry.path_bytes();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let path = Path::new(&text);
    let plain = path.components().all(|c| matches!(c, Component::Normal(_)));
    if !plain || text.is_empty() {
        return Err(DataError::Unexpected {
            entry: text,
            reason: "is not a plain relative path".into(),
        });
    }
    Ok(text.trim_end_matches('/').to_string())
}
