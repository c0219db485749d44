//! A shutdown signal shared by every thread of the collector.

use std::sync::{Arc, Condvar, Mutex, PoisonError};

type Waker = Box<dyn Fn() + Send>;

/// A one-way switch from running to stopping.
///
/// Receive loops check [`Shutdown::is_triggered`] between blocking calls.
/// A loop whose call can block indefinitely (a TCP `accept`) also registers
/// a waker with [`Shutdown::on_trigger`] that unblocks it, for example by
/// connecting to its own listener.
#[derive(Clone, Default)]
pub struct Shutdown {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    triggered: Mutex<bool>,
    changed: Condvar,
    wakers: Mutex<Vec<Waker>>,
}

impl Shutdown {
    pub fn new() -> Shutdown {
        Shutdown::default()
    }

    /// Starts the shutdown: wakes every waiting thread and runs each
    /// registered waker once. Later calls do nothing.
    pub fn trigger(&self) {
        {
            let mut triggered = self
                .inner
                .triggered
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if *triggered {
                return;
            }
            *triggered = true;
            self.inner.changed.notify_all();
        }
        self.run_wakers();
    }

    pub fn is_triggered(&self) -> bool {
        *self
            .inner
            .triggered
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Blocks until [`Shutdown::trigger`] is called.
    pub fn wait(&self) {
        let mut triggered = self
            .inner
            .triggered
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        while !*triggered {
            triggered = self
                .inner
                .changed
                .wait(triggered)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Registers `wake` to run on trigger, or runs it now when the
    /// shutdown already started.
    pub fn on_trigger(&self, wake: impl Fn() + Send + 'static) {
        if self.is_triggered() {
            wake();
            return;
        }
        self.inner
            .wakers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Box::new(wake));
        // A trigger between the check and the push took the list before
        // this waker was in it.
        if self.is_triggered() {
            self.run_wakers();
        }
    }

    /// Takes the registered wakers out of the list and runs each once.
    fn run_wakers(&self) {
        let wakers = std::mem::take(
            &mut *self
                .inner
                .wakers
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        for wake in wakers {
            wake();
        }
    }
}
