//! The renderer thread: opens the device, draws a self-test square and checks its colour,
//! then draws jobs from a bounded queue one at a time and sends each frame back.
//!
//! Failure modes: a missing font or device makes the status `Unavailable` (with the reason)
//! and every later job is answered with it; a full queue is `Busy`, a frame later than
//! [`BUDGET`] is `TimedOut`.

use super::compose::{load_font, parse_hex};
use super::gpu::{Frame, Gpu, GpuError};
use super::scene::{Scene, StylePlan};
use super::{RenderError, Status, BUDGET, QUEUE};
use ab_glyph::FontArc;
use std::path::Path;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Condvar, Mutex};

/// Side of the self-test frame (the smallest renderer, also kept for small maps).
const SELF_TEST_SIDE: u32 = 256;

struct Job {
    side: u32,
    mvt: Vec<u8>,
    reply: mpsc::Sender<Result<Frame, GpuError>>,
}

type Shared = Arc<(Mutex<Status>, Condvar)>;

fn set(status: &Shared, s: Status) {
    let (lock, cvar) = &**status;
    *lock.lock().unwrap_or_else(|p| p.into_inner()) = s;
    cvar.notify_all();
}

#[derive(Debug)]
pub(super) struct Worker {
    jobs: SyncSender<Job>,
    status: Shared,
    font: Option<FontArc>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Job({} px, {} bytes)", self.side, self.mvt.len())
    }
}

impl Worker {
    /// Reads the font and starts the thread (unless the font is missing).
    pub(super) fn spawn(plan: StylePlan, font_path: &Path) -> Worker {
        let (jobs, rx) = mpsc::sync_channel::<Job>(QUEUE);
        let status: Shared = Arc::new((Mutex::new(Status::Starting), Condvar::new()));
        let font = match load_font(font_path) {
            Ok(f) => f,
            Err(why) => {
                tracing::warn!("map images unavailable: {why}");
                set(&status, Status::Unavailable(why));
                return Worker {
                    jobs,
                    status,
                    font: None,
                };
            }
        };
        let st = status.clone();
        let spawned = std::thread::Builder::new()
            .name("map-renderer".into())
            .spawn(move || run(plan, rx, st));
        if let Err(e) = spawned {
            set(
                &status,
                Status::Unavailable(format!("cannot start the renderer thread: {e}")),
            );
        }
        Worker {
            jobs,
            status,
            font: Some(font),
        }
    }

    pub(super) fn status(&self) -> Status {
        self.status
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The status once the self-test is over (or [`BUDGET`] has passed).
    pub(super) fn wait_ready(&self) -> Status {
        let (lock, cvar) = &*self.status;
        let guard = lock.lock().unwrap_or_else(|p| p.into_inner());
        let (guard, _) = cvar
            .wait_timeout_while(guard, BUDGET, |s| *s == Status::Starting)
            .unwrap_or_else(|p| p.into_inner());
        guard.clone()
    }

    pub(super) fn font(&self) -> &FontArc {
        self.font
            .as_ref()
            .expect("a worker without a font is never Ready")
    }

    fn unavailable(&self) -> RenderError {
        match self.status() {
            Status::Unavailable(why) => RenderError::Unavailable(why),
            s => RenderError::Failed(format!("the renderer stopped ({s:?})")),
        }
    }

    /// Queues a frame and waits for it.
    pub(super) fn draw(&self, side: u32, mvt: Vec<u8>) -> Result<Frame, RenderError> {
        let (reply, answer) = mpsc::channel();
        match self.jobs.try_send(Job { side, mvt, reply }) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => return Err(RenderError::Busy),
            Err(TrySendError::Disconnected(_)) => return Err(self.unavailable()),
        }
        match answer.recv_timeout(BUDGET) {
            Ok(Ok(frame)) => Ok(frame),
            Ok(Err(e @ GpuError::NoDevice(_))) => Err(RenderError::Unavailable(e.to_string())),
            Ok(Err(e)) => Err(RenderError::Failed(e.to_string())),
            Err(RecvTimeoutError::Timeout) => Err(RenderError::TimedOut),
            Err(RecvTimeoutError::Disconnected) => Err(self.unavailable()),
        }
    }
}

/// Draws a square of the plan's first colour in the middle of a frame and checks the
/// middle pixel has that colour.
fn self_test(gpu: &mut Gpu, plan: &StylePlan) -> Result<(), String> {
    let first = plan.layers.first().ok_or("the style has no layer")?;
    let mut scene = Scene::default();
    scene.layers.insert(
        first.name.clone(),
        vec![vec![vec![vec![
            [1024, 1024],
            [3072, 1024],
            [3072, 3072],
            [1024, 3072],
        ]]]],
    );
    let mvt = scene.encode().map_err(|e| e.to_string())?;
    let frame = gpu.render(SELF_TEST_SIDE, mvt).map_err(|e| e.to_string())?;
    let mid = ((SELF_TEST_SIDE / 2 * SELF_TEST_SIDE + SELF_TEST_SIDE / 2) * 4) as usize;
    let got = &frame.rgba[mid..mid + 3];
    let want = parse_hex(&first.colour).ok_or("bad colour in the style")?;
    if got != want {
        return Err(format!(
            "the self-test drew {got:?} where {} ({want:?}) was expected",
            first.colour
        ));
    }
    Ok(())
}

fn run(plan: StylePlan, jobs: Receiver<Job>, status: Shared) {
    let started = std::time::Instant::now();
    let mut gpu = match Gpu::open(&plan, SELF_TEST_SIDE) {
        Ok(g) => g,
        Err(e) => {
            tracing::warn!("map images unavailable: {e}");
            set(&status, Status::Unavailable(e.to_string()));
            return;
        }
    };
    if let Err(why) = self_test(&mut gpu, &plan) {
        tracing::warn!("map images unavailable: {why}");
        set(&status, Status::Unavailable(why));
        return;
    }
    tracing::info!(
        backend = %gpu.backend,
        seconds = started.elapsed().as_secs_f64(),
        "map renderer ready"
    );
    set(
        &status,
        Status::Ready {
            backend: gpu.backend.clone(),
        },
    );
    for job in jobs {
        let t = std::time::Instant::now();
        let (side, bytes) = (job.side, job.mvt.len());
        let drawn = gpu.render(side, job.mvt);
        tracing::debug!(
            side,
            bytes,
            ms = t.elapsed().as_secs_f64() * 1e3,
            "map frame drawn"
        );
        let _ = job.reply.send(drawn);
    }
}
