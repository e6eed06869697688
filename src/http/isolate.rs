//! One computation that cannot stop itself (an exact polygon overlay: i_overlay offers no way
//! to interrupt one boolean operation, and a 19,000-vertex star spends over 90 s in one) run
//! in a forked child process, so that it can really be stopped. The child shares the parent's
//! memory copy-on-write (the atlas is not loaded again), computes, writes the answer's bytes
//! to a pipe and leaves with `_exit`. The parent reads the pipe, and kills the child (SIGKILL)
//! once its CPU time passes the budget or the request's [`Cancel`] is raised (the client
//! left, the request timed out, the server stops); the CPU is then given back at once.
//!
//! The child runs only the closure: no locks other threads may hold are touched (glibc
//! keeps `malloc` usable across `fork`), nothing is logged, no destructor or exit handler
//! runs, and it dies with the parent (`PR_SET_PDEATHSIG`).
//!
//! Failure modes ([`Isolated`]): over budget (CPU time past the budget, or wall-clock time
//! past four budgets: a starved child, or one stuck on a lock another thread held when it
//! was forked), cancelled, or the child failed (it panicked, was killed from outside, or
//! `fork`/`pipe` failed, with the OS error).

use super::errors::ApiError;
use super::pool::Cancel;
use axum::http::StatusCode;
use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd};
use std::time::Duration;

/// What became of an isolated computation.
#[derive(Debug)]
pub enum Isolated {
    /// Its answer: the closure's bytes, or its error.
    Done(Result<Vec<u8>, ApiError>),
    /// Killed after `budget` of CPU time.
    OverBudget,
    /// Killed because the request was cancelled.
    Cancelled,
    /// The child could not be started or did not finish (a sentence saying why).
    Failed(String),
}

/// How often the parent looks at the child's CPU time and the cancel flag.
const TICK_MS: i32 = 20;

/// Wall-clock time a child may take, in CPU budgets.
const WALL_FACTOR: u32 = 4;

/// Runs `work` in a forked child with `budget` of CPU time (see the module docs).
pub fn run_isolated(
    budget: Duration,
    cancel: &Cancel,
    work: impl FnOnce() -> Result<Vec<u8>, ApiError>,
) -> Isolated {
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two descriptors into the array we own.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Isolated::Failed(format!("pipe: {}", std::io::Error::last_os_error()));
    }
    // SAFETY: both descriptors were just created and are owned here alone.
    let (read_end, write_end) =
        unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // SAFETY: the child only runs `child` below, which ends in `_exit`.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Isolated::Failed(format!("fork: {}", std::io::Error::last_os_error()));
    }
    if pid == 0 {
        drop(read_end);
        child(write_end, work);
    }
    drop(write_end);
    watch(pid, read_end, budget, cancel)
}

/// The child's whole life: compute, write `O` + bytes or `E` + status + sentence, `_exit`.
fn child(out: OwnedFd, work: impl FnOnce() -> Result<Vec<u8>, ApiError>) -> ! {
    // SAFETY: prctl with PR_SET_PDEATHSIG only sets a flag on this process.
    unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
    let answer = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
    let mut message = Vec::new();
    let code = match answer {
        Ok(Ok(bytes)) => {
            message.push(b'O');
            message.extend_from_slice(&bytes);
            0
        }
        Ok(Err(e)) => {
            message.push(b'E');
            message.extend_from_slice(&e.status.as_u16().to_be_bytes());
            message.extend_from_slice(e.message.as_bytes());
            0
        }
        Err(_) => 101,
    };
    let mut file = std::fs::File::from(out);
    let written = std::io::Write::write_all(&mut file, &message).is_ok();
    // SAFETY: _exit ends the process without running anything else.
    unsafe { libc::_exit(if written { code } else { 102 }) }
}

/// The parent: reads the child's answer, killing it past the budget or on cancel.
fn watch(pid: libc::pid_t, pipe: OwnedFd, budget: Duration, cancel: &Cancel) -> Isolated {
    let mut clock: libc::clockid_t = 0;
    // SAFETY: writes one clockid we own; the child is ours and not yet reaped.
    let have_clock = unsafe { libc::clock_getcpuclockid(pid, &mut clock) } == 0;
    let mut file = std::fs::File::from(pipe);
    let mut bytes = Vec::new();
    let mut chunk = vec![0u8; 1 << 16];
    let started = std::time::Instant::now();
    let stop = loop {
        let mut pfd = libc::pollfd {
            fd: std::os::fd::AsRawFd::as_raw_fd(&file),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: polls one descriptor we own for TICK_MS.
        let ready = unsafe { libc::poll(&mut pfd, 1, TICK_MS) };
        if ready > 0 {
            match file.read(&mut chunk) {
                Ok(0) => break None,
                Ok(n) => bytes.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => break Some(Isolated::Failed(format!("reading the answer: {e}"))),
            }
        }
        if cancel.is_cancelled() {
            break Some(Isolated::Cancelled);
        }
        // A child that uses no CPU yet does not finish (starved, or stuck on a lock another
        // thread held at the fork) is stopped by the clock.
        if started.elapsed() > budget * WALL_FACTOR {
            break Some(Isolated::OverBudget);
        }
        if have_clock && cpu_time(clock).is_some_and(|t| t > budget) {
            break Some(Isolated::OverBudget);
        }
    };
    if stop.is_some() {
        // SAFETY: the child is ours and not yet reaped, so the pid is still its.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
    let mut status = 0;
    // SAFETY: reaps our own child.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    if let Some(s) = stop {
        return s;
    }
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        return Isolated::Failed(format!(
            "the computation stopped abnormally (status {status})"
        ));
    }
    decode(bytes)
}

fn cpu_time(clock: libc::clockid_t) -> Option<Duration> {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec we own.
    (unsafe { libc::clock_gettime(clock, &mut t) } == 0)
        .then(|| Duration::new(t.tv_sec as u64, t.tv_nsec as u32))
}

fn decode(bytes: Vec<u8>) -> Isolated {
    match bytes.split_first() {
        Some((b'O', rest)) => Isolated::Done(Ok(rest.to_vec())),
        Some((b'E', rest)) if rest.len() >= 2 => {
            let status = StatusCode::from_u16(u16::from_be_bytes([rest[0], rest[1]]))
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let message = String::from_utf8_lossy(&rest[2..]).into_owned();
            Isolated::Done(Err(ApiError::new(status, message)))
        }
        _ => Isolated::Failed("the computation's answer was cut short".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_errors_budgets_and_cancels_come_back() {
        let never = Cancel::new();
        match run_isolated(Duration::from_secs(5), &never, || Ok(vec![7u8; 200_000])) {
            Isolated::Done(Ok(b)) => assert_eq!(b, vec![7u8; 200_000]),
            other => panic!("{other:?}"),
        }
        match run_isolated(Duration::from_secs(5), &never, || {
            Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "too odd"))
        }) {
            Isolated::Done(Err(e)) => {
                assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
                assert_eq!(e.message, "too odd");
            }
            other => panic!("{other:?}"),
        }
        // A loop that never ends is killed after its CPU budget.
        let spin = || -> Result<Vec<u8>, ApiError> {
            let mut x = 0u64;
            loop {
                x = std::hint::black_box(x.wrapping_add(1));
            }
        };
        assert!(matches!(
            run_isolated(Duration::from_millis(200), &never, spin),
            Isolated::OverBudget
        ));
        let cancelled = Cancel::new();
        cancelled.cancel();
        assert!(matches!(
            run_isolated(Duration::from_secs(60), &cancelled, spin),
            Isolated::Cancelled
        ));
        // A panic is never an answer: the child dies (or, if another thread of this test
        // binary was panicking when it forked, its panic hook waits and the clock stops it).
        let boom = run_isolated(Duration::from_secs(2), &never, || panic!("boom"));
        assert!(
            matches!(boom, Isolated::Failed(_) | Isolated::OverBudget),
            "{boom:?}"
        );
    }
}
