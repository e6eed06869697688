//! MVT 2.1 encoding of one tile with the `fast-mvt` crate: one MVT layer per atlas layer
//! (named after the layer id, never empty, never repeated), one feature per area with the
//! area's index in its layer as feature id, and properties `code`, `name`, `borough`, every
//! indicator value of the layer as a number keyed by indicator id (absent when missing;
//! integer-valued indicators, see [`crate::indicator::Indicator::is_integer_on`], as MVT
//! `uint_value`/`sint_value`, the rest as `double_value`) and
//! the text properties the manifest puts in tiles (`tile_properties`, e.g. a school's phase).
//!
//! Why `fast-mvt` (not the `mvt` crate used first): measured on a z10 LSOA tile (2,943
//! features, ~25 properties each), `mvt` spent 14.8 ms of a 17 ms cold tile encoding, hashing
//! and cloning every tag; `fast-mvt` looks tags up without allocating. It also writes rings as
//! given (the `mvt` crate dropped a ring's MoveTo when the ring started where the previous one
//! ended, and removed collinear points on its own).
//!
//! Failure modes: [`MvtError`] when the encoder refuses a layer name, a value or geometry (a
//! bug here, not bad input); the HTTP layer turns it into a 500.

use super::clip::TileShapes;
use super::fields::Fields;
use crate::layer::Layer;
use fast_mvt::{MvtCoord, MvtGeomType, MvtTileBuilder, MvtValueRef};

#[derive(Debug, thiserror::Error)]
pub enum MvtError {
    #[error("MVT encoder refused layer {layer}: {source}")]
    Encode {
        layer: String,
        source: fast_mvt::MvtError,
    },
}

/// The features of one atlas layer inside one tile: (area index, tile-coordinate polygons).
pub struct LayerFeatures<'a> {
    pub layer: &'a Layer,
    /// Which indicator values to write.
    pub fields: &'a Fields,
    /// Per column of the layer (in its order): true to write its values as integers. Shorter
    /// than the columns (e.g. empty) = the rest as doubles.
    pub integers: &'a [bool],
    pub features: Vec<(usize, TileShapes<'a>)>,
}

/// One labelled point: tile coordinates, (key, value) text properties, and the zoom from
/// which to label it (written as the number `minzoom`).
pub type LabelPoint<'a> = ([i32; 2], Vec<(&'a str, &'a str)>, u8);

/// Named points inside one tile (map labels): one MVT point feature each, with the text
/// properties given.
pub struct PointFeatures<'a> {
    pub name: &'a str,
    pub points: Vec<LabelPoint<'a>>,
}

/// An indicator value as an MVT value: a whole value of an integer column as `uint_value`
/// (`sint_value` when negative; both exact, the column's values are below 2^53), else a
/// `double_value`.
fn number(v: f64, integer: bool) -> MvtValueRef<'static> {
    match (integer, v >= 0.0) {
        (true, true) => MvtValueRef::UInt(v as u64),
        (true, false) => MvtValueRef::SInt(v as i64),
        (false, _) => MvtValueRef::Double(v),
    }
}

/// Encodes the layers (in order) into MVT bytes (extent 4096, the crate's default); `None`
/// when no layer has a feature.
pub fn encode(layers: &[LayerFeatures<'_>]) -> Result<Option<Vec<u8>>, MvtError> {
    encode_with_points(layers, &[])
}

/// [`encode`], then point layers after the polygon layers.
pub fn encode_with_points(
    layers: &[LayerFeatures<'_>],
    point_layers: &[PointFeatures<'_>],
) -> Result<Option<Vec<u8>>, MvtError> {
    let mut tile = MvtTileBuilder::new();
    let mut any = false;
    for lf in layers {
        if lf.features.is_empty() {
            continue;
        }
        let err = |source| MvtError::Encode {
            layer: lf.layer.id.clone(),
            source,
        };
        let columns: Vec<(&str, &[Option<f64>], bool)> = lf
            .layer
            .columns
            .iter()
            .enumerate()
            .filter(|(_, (id, _))| lf.fields.carries(id))
            .map(|(k, (id, c))| {
                let integer = lf.integers.get(k).copied().unwrap_or(false);
                (id.as_str(), c.values.as_slice(), integer)
            })
            .collect();
        let mut layer = tile.layer(lf.layer.id.as_str()).map_err(err)?;
        for (index, shapes) in &lf.features {
            let area = &lf.layer.areas[*index];
            let mut f = layer.feature_of(MvtGeomType::Polygon);
            f.id(Some(*index as u64));
            f.tag_ref("code", MvtValueRef::String(&area.code))
                .map_err(err)?;
            f.tag_ref("name", MvtValueRef::String(&area.name))
                .map_err(err)?;
            if let Some(b) = &area.borough {
                f.tag_ref("borough", MvtValueRef::String(b)).map_err(err)?;
            }
            for key in &lf.layer.tile_properties {
                if let Some(v) = area.properties.get(key) {
                    f.tag_ref(key, MvtValueRef::String(v)).map_err(err)?;
                }
            }
            for (id, values, integer) in &columns {
                if let Some(Some(v)) = values.get(*index) {
                    if v.is_finite() {
                        f.tag_ref(id, number(*v, *integer)).map_err(err)?;
                    }
                }
            }
            // Rings are valid (at least three distinct points) by construction: the zoom's
            // geometry and the clipped shapes both come out of i_overlay.
            for (exterior, ring) in shapes.rings() {
                let coords = ring.map(|p| MvtCoord { x: p.x, y: p.y });
                f.ring(coords, exterior).map_err(err)?;
            }
            layer = f.end();
        }
        tile = layer.end();
        any = true;
    }
    for pl in point_layers.iter().filter(|p| !p.points.is_empty()) {
        let err = |source| MvtError::Encode {
            layer: pl.name.to_string(),
            source,
        };
        let mut layer = tile.layer(pl.name).map_err(err)?;
        for (k, (at, props, minzoom)) in pl.points.iter().enumerate() {
            let mut f = layer.feature_of(MvtGeomType::Point);
            f.id(Some(k as u64));
            for (key, value) in props {
                f.tag_ref(key, MvtValueRef::String(value)).map_err(err)?;
            }
            f.tag_ref("minzoom", MvtValueRef::UInt(u64::from(*minzoom)))
                .map_err(err)?;
            f.points([MvtCoord { x: at[0], y: at[1] }]).map_err(err)?;
            layer = f.end();
        }
        tile = layer.end();
        any = true;
    }
    Ok(any.then(|| tile.encode()))
}
