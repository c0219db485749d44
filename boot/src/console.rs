//! Output on the first serial port (COM1, I/O port 0x3F8), the same port
//! the kernel writes to, plus a `log` backend and the panic handler.

use core::arch::asm;
use core::fmt::{self, Write};

/// I/O port base of COM1.
pub const COM1: u16 = 0x3F8;

/// Writes bytes to COM1, waiting for the transmit holding register.
pub struct Serial;

impl Serial {
    fn write_byte(byte: u8) {
        // Bit 5 of the line status register: transmit holding register empty.
        while inb(COM1 + 5) & 0x20 == 0 {
            core::hint::spin_loop();
        }
        outb(COM1, byte);
    }
}

impl Write for Serial {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for byte in s.bytes() {
            if byte == b'\n' {
                Self::write_byte(b'\r');
            }
            Self::write_byte(byte);
        }
        Ok(())
    }
}

fn outb(port: u16, value: u8) {
    // SAFETY: COM1 writes have no effect on memory.
    unsafe { asm!("out dx, al", in("dx") port, in("al") value, options(nomem, nostack)) };
}

fn inb(port: u16) -> u8 {
    let value: u8;
    // SAFETY: reading the COM1 line status has no side effect on memory.
    unsafe { asm!("in al, dx", out("al") value, in("dx") port, options(nomem, nostack)) };
    value
}

/// Prints a line prefixed with `logkeep-boot:`.
#[macro_export]
macro_rules! println {
    ($($arg:tt)*) => {{
        use core::fmt::Write as _;
        let _ = writeln!($crate::console::Serial, "logkeep-boot: {}", format_args!($($arg)*));
    }};
}

/// Forwards warnings and errors of `hermit-entry` to the console.
struct SerialLogger;

impl log::Log for SerialLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Warn
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            crate::println!("{}: {}", record.level(), record.args());
        }
    }

    fn flush(&self) {}
}

static LOGGER: SerialLogger = SerialLogger;

/// Installs the console logger.
pub fn init_logger() {
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(log::LevelFilter::Warn);
    }
}

/// Stops the machine after a fatal error: QEMU's `isa-debug-exit` device
/// (port 0xF4, when present) ends QEMU with status 3, and otherwise the CPU
/// halts forever so the message stays on the console.
pub fn halt() -> ! {
    outb(0xF4, 1);
    loop {
        // SAFETY: `cli; hlt` only stops this CPU.
        unsafe { asm!("cli", "hlt", options(nomem, nostack)) };
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    crate::println!("fatal: {info}");
    halt()
}
