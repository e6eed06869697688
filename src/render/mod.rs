//! Static map images: PNG choropleths of an indicator drawn by maplibre-rs (feature `maps`).
//!
//! A request ([`MapRequest`]) names an indicator and what to show (a WGS84 box, an area
//! fitted with a margin and outlined, or all of London); [`view`] fits it to the image,
//! [`scene`] re-encodes the indicator's default layer into one vector tile with a layer per
//! class colour (the classes of [`crate::classes`], as the style and web map draw them) plus
//! borough outlines; the renderer thread ([`MapRenderer`], which owns maplibre-rs: it is
//! single-threaded) draws it; `compose` crops it and writes the title, period, legend and
//! attribution onto it.
//!
//! The renderer starts on first use (or [`MapRenderer::start`]): it reads the font, opens a
//! Vulkan device and draws a first frame (the self-test). Requests queue for it through a
//! bounded channel: when [`QUEUE`] jobs wait, the next is refused at once ([`RenderError::Busy`]).
//!
//! Failure modes: [`RenderError`]: unknown indicator, layer or area, a bad box or size (the
//! client's); busy, timed out, no device or no font, or a build without the `maps` feature
//! (the service's: 503, the rest of the service is unaffected).

pub mod batch;
#[cfg(feature = "maps")]
pub mod compose;
#[cfg(feature = "maps")]
pub mod gpu;
pub mod scene;
pub mod view;

use crate::geom::crs::bng_to_mercator;
use crate::tiles::TileStore;
use scene::{Scene, SceneError};
#[cfg(feature = "maps")]
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use view::{lonlat_box_to_mercator, with_margin, MapView, ViewError, AREA_MARGIN};

/// Jobs that may wait for the renderer; one more is refused.
pub const QUEUE: usize = 4;
/// Longest a request waits for its frame (queue and drawing).
pub const BUDGET: Duration = Duration::from_secs(30);
/// Font of the decorations (Debian's fonts-dejavu-core); `ATLAS_MAP_FONT` overrides it.
pub const DEFAULT_FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
/// Seconds a client is told to wait when the queue is full.
pub const RETRY_AFTER_SECONDS: u32 = 2;

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("unknown indicator \"{0}\": see /api/indicators for the ids")]
    UnknownIndicator(String),
    #[error("indicator \"{0}\" has no values on any layer, so there is nothing to map")]
    NothingToMap(String),
    #[error("unknown layer \"{0}\": see /api/layers for the ids")]
    UnknownLayer(String),
    #[error("no area \"{code}\" in layer {layer}")]
    UnknownArea { layer: String, code: String },
    #[error("area must be layer/code (e.g. boroughs/E09000007), got \"{0}\"")]
    AreaSyntax(String),
    #[error("give either bbox or area, not both")]
    BboxAndArea,
    #[error(transparent)]
    View(#[from] ViewError),
    #[error(transparent)]
    Scene(#[from] SceneError),
    #[error("the map renderer is busy ({QUEUE} maps waiting): retry in a moment")]
    Busy,
    #[error("the map took longer than {}s to render", BUDGET.as_secs())]
    TimedOut,
    #[error("map images are unavailable: {0}")]
    Unavailable(String),
    #[error("map images are unavailable: this london-atlas was built without them (cargo build --features maps)")]
    NotBuilt,
    #[error("the map renderer failed: {0}")]
    Failed(String),
}

impl RenderError {
    /// True for the client's mistakes (4xx), false for the service's (503/500).
    pub fn is_client_error(&self) -> bool {
        !matches!(
            self,
            RenderError::Scene(_)
                | RenderError::Busy
                | RenderError::TimedOut
                | RenderError::Unavailable(_)
                | RenderError::NotBuilt
                | RenderError::Failed(_)
        )
    }

    /// True when the client asked for something that does not exist (404).
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            RenderError::UnknownIndicator(_)
                | RenderError::UnknownLayer(_)
                | RenderError::UnknownArea { .. }
        )
    }
}

/// What a map shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// All of London (the boroughs' box).
    London,
    /// A WGS84 box: west, south, east, north.
    Bbox([f64; 4]),
    /// An area, fitted with a margin and outlined: (layer id, area code).
    Area(String, String),
}

/// One map image to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct MapRequest {
    pub indicator: String,
    pub target: Target,
    pub width: u32,
    pub height: u32,
    /// Title, period, legend and attribution drawn on (when the image has room).
    pub legend: bool,
}

impl Target {
    /// From the `bbox` and `area` parameters.
    pub fn parse(bbox: Option<&str>, area: Option<&str>) -> Result<Target, RenderError> {
        match (bbox, area) {
            (Some(_), Some(_)) => Err(RenderError::BboxAndArea),
            (Some(b), None) => Ok(Target::Bbox(view::parse_bbox(b)?)),
            (None, Some(a)) => match a.split_once('/') {
                Some((l, c)) if !l.is_empty() && !c.is_empty() && !c.contains('/') => {
                    Ok(Target::Area(l.to_string(), c.to_string()))
                }
                _ => Err(RenderError::AreaSyntax(a.to_string())),
            },
            (None, None) => Ok(Target::London),
        }
    }
}

/// The words drawn on a map: title, period, unit, legend rows (colour, label), attribution.
#[derive(Debug, Clone, PartialEq)]
pub struct Decor {
    pub title: String,
    pub subtitle: String,
    pub unit: String,
    pub legend: Vec<(String, String)>,
    pub attribution: String,
}

/// Everything a request resolves to before drawing.
#[derive(Debug, Clone)]
pub struct Plan {
    pub view: MapView,
    pub scene: Scene,
    pub decor: Decor,
}

/// A rendered map.
#[derive(Debug, Clone)]
pub struct MapImage {
    pub png: Vec<u8>,
    pub view: MapView,
}

fn area_box(area: &crate::layer::Area) -> [f64; 4] {
    let mut b = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for p in &area.geometry {
        for c in p.exterior() {
            let (x, y) = bng_to_mercator(c.x, c.y);
            b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
        }
    }
    b
}

/// Resolves a request: the view, the scene and the words. Pure CPU, no renderer.
pub fn plan(store: &TileStore, req: &MapRequest) -> Result<Plan, RenderError> {
    let atlas = store.atlas();
    let ind = atlas
        .indicator(&req.indicator)
        .ok_or_else(|| RenderError::UnknownIndicator(req.indicator.clone()))?;
    let layer = crate::tiles::style::choropleth_layer(atlas, ind)
        .ok_or_else(|| RenderError::NothingToMap(ind.id.clone()))?;
    let (merc, highlight) = match &req.target {
        Target::London => {
            let b = atlas.boroughs.unwrap_or(layer);
            (with_margin(store.topology(b).bbox, 0.02), None)
        }
        Target::Bbox(b) => (lonlat_box_to_mercator(*b), None),
        Target::Area(lid, code) => {
            let li = atlas
                .layer_index(lid)
                .ok_or_else(|| RenderError::UnknownLayer(lid.clone()))?;
            let ai = atlas.layers[li]
                .area_index(code)
                .ok_or_else(|| RenderError::UnknownArea {
                    layer: lid.clone(),
                    code: code.clone(),
                })?;
            let b = area_box(&atlas.layers[li].areas[ai]);
            (with_margin(b, AREA_MARGIN), Some((li, ai)))
        }
    };
    let view = MapView::fit(merc, req.width, req.height)?;
    let scene = Scene::build(store, &view, ind, layer, highlight);
    let lid = &atlas.layers[layer].id;
    let legend = crate::tiles::style::legend(ind, &ind.classes[lid]);
    let mut rows: Vec<(String, String)> = legend["classes"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| {
                    let s = |k: &str| c[k].as_str().unwrap_or_default().to_string();
                    (s("colour"), s("label"))
                })
                .collect()
        })
        .unwrap_or_default();
    rows.push((ind.classes[lid].no_data.to_string(), "no data".to_string()));
    let d = &ind.definition;
    let when = d.period.clone().unwrap_or_else(|| d.year.to_string());
    let decor = Decor {
        title: d.title.clone(),
        subtitle: format!("{when} · {}", atlas.layers[layer].title),
        unit: d.unit.clone(),
        legend: rows,
        attribution: ind.provenance.attribution.clone(),
    };
    Ok(Plan { view, scene, decor })
}

/// Where the renderer stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// Not started yet (it starts on first use).
    Idle,
    /// Opening the device.
    Starting,
    /// Drawing; the adapter that draws.
    Ready { backend: String },
    /// Cannot draw, and why.
    Unavailable(String),
}

/// The map renderer: a thread owning maplibre-rs, fed through a bounded queue.
#[derive(Debug)]
pub struct MapRenderer {
    store: Arc<TileStore>,
    #[cfg(feature = "maps")]
    font: PathBuf,
    #[cfg(feature = "maps")]
    worker: std::sync::OnceLock<worker::Worker>,
}

impl MapRenderer {
    /// A renderer for the atlas behind `store`; nothing starts until it is used.
    pub fn new(store: Arc<TileStore>) -> MapRenderer {
        MapRenderer {
            store,
            #[cfg(feature = "maps")]
            font: std::env::var_os("ATLAS_MAP_FONT")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(DEFAULT_FONT)),
            #[cfg(feature = "maps")]
            worker: std::sync::OnceLock::new(),
        }
    }

    /// The tile store the maps are drawn from.
    pub fn store(&self) -> &TileStore {
        &self.store
    }

    /// Starts the renderer thread (if not started) and waits for its self-test.
    pub fn start(&self) -> Status {
        #[cfg(feature = "maps")]
        {
            let w = self.worker.get_or_init(|| {
                worker::Worker::spawn(scene::StylePlan::for_atlas(self.store.atlas()), &self.font)
            });
            w.wait_ready()
        }
        #[cfg(not(feature = "maps"))]
        Status::Unavailable(RenderError::NotBuilt.to_string())
    }

    /// Where the renderer stands, without starting it.
    pub fn status(&self) -> Status {
        #[cfg(feature = "maps")]
        {
            self.worker
                .get()
                .map(|w| w.status())
                .unwrap_or(Status::Idle)
        }
        #[cfg(not(feature = "maps"))]
        Status::Unavailable(RenderError::NotBuilt.to_string())
    }

    /// Draws a map (blocking: call it off the async runtime).
    pub fn render(&self, req: &MapRequest) -> Result<MapImage, RenderError> {
        let plan = plan(&self.store, req)?;
        #[cfg(feature = "maps")]
        {
            if let Status::Unavailable(why) = self.start() {
                return Err(RenderError::Unavailable(why));
            }
            let w = self.worker.get().expect("started above");
            let mvt = plan.scene.encode()?;
            let frame = w.draw(plan.view.side, mvt)?;
            let decor = req.legend.then_some(&plan.decor);
            let png = compose::compose(frame, &plan.view, decor, w.font())
                .map_err(|e| RenderError::Failed(e.to_string()))?;
            Ok(MapImage {
                png,
                view: plan.view,
            })
        }
        #[cfg(not(feature = "maps"))]
        {
            let _ = plan;
            Err(RenderError::NotBuilt)
        }
    }
}

#[cfg(feature = "maps")]
mod worker;
