//! A minimal `log` backend: one line per record on stderr.
//!
//! env_logger would pull in terminal detection that does not build for
//! Hermit, and the collector needs only a level filter and a timestamp.

use std::io::Write;

use log::{LevelFilter, Log, Metadata, Record};

struct StderrLogger {
    level: LevelFilter,
}

impl Log for StderrLogger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= self.level
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ");
        let mut stderr = std::io::stderr().lock();
        // A log line that cannot be written has nowhere else to go.
        let _ = writeln!(stderr, "{now} {:<5} {}", record.level(), record.args());
    }

    fn flush(&self) {
        let _ = std::io::stderr().flush();
    }
}

/// Installs the logger. `level` is a `log` level name (`error` … `trace`,
/// or `off`); an unknown name falls back to `info` with a warning.
pub fn init(level: &str) {
    let parsed = level.parse::<LevelFilter>();
    let filter = *parsed.as_ref().unwrap_or(&LevelFilter::Info);
    let logger = Box::new(StderrLogger { level: filter });
    if log::set_boxed_logger(logger).is_ok() {
        log::set_max_level(filter);
    }
    if parsed.is_err() {
        log::warn!(
            "invalid log level {level:?}, using info (expected error, warn, info, debug, trace or off)"
        );
    }
}
