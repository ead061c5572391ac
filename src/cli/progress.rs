//! A progress line on standard error for long scans: shown only when standard error is a
//! terminal and the scan has run for a moment, rewritten in place, and erased at the end.
//!
//! Reading reports per file; evaluation is one call, so a small thread shows "checking N
//! documents" once the delay has passed, until the scan is done. When a report is written to
//! standard output while the scan runs, the line is erased as evaluation starts instead, so it
//! never mixes with the report.

use std::io::{IsTerminal as _, Write as _};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Scans shorter than this show nothing.
const DELAY: Duration = Duration::from_millis(400);
/// The line is rewritten at most this often.
const EVERY: Duration = Duration::from_millis(100);

pub(crate) struct Progress {
    enabled: bool,
    start: Instant,
    last: Option<Instant>,
    ticker: Option<(mpsc::Sender<()>, JoinHandle<()>)>,
}

fn show(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "\r\x1b[2Kfourc: {text}");
    let _ = err.flush();
}

fn clear() {
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "\r\x1b[2K");
    let _ = err.flush();
}

impl Progress {
    pub(crate) fn new() -> Self {
        Progress {
            enabled: std::io::stderr().is_terminal(),
            start: Instant::now(),
            last: None,
            ticker: None,
        }
    }

    pub(crate) fn update(&mut self, p: fourc::Progress) {
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        match p {
            fourc::Progress::Loading { done, total } => {
                if now.duration_since(self.start) < DELAY
                    || self.last.is_some_and(|l| now.duration_since(l) < EVERY)
                {
                    return;
                }
                show(&format!("reading files: {done}/{total}"));
                self.last = Some(now);
            }
            fourc::Progress::Evaluating { documents } => {
                let wait = DELAY.saturating_sub(now.duration_since(self.start));
                let (tx, rx) = mpsc::channel::<()>();
                let handle = std::thread::spawn(move || {
                    if let Err(mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(wait) {
                        show(&format!("checking {documents} documents"));
                        let _ = rx.recv();
                        clear();
                    }
                });
                self.ticker = Some((tx, handle));
            }
            _ => {}
        }
    }

    /// Stops the ticker and erases the line, if one was shown.
    pub(crate) fn finish(&mut self) {
        match self.ticker.take() {
            Some((tx, handle)) => {
                let _ = tx.send(());
                let _ = handle.join();
                if self.last.is_some() {
                    clear();
                }
            }
            None if self.last.is_some() => clear(),
            None => {}
        }
        self.last = None;
    }
}
