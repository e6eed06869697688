//! Whole-layer downloads: a layer with every indicator, one row per area, on its original
//! geometry, as GeoPackage, FlatGeobuf, GeoJSON or CSV (plus the CSV's `fields` companion),
//! in British National Grid or WGS84. [`download`] answers with bytes, a media type and a
//! file name (the HTTP route); [`write_file`] writes a file (the `export layer` command).
//!
//! Failure modes ([`DownloadError`]): an unknown layer, format or CRS (each naming what is
//! accepted), and a writer's failure (SQLite, FlatGeobuf, CSV, a file that cannot be written).

use super::table::{Crs, LayerTable};
use super::{csv, fgb, geojson, gpkg};
use crate::atlas::Atlas;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A download format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    GeoPackage,
    FlatGeobuf,
    GeoJson,
    Csv,
    /// The CSV's companion: one row per field with its meaning and provenance.
    Fields,
}

/// The names `format=` accepts, in the order error messages list them.
pub const FORMAT_NAMES: [&str; 5] = ["gpkg", "fgb", "geojson", "csv", "fields"];

impl Format {
    pub fn parse(text: &str) -> Result<Format, DownloadError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "gpkg" | "geopackage" => Ok(Format::GeoPackage),
            "fgb" | "flatgeobuf" => Ok(Format::FlatGeobuf),
            "geojson" | "json" => Ok(Format::GeoJson),
            "csv" => Ok(Format::Csv),
            "fields" => Ok(Format::Fields),
            other => Err(DownloadError::UnknownFormat(other.to_string())),
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::GeoPackage => "gpkg",
            Format::FlatGeobuf => "fgb",
            Format::GeoJson => "geojson",
            Format::Csv => "csv",
            Format::Fields => "fields.csv",
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Format::GeoPackage => "application/geopackage+sqlite3",
            Format::FlatGeobuf => "application/flatgeobuf",
            Format::GeoJson => "application/geo+json",
            Format::Csv | Format::Fields => "text/csv; charset=utf-8",
        }
    }
}

/// Parses `27700`, `4326` (or `EPSG:` forms) into a [`Crs`].
pub fn parse_crs(text: &str) -> Result<Crs, DownloadError> {
    Crs::parse(text).ok_or_else(|| DownloadError::UnknownCrs(text.trim().to_string()))
}

#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error("no layer named \"{0}\"")]
    UnknownLayer(String),
    #[error("format \"{0}\" is not supported; use gpkg, fgb, geojson, csv or fields")]
    UnknownFormat(String),
    #[error("crs \"{0}\" is not supported; use 27700 (British National Grid) or 4326 (WGS84)")]
    UnknownCrs(String),
    #[error(transparent)]
    GeoPackage(#[from] gpkg::GpkgError),
    #[error(transparent)]
    FlatGeobuf(#[from] fgb::FgbError),
    #[error("CSV: {0}")]
    Csv(#[from] ::csv::Error),
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl DownloadError {
    /// True when the request named something that does not exist (HTTP 404).
    pub fn is_not_found(&self) -> bool {
        matches!(self, DownloadError::UnknownLayer(_))
    }

    /// True when the request itself was wrong (HTTP 400).
    pub fn is_bad_request(&self) -> bool {
        matches!(
            self,
            DownloadError::UnknownFormat(_) | DownloadError::UnknownCrs(_)
        )
    }
}

/// A finished download.
#[derive(Debug)]
pub struct Download {
    pub bytes: Vec<u8>,
    pub media_type: &'static str,
    /// e.g. `lsoa11-27700.gpkg`.
    pub filename: String,
}

fn table<'a>(atlas: &'a Atlas, layer: &str, crs: Crs) -> Result<LayerTable<'a>, DownloadError> {
    let l = atlas
        .layer(layer)
        .ok_or_else(|| DownloadError::UnknownLayer(layer.to_string()))?;
    Ok(LayerTable::new(atlas, l, crs))
}

/// The whole of `layer` in `format` and `crs`, in memory.
pub fn download(
    atlas: &Atlas,
    layer: &str,
    format: Format,
    crs: Crs,
) -> Result<Download, DownloadError> {
    let t = table(atlas, layer, crs)?;
    let bytes = match format {
        Format::GeoPackage => {
            let path = scratch_path("gpkg");
            let written = gpkg::write(&t, &path);
            let read = written.map_err(DownloadError::from).and_then(|()| {
                std::fs::read(&path).map_err(|source| DownloadError::Io {
                    path: path.clone(),
                    source,
                })
            });
            let _ = std::fs::remove_file(&path);
            read?
        }
        Format::FlatGeobuf => fgb::write(&t)?,
        Format::GeoJson => geojson::layer(&t).to_string().into_bytes(),
        Format::Csv => csv::layer(&t)?,
        Format::Fields => csv::fields(&t)?,
    };
    Ok(Download {
        bytes,
        media_type: format.media_type(),
        filename: format!("{}-{}.{}", t.layer.id, crs.epsg(), format.extension()),
    })
}

/// Writes the whole of `layer` to `path`; a CSV also gets its companion `<stem>.fields.csv`
/// beside it. Returns the files written.
pub fn write_file(
    atlas: &Atlas,
    layer: &str,
    format: Format,
    crs: Crs,
    path: &Path,
) -> Result<Vec<PathBuf>, DownloadError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| DownloadError::Io { path, source }
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    if format == Format::GeoPackage {
        // SQLite writes the file itself; build it beside the target, then move it in place.
        let t = table(atlas, layer, crs)?;
        let partial = path.with_extension("gpkg.partial");
        gpkg::write(&t, &partial)?;
        std::fs::rename(&partial, path).map_err(io(path))?;
        return Ok(vec![path.to_path_buf()]);
    }
    let d = download(atlas, layer, format, crs)?;
    std::fs::write(path, &d.bytes).map_err(io(path))?;
    let mut written = vec![path.to_path_buf()];
    if format == Format::Csv {
        let companion = path.with_extension("fields.csv");
        let f = download(atlas, layer, Format::Fields, crs)?;
        std::fs::write(&companion, &f.bytes).map_err(io(&companion))?;
        written.push(companion);
    }
    Ok(written)
}

/// A fresh file name in the system's temporary folder.
fn scratch_path(ext: &str) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("london-atlas-{}-{n}.{ext}", std::process::id()))
}
