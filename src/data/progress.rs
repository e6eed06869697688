//! How a transfer reports itself: a progress bar with bytes and rate on a terminal
//! (indicatif), plain lines every tenth of the way otherwise (logs, CI), or nothing.

use indicatif::{HumanBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Instant;

/// Where progress and status lines go (always standard error).
pub enum Progress {
    Bar(Option<ProgressBar>),
    Lines(Option<Transfer>),
    Quiet,
}

/// A transfer reported as lines.
pub struct Transfer {
    total: Option<u64>,
    /// Bytes already there when it started (a resumed download).
    start: u64,
    done: u64,
    next_line: u64,
    started: Instant,
}

impl Progress {
    /// A bar when standard error is a terminal, lines otherwise.
    pub fn stderr() -> Progress {
        if std::io::stderr().is_terminal() {
            Progress::Bar(None)
        } else {
            Progress::Lines(None)
        }
    }

    /// A status line (printed above the bar, if one is drawn).
    pub fn say(&mut self, line: &str) {
        match self {
            Progress::Bar(Some(bar)) => bar.println(line),
            Progress::Bar(None) | Progress::Lines(_) => eprintln!("{line}"),
            Progress::Quiet => {}
        }
    }

    /// A transfer of `total` bytes (if known) begins, `done` of them already there.
    pub fn start(&mut self, total: Option<u64>, done: u64) {
        match self {
            Progress::Bar(bar) => {
                let b = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
                let template = if total.is_some() {
                    "{bar:40.cyan/blue} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}"
                } else {
                    "{spinner} {bytes} {bytes_per_sec}"
                };
                if let Ok(style) = ProgressStyle::with_template(template) {
                    b.set_style(style.progress_chars("=> "));
                }
                b.set_position(done);
                b.reset_eta();
                *bar = Some(b);
            }
            Progress::Lines(t) => {
                *t = Some(Transfer {
                    total,
                    start: done,
                    done,
                    next_line: done + step(total),
                    started: Instant::now(),
                });
            }
            Progress::Quiet => {}
        }
    }

    pub fn advance(&mut self, bytes: u64) {
        match self {
            Progress::Bar(Some(bar)) => bar.inc(bytes),
            Progress::Lines(Some(t)) => {
                t.done += bytes;
                if t.done >= t.next_line && Some(t.done) != t.total {
                    eprintln!("  {}", t.line());
                    t.next_line = t.done + step(t.total);
                }
            }
            _ => {}
        }
    }

    /// The transfer ended (complete or not).
    pub fn finish(&mut self) {
        match self {
            Progress::Bar(bar) => {
                if let Some(b) = bar.take() {
                    b.finish_and_clear();
                }
            }
            Progress::Lines(t) => {
                if let Some(t) = t.take() {
                    eprintln!("  {}", t.line());
                }
            }
            Progress::Quiet => {}
        }
    }
}

impl Transfer {
    fn line(&self) -> String {
        let seconds = self.started.elapsed().as_secs_f64().max(1e-3);
        let rate = ((self.done - self.start) as f64 / seconds) as u64;
        match self.total {
            Some(total) => format!(
                "{} of {} ({} %), {}/s",
                HumanBytes(self.done),
                HumanBytes(total),
                self.done * 100 / total.max(1),
                HumanBytes(rate)
            ),
            None => format!("{}, {}/s", HumanBytes(self.done), HumanBytes(rate)),
        }
    }
}

/// Bytes between two lines: a tenth of the total, or 8 MiB when the total is unknown.
fn step(total: Option<u64>) -> u64 {
    total.map(|t| (t / 10).max(1)).unwrap_or(8 << 20)
}
