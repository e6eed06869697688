//! Batch map images for reports: one PNG of London, or one per area of a layer
//! (`london-atlas render maps DIR --indicator ID --layer boroughs --each`).
//!
//! Failure modes: [`BatchError`] names the file it could not draw or write.

use super::{MapRenderer, MapRequest, RenderError, Target};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("cannot draw {file}: {error}", file = file.display())]
    Render { file: PathBuf, error: RenderError },
    #[error("cannot write {file}: {error}", file = file.display())]
    Io {
        file: PathBuf,
        error: std::io::Error,
    },
    #[error("unknown layer \"{0}\": see /api/layers for the ids")]
    UnknownLayer(String),
}

/// What a batch wrote.
#[derive(Debug, Clone, Default)]
pub struct BatchSummary {
    pub files: Vec<PathBuf>,
    pub bytes: usize,
}

/// Draws `indicator` into `dir` (created if missing): `{indicator}.png` of all of London, or
/// with `each = Some(layer)` one `{indicator}-{code}.png` per area of that layer.
pub fn render_maps(
    renderer: &MapRenderer,
    dir: &Path,
    indicator: &str,
    each: Option<&str>,
    width: u32,
    height: u32,
) -> Result<BatchSummary, BatchError> {
    std::fs::create_dir_all(dir).map_err(|error| BatchError::Io {
        file: dir.to_path_buf(),
        error,
    })?;
    let jobs: Vec<(PathBuf, Target)> = match each {
        None => vec![(dir.join(format!("{indicator}.png")), Target::London)],
        Some(lid) => {
            let layer = renderer
                .store()
                .atlas()
                .layer(lid)
                .ok_or_else(|| BatchError::UnknownLayer(lid.to_string()))?;
            layer
                .areas
                .iter()
                .map(|a| {
                    (
                        dir.join(format!("{indicator}-{}.png", a.code)),
                        Target::Area(lid.to_string(), a.code.clone()),
                    )
                })
                .collect()
        }
    };
    let mut summary = BatchSummary::default();
    for (file, target) in jobs {
        let req = MapRequest {
            indicator: indicator.to_string(),
            target,
            width,
            height,
            legend: true,
        };
        let img = renderer.render(&req).map_err(|error| BatchError::Render {
            file: file.clone(),
            error,
        })?;
        std::fs::write(&file, &img.png).map_err(|error| BatchError::Io {
            file: file.clone(),
            error,
        })?;
        summary.bytes += img.png.len();
        summary.files.push(file);
    }
    Ok(summary)
}
