//! Writing the data archive: every manifest file (checked against its SHA-256 first) and a
//! generated `ATTRIBUTION.md`, as a tar stream in path order with fixed metadata, compressed
//! with zstd (with its frame checksum). The same files give the same bytes.

use super::{manifest_files, DataError, Hashing};
use crate::manifest::Manifest;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The attribution file written into every archive, beside the data files.
pub const ATTRIBUTION_FILE: &str = "ATTRIBUTION.md";
/// Every entry's modification time (2025-01-01T00:00:00Z): fixed, so packing is reproducible.
pub const MTIME: u64 = 1_735_689_600;
/// The zstd level `pack` uses unless told otherwise (fast to write; see the issue-13 note).
pub const LEVEL: i32 = 9;

/// What `pack` wrote.
#[derive(Debug, Clone)]
pub struct PackSummary {
    pub path: PathBuf,
    /// Lower-case hex SHA-256 of the archive, also written to `<path>.sha256`.
    pub sha256: String,
    pub bytes: u64,
    /// Data files packed (the attribution file not counted).
    pub files: usize,
    /// Their size before compression.
    pub data_bytes: u64,
}

/// Packs every file `manifest` names from `data_dir` into `out` (a `.tar.zst`), refusing a
/// missing file or one whose SHA-256 differs from the manifest's. Writes `<out>.sha256`
/// (`sha256sum` format) beside it. The archive appears under its name only when complete.
pub fn pack(
    manifest: &Manifest,
    data_dir: &Path,
    out: &Path,
    level: i32,
) -> Result<PackSummary, DataError> {
    let partial = with_suffix(out, ".partial");
    let file = std::fs::File::create(&partial).map_err(DataError::io(&partial))?;
    let result = write_archive(manifest, data_dir, file, level);
    let (sha256, bytes, files, data_bytes) = match result {
        Ok(done) => done,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    std::fs::rename(&partial, out).map_err(DataError::io(out))?;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let sums = with_suffix(out, ".sha256");
    std::fs::write(&sums, format!("{sha256}  {name}\n")).map_err(DataError::io(&sums))?;
    Ok(PackSummary {
        path: out.to_path_buf(),
        sha256,
        bytes,
        files,
        data_bytes,
    })
}

/// (archive SHA-256, archive bytes, data files, data bytes)
fn write_archive(
    manifest: &Manifest,
    data_dir: &Path,
    file: std::fs::File,
    level: i32,
) -> Result<(String, u64, usize, u64), DataError> {
    let sink = Hashing::new(std::io::BufWriter::new(file));
    let archive_err = |e: std::io::Error| DataError::Io {
        path: "the archive being written".into(),
        error: e,
    };
    let mut zstd = zstd::Encoder::new(sink, level).map_err(archive_err)?;
    zstd.include_checksum(true).map_err(archive_err)?;
    let mut tar = tar::Builder::new(zstd);
    let mut entries: Vec<(String, Vec<u8>)> = vec![(
        ATTRIBUTION_FILE.to_string(),
        attribution(manifest).into_bytes(),
    )];
    let mut data_bytes = 0;
    let files = manifest_files(manifest);
    for (rel, expected) in &files {
        let path = data_dir.join(rel);
        if !path.is_file() {
            return Err(DataError::MissingFile {
                path: path.display().to_string(),
            });
        }
        let bytes = std::fs::read(&path).map_err(DataError::io(&path))?;
        if let Some(expected) = expected {
            let found = super::hex(&Sha256::digest(&bytes));
            if !found.eq_ignore_ascii_case(expected) {
                return Err(DataError::PackMismatch {
                    path: path.display().to_string(),
                    expected: expected.to_string(),
                    found,
                });
            }
        }
        data_bytes += bytes.len() as u64;
        entries.push((rel.to_string(), bytes));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (rel, bytes) in &entries {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(MTIME);
        tar.append_data(&mut header, rel, bytes.as_slice())
            .map_err(archive_err)?;
    }
    let zstd = tar.into_inner().map_err(archive_err)?;
    let mut sink = zstd.finish().map_err(archive_err)?;
    sink.flush().map_err(archive_err)?;
    let (writer, sha256, bytes) = sink.finish();
    let file = writer
        .into_inner()
        .map_err(|e| archive_err(e.into_error()))?;
    file.sync_all().map_err(archive_err)?;
    Ok((sha256, bytes, files.len(), data_bytes))
}

/// The archive's `ATTRIBUTION.md`: the manifest's attribution lines, then each source with its
/// publisher, URL, licence, attribution and files (with SHA-256), in manifest order.
pub fn attribution(manifest: &Manifest) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# {} Atlas data: sources, licences and attribution\n",
        manifest.name()
    );
    let _ = writeln!(
        t,
        "Every file in this archive is named by the London Atlas manifest (boundaries/london.toml), \
         which gives its SHA-256; `london-atlas data verify --data DIR` checks them. The files are \
         copies or extracts of the official publications below, under their licences.\n"
    );
    if !manifest.attribution().is_empty() {
        let _ = writeln!(t, "## Attribution to show\n");
        for line in manifest.attribution() {
            let _ = writeln!(t, "- {line}");
        }
        let _ = writeln!(t);
    }
    let _ = writeln!(t, "## Sources\n");
    for s in manifest.sources() {
        let _ = writeln!(t, "### {} (`{}`)\n", s.title, s.id);
        let _ = writeln!(t, "- Publisher: {}", s.publisher);
        let _ = writeln!(t, "- Official page: {}", s.url);
        if let Some(via) = &s.via {
            let _ = writeln!(t, "- These bytes were taken from: {via}");
        }
        let _ = writeln!(t, "- Licence: {}", s.licence);
        let _ = writeln!(t, "- Attribution: {}", s.attribution);
        let _ = writeln!(t, "- Files:");
        for f in &s.files {
            match &f.sha256 {
                Some(sha) => {
                    let _ = writeln!(t, "  - `{}` (SHA-256 `{sha}`)", f.path);
                }
                None => {
                    let _ = writeln!(t, "  - `{}`", f.path);
                }
            }
        }
        let _ = writeln!(t);
    }
    t
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}
