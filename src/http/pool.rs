//! Bounded work: CPU-heavy request work (polygon queries, selections, downloads, tile builds)
//! runs on a fixed set of worker threads, never on the async workers that answer cached
//! tiles, points and health. At most `workers` heavy jobs run at once (sized to the CPUs) and
//! at most `queue` wait; one more thread is kept for light jobs (tile builds, TileJSON,
//! styles) so they never wait behind heavy ones. A job that cannot be queued is refused at
//! once with 503 and `Retry-After` ([`RETRY_AFTER_SECONDS`]). The threads run at a lower
//! scheduling priority (nice 10) so the async workers keep their latency under load.
//!
//! Each job gets a [`Cancel`]: it is raised when the request's future is dropped (the client
//! went away, the request timed out, the server stopped); a job still queued is then skipped
//! and a running one can stop at its next check.
//!
//! Failure modes: saturated → [`ApiError`] 503; a job that panics → 500 naming the work.

use super::errors::ApiError;
use axum::http::StatusCode;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::Duration;

/// Seconds a refused client is told to wait before trying again.
pub const RETRY_AFTER_SECONDS: u64 = 2;

/// How much work may run and wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolLimits {
    /// Heavy jobs running at once.
    pub workers: usize,
    /// Heavy jobs waiting before new ones are refused (light ones: [`PoolLimits::light_queue`]).
    pub queue: usize,
}

impl Default for PoolLimits {
    /// One heavy job per CPU; a queue of four per CPU.
    fn default() -> PoolLimits {
        let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
        PoolLimits {
            workers: cpus,
            queue: 4 * cpus,
        }
    }
}

impl PoolLimits {
    /// Light jobs allowed to wait: short work (a tile build), so many more than heavy ones —
    /// after a reload every client asks for cold tiles at once.
    pub fn light_queue(&self) -> usize {
        (self.queue * 8).max(256)
    }
}

/// Which lane a job waits in: light jobs are taken first and have a thread of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    Heavy,
    Light,
}

/// Raised when the request that asked for a job has gone; checked by long work.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn new() -> Cancel {
        Cancel::default()
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

const RUNNING: u8 = 1;
const DONE: u8 = 2;
const ABANDONED: u8 = 3;

/// Where a job is (queued, running, done, abandoned); changed only under the queue lock.
#[derive(Default)]
struct Ticket(std::sync::atomic::AtomicU8);

impl Ticket {
    fn get(&self) -> u8 {
        self.0.load(Ordering::SeqCst)
    }

    fn set(&self, state: u8) {
        self.0.store(state, Ordering::SeqCst);
    }
}

struct Job {
    work: Box<dyn FnOnce() + Send>,
    ticket: Arc<Ticket>,
}

/// Dropped with the request's future: raises the job's [`Cancel`] and, if the job is still
/// running and its answer was not taken, abandons it: its slot goes to a new thread (at most
/// `workers` abandoned jobs at once, so CPU stays bounded) and its thread ends when the work
/// returns. One exact geometry operation cannot be interrupted; this is how it is left behind.
struct Abandon {
    inner: Arc<Inner>,
    ticket: Arc<Ticket>,
    lane: Lane,
    cancel: Cancel,
    answered: bool,
}

impl Drop for Abandon {
    fn drop(&mut self) {
        self.cancel.cancel();
        if self.answered {
            return;
        }
        let mut q = self.inner.lock();
        if self.ticket.get() != RUNNING || q.abandoned >= self.inner.limits.workers {
            return;
        }
        self.ticket.set(ABANDONED);
        q.abandoned += 1;
        q.running -= 1;
        if self.lane == Lane::Heavy {
            q.running_heavy -= 1;
        }
        drop(q);
        spawn_worker(self.inner.clone(), "atlas-work-spare");
        self.inner.ready.notify_all();
    }
}

#[derive(Default)]
struct Queues {
    heavy: VecDeque<Job>,
    light: VecDeque<Job>,
    running_heavy: usize,
    running: usize,
    /// Jobs left running by requests that gave up on them.
    abandoned: usize,
    closed: bool,
}

struct Inner {
    limits: PoolLimits,
    queues: Mutex<Queues>,
    ready: Condvar,
    rejected: AtomicU64,
    completed: AtomicU64,
    cancelled: AtomicU64,
}

/// A snapshot of the pool for `/metrics` and readiness.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolStats {
    pub workers: usize,
    pub queue_limit: usize,
    pub queued: usize,
    /// Heavy jobs among those waiting.
    pub queued_heavy: usize,
    pub running: usize,
    /// Jobs still running that their requests gave up on (their threads were replaced).
    pub abandoned: usize,
    pub rejected: u64,
    pub completed: u64,
    pub cancelled: u64,
}

impl PoolStats {
    /// True when a new heavy job would be refused or wait behind a full set of workers.
    pub fn saturated(&self) -> bool {
        self.queued_heavy >= self.queue_limit
    }
}

/// The worker threads and their queues. Dropping the pool lets the threads finish the jobs
/// already queued and end.
pub struct WorkPool {
    inner: Arc<Inner>,
}

impl WorkPool {
    pub fn new(limits: PoolLimits) -> WorkPool {
        let limits = PoolLimits {
            workers: limits.workers.max(1),
            queue: limits.queue,
        };
        let inner = Arc::new(Inner {
            limits,
            queues: Mutex::new(Queues::default()),
            ready: Condvar::new(),
            rejected: AtomicU64::new(0),
            completed: AtomicU64::new(0),
            cancelled: AtomicU64::new(0),
        });
        for _ in 0..=limits.workers {
            spawn_worker(inner.clone(), "atlas-work");
        }
        WorkPool { inner }
    }

    pub fn limits(&self) -> PoolLimits {
        self.inner.limits
    }

    pub fn stats(&self) -> PoolStats {
        let q = self.lock();
        PoolStats {
            workers: self.inner.limits.workers,
            queue_limit: self.inner.limits.queue,
            queued: q.heavy.len() + q.light.len(),
            queued_heavy: q.heavy.len(),
            running: q.running,
            abandoned: q.abandoned,
            rejected: self.inner.rejected.load(Ordering::Relaxed),
            completed: self.inner.completed.load(Ordering::Relaxed),
            cancelled: self.inner.cancelled.load(Ordering::Relaxed),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queues> {
        self.inner.lock()
    }

    /// Queues a job, or refuses it when its lane's queue is full.
    fn submit(&self, lane: Lane, job: Job) -> bool {
        let mut q = self.lock();
        let (queue, limit) = match lane {
            Lane::Heavy => (&mut q.heavy, self.inner.limits.queue),
            Lane::Light => (&mut q.light, self.inner.limits.light_queue()),
        };
        if queue.len() >= limit {
            self.inner.rejected.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        queue.push_back(job);
        drop(q);
        self.inner.ready.notify_all();
        true
    }

    /// Runs `work` on the pool and waits for its answer. `what` names the work in errors.
    /// Dropping the returned future raises the job's [`Cancel`] (and abandons it if running).
    pub async fn run<T: Send + 'static>(
        &self,
        lane: Lane,
        what: &str,
        work: impl FnOnce(&Cancel) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let out = self.run_inner(lane, what, None, work).await?;
        out.ok_or_else(|| failed(what))
    }

    /// [`WorkPool::run`] that gives up once the job has *run* (not waited) for `limit`:
    /// `Ok(None)`, the job abandoned (see [`Abandon`]).
    pub async fn run_within<T: Send + 'static>(
        &self,
        lane: Lane,
        what: &str,
        limit: Duration,
        work: impl FnOnce(&Cancel) -> T + Send + 'static,
    ) -> Result<Option<T>, ApiError> {
        self.run_inner(lane, what, Some(limit), work).await
    }

    async fn run_inner<T: Send + 'static>(
        &self,
        lane: Lane,
        what: &str,
        limit: Option<Duration>,
        work: impl FnOnce(&Cancel) -> T + Send + 'static,
    ) -> Result<Option<T>, ApiError> {
        let cancel = Cancel::new();
        let (tx, rx) = tokio::sync::oneshot::channel();
        let (started_tx, started_rx) = tokio::sync::oneshot::channel::<()>();
        let job_cancel = cancel.clone();
        let inner = self.inner.clone();
        let ticket = Arc::new(Ticket::default());
        let job = Job {
            work: Box::new(move || {
                if job_cancel.is_cancelled() {
                    inner.cancelled.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                let _ = started_tx.send(());
                let out =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&job_cancel)));
                if job_cancel.is_cancelled() {
                    inner.cancelled.fetch_add(1, Ordering::Relaxed);
                }
                let _ = tx.send(out);
            }),
            ticket: ticket.clone(),
        };
        if !self.submit(lane, job) {
            return Err(saturated(what));
        }
        let mut guard = Abandon {
            inner: self.inner.clone(),
            ticket,
            lane,
            cancel,
            answered: false,
        };
        let out = match limit {
            None => rx.await,
            Some(limit) => {
                if started_rx.await.is_err() {
                    return Err(failed(what));
                }
                match tokio::time::timeout(limit, rx).await {
                    Ok(out) => out,
                    Err(_) => return Ok(None), // the guard abandons the job
                }
            }
        };
        guard.answered = true;
        match out {
            Ok(Ok(v)) => Ok(Some(v)),
            _ => Err(failed(what)),
        }
    }
}

impl Drop for WorkPool {
    fn drop(&mut self) {
        self.lock().closed = true;
        self.inner.ready.notify_all();
    }
}

fn failed(what: &str) -> ApiError {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("the {what} failed"),
    )
}

/// The 503 sentence of a full pool (the `Retry-After` header is added by the server).
pub fn saturated(what: &str) -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        format!(
            "the server is busy with other heavy requests and cannot start this {what} now; \
             try again in {RETRY_AFTER_SECONDS} s"
        ),
    )
}

fn spawn_worker(inner: Arc<Inner>, name: &str) {
    let spawned = std::thread::Builder::new()
        .name(name.to_string())
        .spawn(move || work_loop(&inner));
    if let Err(e) = spawned {
        tracing::error!("cannot start a work thread: {e}");
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, Queues> {
        self.queues.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn work_loop(inner: &Inner) {
    lower_priority();
    loop {
        let (job, lane) = {
            let mut q = inner.queues.lock().unwrap_or_else(|p| p.into_inner());
            loop {
                if let Some(j) = q.light.pop_front() {
                    q.running += 1;
                    j.ticket.set(RUNNING);
                    break (j, Lane::Light);
                }
                if q.running_heavy < inner.limits.workers {
                    if let Some(j) = q.heavy.pop_front() {
                        q.running_heavy += 1;
                        q.running += 1;
                        j.ticket.set(RUNNING);
                        break (j, Lane::Heavy);
                    }
                }
                if q.closed && q.light.is_empty() && q.heavy.is_empty() {
                    return;
                }
                q = inner.ready.wait(q).unwrap_or_else(|p| p.into_inner());
            }
        };
        let Job { work, ticket } = job;
        work();
        inner.completed.fetch_add(1, Ordering::Relaxed);
        let mut q = inner.lock();
        if ticket.get() == ABANDONED {
            // A spare thread took this one's place when the job was abandoned.
            q.abandoned -= 1;
            drop(q);
            inner.ready.notify_all();
            return;
        }
        ticket.set(DONE);
        q.running -= 1;
        if lane == Lane::Heavy {
            q.running_heavy -= 1;
        }
        drop(q);
        inner.ready.notify_all();
    }
}

/// Nice 10 for the calling thread (Linux applies `setpriority` per thread).
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority only reads its integer arguments; who = 0 is the calling thread.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 10);
    }
}

/// CPU time the calling thread has used (Linux: `CLOCK_THREAD_CPUTIME_ID`; elsewhere wall
/// time since the first call), for budgets of CPU work rather than of waiting.
pub fn thread_cpu_time() -> Duration {
    #[cfg(target_os = "linux")]
    {
        let mut t = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: clock_gettime writes one timespec we own.
        if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) } == 0 {
            return Duration::new(t.tv_sec as u64, t.tv_nsec as u32);
        }
    }
    static START: OnceLock<std::time::Instant> = OnceLock::new();
    START.get_or_init(std::time::Instant::now).elapsed()
}

/// A budget of the calling thread's CPU time, started now.
#[derive(Debug, Clone, Copy)]
pub struct CpuBudget {
    until: Duration,
}

impl CpuBudget {
    pub fn start(budget: Duration) -> CpuBudget {
        CpuBudget {
            until: thread_cpu_time() + budget,
        }
    }

    /// True while the thread has used less than the budget.
    pub fn left(&self) -> bool {
        thread_cpu_time() < self.until
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    /// A heavy job that holds its worker until `release` is dropped or sent to.
    fn hold(
        pool: &Arc<WorkPool>,
    ) -> (
        tokio::task::JoinHandle<Result<(), ApiError>>,
        mpsc::Sender<()>,
    ) {
        let (tx, rx) = mpsc::channel::<()>();
        let p = pool.clone();
        let h = tokio::spawn(async move {
            p.run(Lane::Heavy, "held job", move |_| {
                let _ = rx.recv();
            })
            .await
        });
        (h, tx)
    }

    async fn until(mut check: impl FnMut() -> bool) {
        while !check() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_queue_refuses_with_503_and_light_work_still_runs() {
        let pool = Arc::new(WorkPool::new(PoolLimits {
            workers: 1,
            queue: 1,
        }));
        let (running, release_running) = hold(&pool);
        until(|| pool.stats().running == 1).await;
        let (waiting, release_waiting) = hold(&pool);
        until(|| pool.stats().queued == 1).await;
        let refused = pool
            .run(Lane::Heavy, "third job", |_| 3)
            .await
            .expect_err("the queue is full");
        assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(refused.message.contains("third job"), "{}", refused.message);
        assert!(pool.stats().saturated());
        // The light lane has a thread of its own: it answers while heavy work holds the pool.
        assert_eq!(
            pool.run(Lane::Light, "tile", |_| 7).await.expect("light"),
            7
        );
        drop(release_running);
        drop(release_waiting);
        running.await.expect("task").expect("ran");
        waiting.await.expect("task").expect("ran");
        assert_eq!(pool.stats().rejected, 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_job_that_runs_too_long_is_abandoned_and_its_slot_reused() {
        let pool = Arc::new(WorkPool::new(PoolLimits {
            workers: 1,
            queue: 1,
        }));
        // Work that ignores its Cancel (as one exact intersection does) until released.
        let (release, stuck) = mpsc::channel::<()>();
        let out = pool
            .run_within(
                Lane::Heavy,
                "stuck job",
                Duration::from_millis(50),
                move |_| {
                    let _ = stuck.recv();
                },
            )
            .await
            .expect("not refused");
        assert!(out.is_none(), "given up on");
        assert_eq!(pool.stats().abandoned, 1);
        assert_eq!(pool.stats().running, 0);
        // The one heavy slot is free again while the stuck thread still runs.
        let got = pool
            .run_within(Lane::Heavy, "next job", Duration::from_secs(600), |_| 5)
            .await
            .expect("ran");
        assert_eq!(got, Some(5));
        drop(release);
        until(|| pool.stats().abandoned == 0).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_job_whose_client_left_is_cancelled_or_skipped() {
        let pool = Arc::new(WorkPool::new(PoolLimits {
            workers: 1,
            queue: 4,
        }));
        let (running, release) = hold(&pool);
        until(|| pool.stats().running == 1).await;
        let ran = Arc::new(AtomicBool::new(false));
        let r = ran.clone();
        let p = pool.clone();
        let queued = tokio::spawn(async move {
            p.run(Lane::Heavy, "queued job", move |_| {
                r.store(true, Ordering::SeqCst)
            })
            .await
        });
        until(|| pool.stats().queued == 1).await;
        queued.abort(); // the client goes away while its job waits
        let _ = queued.await;
        drop(release);
        running.await.expect("task").expect("ran");
        until(|| pool.stats().queued == 0 && pool.stats().running == 0).await;
        assert!(
            !ran.load(Ordering::SeqCst),
            "a job nobody waits for is skipped"
        );
        assert_eq!(pool.stats().cancelled, 1);
        // A running job sees its Cancel raised when its future is dropped.
        let seen = Arc::new(AtomicBool::new(false));
        let s = seen.clone();
        let p = pool.clone();
        let long = tokio::spawn(async move {
            p.run(Lane::Heavy, "long job", move |c| {
                while !c.is_cancelled() {
                    std::thread::sleep(Duration::from_millis(2));
                }
                s.store(true, Ordering::SeqCst);
            })
            .await
        });
        until(|| pool.stats().running == 1).await;
        long.abort();
        until(|| seen.load(Ordering::SeqCst)).await;
    }
}
