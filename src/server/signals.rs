//! SIGINT and SIGTERM trigger a clean shutdown on Linux. The Hermit
//! unikernel has no signals: it stops when its virtual machine does.

use super::Shutdown;

/// Starts a thread that triggers `shutdown` on the first SIGINT or SIGTERM.
#[cfg(target_os = "linux")]
pub fn watch(shutdown: &Shutdown) {
    use signal_hook::consts::{SIGINT, SIGTERM};
    use signal_hook::iterator::Signals;

    let mut signals = match Signals::new([SIGINT, SIGTERM]) {
        Ok(signals) => signals,
        Err(error) => {
            log::error!(
                "cannot install handlers for SIGINT and SIGTERM: {error}; stop the process with SIGKILL"
            );
            return;
        }
    };
    let shutdown = shutdown.clone();
    let spawned = std::thread::Builder::new()
        .name(String::from("signals"))
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                let name = if signal == SIGINT {
                    "SIGINT"
                } else {
                    "SIGTERM"
                };
                log::info!("received {name}, stopping");
                shutdown.trigger();
            }
        });
    if let Err(error) = spawned {
        log::error!("cannot start the signal thread: {error}; stop the process with SIGKILL");
    }
}

/// Does nothing: this platform delivers no signals.
#[cfg(not(target_os = "linux"))]
pub fn watch(_shutdown: &Shutdown) {}
