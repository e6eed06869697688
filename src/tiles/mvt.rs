//! MVT 2.1 encoding of one tile with the `mvt` crate: one MVT layer per atlas layer (named
//! after the layer id, never empty, never repeated), one feature per area with the area's
//! index in its layer as feature id, and properties `code`, `name`, `borough`, every
//! indicator value of the layer as a number keyed by indicator id (absent when missing) and,
//! for School Superzones, `phase`.
//!
//! Failure modes: [`MvtError`] when the encoder refuses geometry or a layer (a bug here, not
//! bad input); the HTTP layer turns it into a 500.

use crate::layer::Layer;
use i_overlay::i_shape::int::shape::IntShapes;
use mvt::{GeomEncoder, GeomType, Tile};

use super::grid::EXTENT;

/// Text properties of an area copied into tiles, beyond code, name and borough.
pub const EXTRA_PROPERTIES: &[&str] = &["phase"];

#[derive(Debug, thiserror::Error)]
pub enum MvtError {
    #[error("MVT encoder refused layer {layer}: {source}")]
    Encode { layer: String, source: mvt::Error },
}

/// The features of one atlas layer inside one tile: (area index, tile-coordinate polygons).
pub struct LayerFeatures<'a> {
    pub layer: &'a Layer,
    pub features: Vec<(usize, IntShapes)>,
}

/// Encodes the layers (in order) into MVT bytes; `None` when no layer has a feature.
pub fn encode(layers: &[LayerFeatures<'_>]) -> Result<Option<Vec<u8>>, MvtError> {
    let mut tile = Tile::new(EXTENT as u32);
    for lf in layers {
        if lf.features.is_empty() {
            continue;
        }
        let err = |source| MvtError::Encode {
            layer: lf.layer.id.clone(),
            source,
        };
        let mut layer = tile.create_layer(&lf.layer.id);
        for (index, shapes) in &lf.features {
            let geom = polygon_geometry(shapes).map_err(err)?;
            if geom.is_empty() {
                continue;
            }
            let mut feature = layer.into_feature(geom);
            feature.set_id(*index as u64);
            let area = &lf.layer.areas[*index];
            feature.add_tag_string("code", &area.code);
            feature.add_tag_string("name", &area.name);
            if let Some(b) = &area.borough {
                feature.add_tag_string("borough", b);
            }
            for key in EXTRA_PROPERTIES {
                if let Some(v) = area.properties.get(*key) {
                    feature.add_tag_string(key, v);
                }
            }
            for (id, column) in &lf.layer.columns {
                if let Some(Some(v)) = column.values.get(*index) {
                    if v.is_finite() {
                        feature.add_tag_double(id, *v);
                    }
                }
            }
            layer = feature.into_layer();
        }
        if layer.num_features() > 0 {
            tile.add_layer(layer).map_err(err)?;
        }
    }
    if tile.num_layers() == 0 {
        return Ok(None);
    }
    tile.to_bytes()
        .map(Some)
        .map_err(|source| MvtError::Encode {
            layer: "(tile)".into(),
            source,
        })
}

/// The command stream of a (multi)polygon already in tile coordinates, valid and oriented.
///
/// The `mvt` encoder drops a ring's MoveTo when the ring starts where the previous ring ended
/// (it treats it as a continued line); such rings are rotated by one vertex first.
fn polygon_geometry(shapes: &IntShapes) -> Result<mvt::GeomData, mvt::Error> {
    let mut enc = GeomEncoder::new(GeomType::Polygon);
    let mut last: Option<(i32, i32)> = None;
    for shape in shapes {
        for ring in shape {
            if ring.len() < 3 {
                continue;
            }
            let start = match last {
                Some(l) if (ring[0].x, ring[0].y) == l => 1,
                _ => 0,
            };
            let n = ring.len();
            for k in 0..n {
                let p = ring[(start + k) % n];
                enc.add_point(p.x, p.y)?;
            }
            let p = ring[(start + n - 1) % n];
            last = Some((p.x, p.y));
            enc.complete_geom()?;
        }
    }
    enc.encode()
}
