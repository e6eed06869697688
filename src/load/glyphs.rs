//! Label glyphs: the MapLibre glyph PBFs the manifest lists under its glyph folder
//! (`{folder}/{fontstack}/{start}-{end}.pbf`), read once at load (checked like every data
//! file) and kept in memory, about 1 MB for three Noto Sans stacks of four ranges.
//!
//! Why ready-made PBFs rather than rasterising a font at start (as Martin does with its
//! `fonts` feature): the files are the ones MapLibre's own font-maker writes, open-licensed
//! (OFL) and checked by SHA-256 like the rest of the data, and serving them needs no font
//! rasteriser in the binary. Their limit: only the ranges present (Latin, punctuation) exist;
//! any other range answers empty, which MapLibre accepts (it then skips those characters).
//!
//! Failure modes: [`GlyphError`] for a request naming no stack we have or a range that is
//! not `start-end` on a 256-glyph boundary; a file the manifest lists but cannot be read is a
//! [`LoadError`] at load.

use super::LoadError;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// Every glyph range of every font stack.
#[derive(Debug, Clone, Default)]
pub struct Glyphs {
    /// Font stack name → range ("0-255") → PBF bytes.
    stacks: BTreeMap<String, BTreeMap<String, Arc<[u8]>>>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum GlyphError {
    #[error("no font stack among \"{asked}\": the fonts are {known}")]
    UnknownFont { asked: String, known: String },
    #[error("glyph range \"{0}\" is not start-end covering 256 characters (e.g. 0-255)")]
    BadRange(String),
}

impl Glyphs {
    /// Reads `files` (paths relative to `folder`'s parent, as the manifest lists them; `open`
    /// checks each and gives its path on disk).
    pub fn read<'a>(
        folder: &str,
        files: impl IntoIterator<Item = &'a str>,
        open: impl Fn(&str) -> Result<std::path::PathBuf, LoadError>,
    ) -> Result<Glyphs, LoadError> {
        let prefix = format!("{}/", folder.trim_end_matches('/'));
        let mut out = Glyphs::default();
        for rel in files {
            let Some(inside) = rel.strip_prefix(&prefix) else {
                continue;
            };
            let Some((stack, file)) = inside.split_once('/') else {
                continue;
            };
            let Some(range) = file.strip_suffix(".pbf") else {
                continue;
            };
            let path = open(rel)?;
            let bytes = read(&path)?;
            out.stacks
                .entry(stack.to_string())
                .or_default()
                .insert(range.to_string(), bytes.into());
        }
        Ok(out)
    }

    /// Font stack names.
    pub fn stacks(&self) -> impl Iterator<Item = &str> {
        self.stacks.keys().map(String::as_str)
    }

    /// The PBF for `range` of the first stack of `fontstack` (MapLibre asks for a
    /// comma-separated list) that we have; empty when that stack lacks the range.
    pub fn range(&self, fontstack: &str, range: &str) -> Result<Arc<[u8]>, GlyphError> {
        let ok = range
            .split_once('-')
            .and_then(|(a, b)| Some((a.parse::<u32>().ok()?, b.parse::<u32>().ok()?)))
            .is_some_and(|(a, b)| a % 256 == 0 && b == a + 255 && b <= 0xFFFF);
        if !ok {
            return Err(GlyphError::BadRange(range.chars().take(40).collect()));
        }
        let stack = fontstack
            .split(',')
            .map(str::trim)
            .find_map(|s| self.stacks.get(s))
            .ok_or_else(|| GlyphError::UnknownFont {
                asked: fontstack.chars().take(100).collect(),
                known: self.stacks().collect::<Vec<_>>().join(", "),
            })?;
        Ok(stack
            .get(range)
            .cloned()
            .unwrap_or_else(|| Arc::from(&[][..])))
    }
}

fn read(path: &Path) -> Result<Vec<u8>, LoadError> {
    std::fs::read(path).map_err(|e| LoadError::Unreadable {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}
