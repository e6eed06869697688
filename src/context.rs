//! The map's context, drawn from our own open data so the web map needs nothing from outside:
//! named places and stations (for search and labels), the Thames (water under the
//! choropleth) and the glyphs MapLibre draws labels with. Read once with the atlas when the
//! manifest has a `[context]` section.
//!
//! Failure modes: any file missing, corrupt or malformed stops the load with a
//! [`LoadError`](crate::load::LoadError) naming it, as for every other data file.

use crate::atlas::AtlasError;
use crate::layer::{Area, Layer};
use crate::load::glyphs::Glyphs;
use crate::load::places::{read_places, read_stations, Place, PlaceKind};
use crate::load::water::read_water;
use crate::load::DataDir;
use crate::manifest::Manifest;
use geo::{coord, Rect};

/// Metres of water kept beyond the boroughs' box (the Thames runs on to the estuary).
const WATER_MARGIN_M: f64 = 3_000.0;

/// Most vertices in one piece of water (see [`water_pieces`]).
const WATER_PIECE_VERTICES: usize = 1_500;

/// The water cut into pieces of at most [`WATER_PIECE_VERTICES`] vertices (`thames-<n>`, all
/// named "River Thames"): one 27,000-vertex polygon would be clipped whole for every tile
/// that meets it (54 ms a tile at z14, measured); pieces let a tile's R-tree pick the few it
/// needs. Cut by halving the box along its longer side, so the whole river is cut about
/// log2(pieces) times, not once per piece.
fn water_pieces(water: &geo::MultiPolygon<f64>) -> Vec<Area> {
    use geo::BoundingRect;
    let mut out = Vec::new();
    if let Some(b) = water.bounding_rect() {
        halve(water.clone(), b, &mut out);
    }
    out.into_iter()
        .enumerate()
        .map(|(k, piece)| Area::new(format!("thames-{k}"), "River Thames".into(), None, piece))
        .collect()
}

fn halve(mp: geo::MultiPolygon<f64>, b: Rect<f64>, out: &mut Vec<geo::MultiPolygon<f64>>) {
    use geo::{BooleanOps, CoordsIter};
    if mp.0.is_empty() {
        return;
    }
    if mp.coords_count() <= WATER_PIECE_VERTICES || b.width().max(b.height()) < 500.0 {
        out.push(crate::geom::validity::canonical(mp));
        return;
    }
    let (lo, hi) = if b.width() >= b.height() {
        let mid = (b.min().x + b.max().x) / 2.0;
        (
            Rect::new(b.min(), coord! { x: mid, y: b.max().y }),
            Rect::new(coord! { x: mid, y: b.min().y }, b.max()),
        )
    } else {
        let mid = (b.min().y + b.max().y) / 2.0;
        (
            Rect::new(b.min(), coord! { x: b.max().x, y: mid }),
            Rect::new(coord! { x: b.min().x, y: mid }, b.max()),
        )
    };
    for half in [lo, hi] {
        let part = mp.intersection(&geo::MultiPolygon::new(vec![half.to_polygon()]));
        halve(part, half, out);
    }
}

/// Places, stations, water and glyphs.
#[derive(Debug)]
pub struct Context {
    /// Populated places, then stations.
    pub places: Vec<Place>,
    /// The water as a layer of square pieces (`water`, see [`water_pieces`]), so tiles cut
    /// it like any layer.
    /// It is not one of the atlas's layers: no query, download or API lists it.
    pub water: Layer,
    /// How many of the water's source polygons were repaired on load.
    pub water_repaired: usize,
    pub glyphs: Glyphs,
    /// Atlas layers drawn as outlines in the basemap, each from a zoom.
    pub outlines: Vec<crate::manifest::OutlineSpec>,
}

impl Context {
    /// Places of one kind.
    pub fn of_kind(&self, kind: PlaceKind) -> impl Iterator<Item = &Place> {
        self.places.iter().filter(move |p| p.kind == kind)
    }
}

/// Reads the context the manifest names; `extent` is the boroughs' box in BNG metres
/// [min x, min y, max x, max y], to which the water is cut (with a margin).
pub fn load_context(
    manifest: &Manifest,
    dir: &DataDir<'_>,
    extent: Option<[f64; 4]>,
) -> Result<Option<Context>, AtlasError> {
    let Some(spec) = manifest.context() else {
        return Ok(None);
    };
    let mut places = read_places(&dir.open(&spec.places)?)?;
    places.extend(read_stations(
        &dir.open(&spec.tfl_stations)?,
        &dir.open(&spec.rail_stations)?,
    )?);
    let [x0, y0, x1, y1] = extent.unwrap_or([500_000.0, 150_000.0, 570_000.0, 210_000.0]);
    let m = WATER_MARGIN_M;
    let clip = Rect::new(
        coord! { x: x0 - m, y: y0 - m },
        coord! { x: x1 + m, y: y1 + m },
    );
    let water = read_water(&dir.open(&spec.water)?, clip)?;
    let pieces = water_pieces(&water.geometry);
    let files = manifest
        .sources()
        .iter()
        .flat_map(|s| &s.files)
        .map(|f| f.path.as_str());
    let glyphs = Glyphs::read(&spec.glyphs, files, |rel| dir.open(rel))?;
    Ok(Some(Context {
        places,
        water: Layer::new(
            "water",
            "Water",
            "The River Thames (OS OpenData), dissolved and cut to London",
            pieces,
        ),
        water_repaired: water.repaired,
        glyphs,
        outlines: spec.outlines.clone(),
    }))
}
