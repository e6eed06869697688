//! Helpers for the tile tests: the real atlas, a tile store, a server on 127.0.0.1, and an MVT
//! decoder that is not our encoder (geozero's prost messages + a command interpreter written
//! here from the MVT 2.1 spec).
#![allow(dead_code)]

use geo::{Coord, LineString, MultiPolygon, Polygon};
use geozero::mvt::tile::{GeomType, Value};
use geozero::mvt::{Message, Tile};
use london_atlas::geom::crs::wgs84_to_bng;
use london_atlas::tiles::grid::{mercator_to_pixel, pixel_to_lonlat};
use london_atlas::tiles::{TileId, TileStore};
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

#[path = "../common/mod.rs"]
mod common;
#[allow(unused_imports)]
pub use common::{atlas, csv_column, data_dir, population_2019, server, server_with};

pub fn store() -> Arc<TileStore> {
    static STORE: OnceLock<Arc<TileStore>> = OnceLock::new();
    STORE
        .get_or_init(|| Arc::new(TileStore::new(atlas())))
        .clone()
}

/// The tile at zoom `z` holding a WGS84 point.
pub fn tile_at(z: u8, lon: f64, lat: f64) -> TileId {
    TileId::containing(z, lon, lat).expect("in range")
}

/// Trafalgar Square.
pub const CENTRAL: (f64, f64) = (-0.1281, 51.5080);

/// A decoded property value.
#[derive(Debug, Clone, PartialEq)]
pub enum Prop {
    Str(String),
    Num(f64),
}

/// A decoded feature: id, properties, polygons in tile units (y down) and each ring as read.
#[derive(Debug, Clone)]
pub struct Feature {
    pub id: Option<u64>,
    pub props: BTreeMap<String, Prop>,
    /// Rings as read from the command stream (closed), in order.
    pub rings: Vec<Vec<(i64, i64)>>,
}

impl Feature {
    pub fn str(&self, k: &str) -> Option<&str> {
        match self.props.get(k) {
            Some(Prop::Str(s)) => Some(s),
            _ => None,
        }
    }
    pub fn num(&self, k: &str) -> Option<f64> {
        match self.props.get(k) {
            Some(Prop::Num(v)) => Some(*v),
            _ => None,
        }
    }

    /// Polygons per MVT 2.1: a ring with positive surveyor's area (y down) starts a polygon,
    /// negative rings are its holes.
    pub fn polygons(&self) -> MultiPolygon<f64> {
        let mut out: Vec<(LineString<f64>, Vec<LineString<f64>>)> = Vec::new();
        for r in &self.rings {
            let ls = LineString::from(
                r.iter()
                    .map(|&(x, y)| Coord {
                        x: x as f64,
                        y: y as f64,
                    })
                    .collect::<Vec<_>>(),
            );
            if surveyor_area(r) > 0.0 {
                out.push((ls, Vec::new()));
            } else if let Some(last) = out.last_mut() {
                last.1.push(ls);
            }
        }
        MultiPolygon(out.into_iter().map(|(e, h)| Polygon::new(e, h)).collect())
    }
}

/// Surveyor's formula in tile coordinates (positive = exterior per MVT 2.1).
pub fn surveyor_area(r: &[(i64, i64)]) -> f64 {
    let n = r.len();
    let mut s = 0i64;
    for i in 0..n {
        let (a, b) = (r[i], r[(i + 1) % n]);
        s += a.0 * b.1 - b.0 * a.1;
    }
    s as f64 / 2.0
}

/// Decoded layer: name, version, extent, features.
#[derive(Debug, Clone)]
pub struct DecodedLayer {
    pub name: String,
    pub version: u32,
    pub extent: u32,
    pub features: Vec<Feature>,
}

fn zigzag(v: u32) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// Decodes MVT bytes (gzip or not), interpreting polygon command streams strictly: panics
/// with a message on any command the spec forbids for polygons.
pub fn decode(bytes: &[u8]) -> Vec<DecodedLayer> {
    let raw = if bytes.starts_with(&[0x1f, 0x8b]) {
        use std::io::Read;
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .expect("gzip");
        out
    } else {
        bytes.to_vec()
    };
    let tile = Tile::decode(raw.as_slice()).expect("a protobuf vector tile");
    tile.layers
        .iter()
        .map(|l| {
            let features = l
                .features
                .iter()
                .map(|f| {
                    let point = f.r#type == Some(GeomType::Point as i32);
                    assert!(
                        point || f.r#type == Some(GeomType::Polygon as i32),
                        "polygon and point features only"
                    );
                    let mut props = BTreeMap::new();
                    for kv in f.tags.chunks(2) {
                        let key = l.keys[kv[0] as usize].clone();
                        let v: &Value = &l.values[kv[1] as usize];
                        let p = if let Some(s) = &v.string_value {
                            Prop::Str(s.clone())
                        } else if let Some(d) = v.double_value {
                            Prop::Num(d)
                        } else if let Some(d) = v.float_value {
                            Prop::Num(d as f64)
                        } else if let Some(i) = v.int_value {
                            Prop::Num(i as f64)
                        } else if let Some(i) = v.sint_value {
                            Prop::Num(i as f64)
                        } else if let Some(i) = v.uint_value {
                            Prop::Num(i as f64)
                        } else {
                            panic!("unsupported value {v:?}")
                        };
                        assert!(
                            props.insert(key, p).is_none(),
                            "a key repeated in a feature"
                        );
                    }
                    Feature {
                        id: f.id,
                        props,
                        rings: if point {
                            vec![points(&f.geometry)]
                        } else {
                            rings(&f.geometry)
                        },
                    }
                })
                .collect();
            DecodedLayer {
                name: l.name.clone(),
                version: l.version,
                extent: l.extent.unwrap_or(4096),
                features,
            }
        })
        .collect()
}

/// A point feature's points (one MoveTo with a count).
fn points(g: &[u32]) -> Vec<(i64, i64)> {
    assert_eq!(g[0] & 7, 1, "a point geometry starts with MoveTo");
    let count = (g[0] >> 3) as usize;
    assert_eq!(
        g.len(),
        1 + 2 * count,
        "MoveTo count matches the parameters"
    );
    let (mut x, mut y) = (0i64, 0i64);
    (0..count)
        .map(|k| {
            x += zigzag(g[1 + 2 * k]);
            y += zigzag(g[2 + 2 * k]);
            (x, y)
        })
        .collect()
}

fn rings(g: &[u32]) -> Vec<Vec<(i64, i64)>> {
    let (mut x, mut y) = (0i64, 0i64);
    let mut out = Vec::new();
    let mut cur: Vec<(i64, i64)> = Vec::new();
    let mut i = 0;
    while i < g.len() {
        let (cmd, count) = (g[i] & 7, g[i] >> 3);
        i += 1;
        match cmd {
            1 => {
                assert_eq!(count, 1, "MoveTo count must be 1 in polygons");
                assert!(cur.is_empty(), "MoveTo before the previous ring was closed");
                x += zigzag(g[i]);
                y += zigzag(g[i + 1]);
                i += 2;
                cur.push((x, y));
            }
            2 => {
                assert!(!cur.is_empty(), "LineTo without MoveTo");
                for _ in 0..count {
                    x += zigzag(g[i]);
                    y += zigzag(g[i + 1]);
                    i += 2;
                    cur.push((x, y));
                }
            }
            7 => {
                assert!(
                    cur.len() >= 3,
                    "a ring needs at least 3 points, got {cur:?}"
                );
                out.push(std::mem::take(&mut cur));
            }
            c => panic!("unknown command {c}"),
        }
    }
    assert!(cur.is_empty(), "unclosed ring at the end of the geometry");
    out
}

/// Tile-unit point of `tile` to British National Grid metres.
pub fn tile_to_bng(tile: TileId, x: f64, y: f64) -> (f64, f64) {
    let (ox, oy) = tile.origin();
    let (lon, lat) = pixel_to_lonlat(tile.z, ox as f64 + x, oy as f64 + y);
    wgs84_to_bng(lon, lat)
}

/// British National Grid metres to tile units of `tile` (unrounded).
pub fn bng_to_tile(tile: TileId, e: f64, n: f64) -> (f64, f64) {
    let (x, y) = london_atlas::geom::crs::bng_to_mercator(e, n);
    let (px, py) = mercator_to_pixel(tile.z, x, y);
    let (ox, oy) = tile.origin();
    (px - ox as f64, py - oy as f64)
}

pub fn layer<'a>(layers: &'a [DecodedLayer], name: &str) -> &'a DecodedLayer {
    layers
        .iter()
        .find(|l| l.name == name)
        .unwrap_or_else(|| panic!("tile has no layer {name}"))
}
