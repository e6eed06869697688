//! maplibre-rs on one thread: the headless renderers (one per render-square side, made on
//! first use; `HeadlessMap` is `Rc`, so they never leave the thread that made them) and a
//! plugin that copies each frame into memory (the crate's own `HeadlessPlugin` is kept with
//! writing switched off: it would write `./frame_<n>.png`).
//!
//! The device is Vulkan only (Mesa's lavapipe on a machine without a GPU), unless
//! `WGPU_BACKEND` names others: wgpu's OpenGL fallback through EGL is slower and uses twice
//! the memory, and a machine without Vulkan should say so rather than limp.
//!
//! Failure modes: [`GpuError`]; wgpu and maplibre-rs panic on some failures (forcing a
//! backend without a device, a tile they cannot read), so every call into them here is
//! wrapped in `catch_unwind` and a panic becomes a `GpuError` naming what was being done.

use super::scene::StylePlan;
use maplibre::context::MapContext;
use maplibre::headless::environment::HeadlessEnvironment;
use maplibre::headless::map::HeadlessMap;
use maplibre::headless::window::HeadlessMapWindowConfig;
use maplibre::headless::HeadlessPlugin;
use maplibre::io::apc::SchedulerAsyncProcedureCall;
use maplibre::kernel::{Kernel, KernelBuilder};
use maplibre::platform::http_client::ReqwestHttpClient;
use maplibre::platform::scheduler::TokioScheduler;
use maplibre::plugin::Plugin;
use maplibre::render::graph::RenderGraph;
use maplibre::render::resource::Head;
use maplibre::render::settings::{Backends, RendererSettings, WgpuSettings};
use maplibre::render::{RenderPlugin, RenderStageLabel, Renderer};
use maplibre::schedule::Schedule;
use maplibre::style::layer::StyleLayer;
use maplibre::style::Style;
use maplibre::tcs::system::{System, SystemContainer};
use maplibre::tcs::world::World;
use maplibre::vector::{DefaultVectorTransferables, VectorPlugin};
use maplibre::window::{MapWindowConfig, WindowSize};
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

#[derive(Debug, Clone, thiserror::Error)]
pub enum GpuError {
    #[error("no Vulkan device: {0}. Install Mesa's Vulkan drivers (Debian: apt-get install mesa-vulkan-drivers libvulkan1) or run on a machine with a GPU")]
    NoDevice(String),
    #[error("the renderer failed while {doing}: {message}")]
    Failed { doing: String, message: String },
}

/// One rendered square, RGBA, rows top to bottom.
#[derive(Debug, Clone)]
pub struct Frame {
    pub side: u32,
    pub rgba: Vec<u8>,
}

type Shared = Rc<RefCell<Option<Frame>>>;

/// Copies the headless surface's buffer (already filled by `HeadlessPlugin`'s copy node)
/// into memory, dropping the row padding.
struct CaptureFrame {
    frame: Shared,
}

impl System for CaptureFrame {
    fn name(&self) -> Cow<'static, str> {
        "london_atlas_capture_frame".into()
    }

    fn run(&mut self, context: &mut MapContext) {
        let renderer = &context.renderer;
        let surface = renderer.resources.surface();
        let Head::Headless(head) = surface.head() else {
            return;
        };
        let (w, h) = (surface.size().width(), surface.size().height());
        let slice = head.map_async(&renderer.device);
        let view = slice.get_mapped_range();
        let padded = head.bytes_per_row().get() as usize;
        let row = w as usize * 4;
        let mut rgba = Vec::with_capacity(row * h as usize);
        for chunk in view.chunks(padded).take(h as usize) {
            rgba.extend_from_slice(&chunk[..row]);
        }
        drop(view);
        head.unmap();
        *self.frame.borrow_mut() = Some(Frame { side: w, rgba });
    }
}

struct CapturePlugin {
    frame: Shared,
}

impl Plugin<HeadlessEnvironment> for CapturePlugin {
    fn build(
        &self,
        schedule: &mut Schedule,
        _kernel: Rc<Kernel<HeadlessEnvironment>>,
        _world: &mut World,
        _graph: &mut RenderGraph,
    ) {
        schedule.add_system_to_stage(
            RenderStageLabel::Cleanup,
            SystemContainer::new(CaptureFrame {
                frame: self.frame.clone(),
            }),
        );
    }
}

/// The renderer's fixed style, from the plan.
fn style_of(plan: &StylePlan) -> Result<Style, GpuError> {
    let layers = plan
        .layers
        .iter()
        .map(|l| {
            let raw = serde_json::json!({
                "id": l.name, "type": "fill", "source": "scene",
                "source_layer": l.name, "paint": { "fill-color": l.colour }
            });
            let mut layer: StyleLayer =
                serde_json::from_value(raw).map_err(|e| GpuError::Failed {
                    doing: format!("building style layer {}", l.name),
                    message: e.to_string(),
                })?;
            layer.index = l.index;
            Ok(layer)
        })
        .collect::<Result<_, _>>()?;
    Ok(Style {
        layers,
        ..Style::default()
    })
}

fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".to_string())
}

/// Which backends to ask wgpu for: Vulkan, or what `WGPU_BACKEND` says.
fn backends() -> Backends {
    let default = WgpuSettings::default().backends;
    if std::env::var_os("WGPU_BACKEND").is_some() {
        default.unwrap_or(Backends::VULKAN)
    } else {
        Backends::VULKAN
    }
}

/// The renderers of one thread.
pub struct Gpu {
    rt: tokio::runtime::Runtime,
    style: Style,
    names: Vec<String>,
    frame: Shared,
    maps: HashMap<u32, HeadlessMap>,
    /// The adapter, e.g. "llvmpipe (LLVM 15.0.6, 256 bits) (Cpu, Vulkan)".
    pub backend: String,
}

impl Gpu {
    /// Opens the device and makes the renderer for `first_side` (the self-test).
    pub fn open(plan: &StylePlan, first_side: u32) -> Result<Gpu, GpuError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| GpuError::Failed {
                doing: "starting its runtime".into(),
                message: e.to_string(),
            })?;
        let mut gpu = Gpu {
            rt,
            style: style_of(plan)?,
            names: plan.layers.iter().map(|l| l.name.clone()).collect(),
            frame: Rc::new(RefCell::new(None)),
            maps: HashMap::new(),
            backend: String::new(),
        };
        let (map, backend) = gpu.new_map(first_side)?;
        gpu.backend = backend;
        gpu.maps.insert(first_side, map);
        Ok(gpu)
    }

    fn new_map(&self, side: u32) -> Result<(HeadlessMap, String), GpuError> {
        let made = catch_unwind(AssertUnwindSafe(|| {
            let size = WindowSize::new(side, side).ok_or_else(|| GpuError::Failed {
                doing: "sizing the surface".into(),
                message: format!("bad side {side}"),
            })?;
            let kernel = KernelBuilder::<HeadlessEnvironment>::new()
                .with_map_window_config(HeadlessMapWindowConfig::new(size))
                .with_http_client(ReqwestHttpClient::new(None))
                .with_apc(SchedulerAsyncProcedureCall::new(TokioScheduler::new()))
                .with_scheduler(TokioScheduler::new())
                .build();
            let window = kernel.map_window_config().create();
            let settings = WgpuSettings {
                backends: Some(backends()),
                ..WgpuSettings::default()
            };
            let renderer = self
                .rt
                .block_on(Renderer::initialize_headless(
                    &window,
                    settings,
                    RendererSettings::default(),
                ))
                .map_err(|e| GpuError::NoDevice(format!("{e:?}")))?;
            let info = renderer.adapter.get_info();
            let backend = format!("{} ({:?}, {:?})", info.name, info.device_type, info.backend);
            let plugins: Vec<Box<dyn Plugin<HeadlessEnvironment>>> = vec![
                Box::new(RenderPlugin),
                Box::new(VectorPlugin::<DefaultVectorTransferables>::default()),
                Box::new(HeadlessPlugin::new(false)),
                Box::new(CapturePlugin {
                    frame: self.frame.clone(),
                }),
            ];
            let map =
                HeadlessMap::new(self.style.clone(), renderer, kernel, plugins).map_err(|e| {
                    GpuError::Failed {
                        doing: format!("making the {side} px renderer"),
                        message: e.to_string(),
                    }
                })?;
            Ok((map, backend))
        }));
        made.unwrap_or_else(|p| Err(GpuError::NoDevice(panic_message(p))))
    }

    /// Draws one MVT tile (layers named as in the plan) on a square of `side` pixels.
    pub fn render(&mut self, side: u32, mvt: Vec<u8>) -> Result<Frame, GpuError> {
        if !self.maps.contains_key(&side) {
            let (map, _) = self.new_map(side)?;
            self.maps.insert(side, map);
        }
        let Gpu {
            rt, names, maps, ..
        } = self;
        let map = maps.get_mut(&side).expect("made above");
        let drawn = catch_unwind(AssertUnwindSafe(|| {
            let layers: Vec<&str> = names.iter().map(String::as_str).collect();
            let tessellated = rt.block_on(map.process_tile(mvt.into_boxed_slice(), &layers));
            map.render_tile(tessellated);
        }));
        if let Err(p) = drawn {
            // The map's state is unknown after a panic: make a fresh one next time.
            self.maps.remove(&side);
            return Err(GpuError::Failed {
                doing: format!("drawing a {side} px frame"),
                message: panic_message(p),
            });
        }
        self.frame
            .borrow_mut()
            .take()
            .ok_or_else(|| GpuError::Failed {
                doing: format!("drawing a {side} px frame"),
                message: "no frame was captured".into(),
            })
    }
}
