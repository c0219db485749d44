//! logkeep-boot: a PVH loader that starts the Hermit kernel linked into
//! the logkeep program.
//!
//! The program (kernel and application in one static-PIE ELF) is embedded
//! at build time. At boot the loader reads the hypervisor's start info and
//! relocates the program to the first 2 MiB boundary above itself. It then
//! builds the flattened device tree the kernel reads (memory, command line,
//! ACPI RSDP) and jumps to the kernel entry with the boot info in `rdi`.
//!
//! Everything the kernel must find after the jump (page tables, device
//! tree, boot info, stack) lies below the kernel image, because the kernel
//! treats RAM below its own image as reserved and hands out the rest.
#![no_std]
#![no_main]

extern crate alloc;

mod console;
mod device_tree;
mod entry;
mod heap;
mod pvh;

use core::arch::asm;
use core::cell::UnsafeCell;
use core::mem::MaybeUninit;
use core::num::NonZeroU16;

use hermit_entry::boot_info::{BootInfo, HardwareInfo, PlatformInfo, RawBootInfo};
use hermit_entry::elf::KernelObject;

/// The program to boot, aligned so the ELF headers can be read in place.
#[repr(C, align(4096))]
struct Aligned<T: ?Sized>(T);

static PROGRAM: &Aligned<[u8]> = &Aligned(*include_bytes!(env!("LOGKEEP_APP_ELF")));

/// Boot stack size the kernel expects (`KERNEL_STACK_SIZE` in
/// hermit-kernel 0.11.0 `src/config.rs`). The kernel's `_start` adds this
/// size to the `rsp` it receives, so `rsp` must be the stack's lowest
/// address.
const KERNEL_STACK_SIZE: usize = 0x8000;

/// The kernel is placed on a 2 MiB boundary so its 2 MiB mappings line up.
const KERNEL_ALIGN: u64 = 2 * 1024 * 1024;

/// End of the identity map the entry stub builds.
const IDENTITY_MAPPED_END: u64 = 1024 * 1024 * 1024;

#[repr(C, align(4096))]
struct KernelStack(UnsafeCell<[u8; KERNEL_STACK_SIZE]>);

// SAFETY: only the boot CPU touches the stack, and only after the loader
// has stopped running.
unsafe impl Sync for KernelStack {}

static KERNEL_STACK: KernelStack = KernelStack(UnsafeCell::new([0; KERNEL_STACK_SIZE]));

struct BootInfoCell(UnsafeCell<MaybeUninit<RawBootInfo>>);

// SAFETY: written once by the boot CPU before the kernel starts.
unsafe impl Sync for BootInfoCell {}

static BOOT_INFO: BootInfoCell = BootInfoCell(UnsafeCell::new(MaybeUninit::uninit()));

unsafe extern "C" {
    /// End of the loader image, from the linker script.
    static loader_end: u8;
}

/// Entry from the 32-bit stub: long mode, identity-mapped first GiB.
#[unsafe(no_mangle)]
extern "C" fn loader_main(start_info: u32) -> ! {
    console::init_logger();

    // SAFETY: the stub passes the `ebx` value of the PVH entry unchanged.
    let params = match unsafe { pvh::read(u64::from(start_info)) } {
        Ok(params) => params,
        Err(message) => {
            println!("fatal: {message}");
            console::halt()
        }
    };

    let program = match KernelObject::parse(&PROGRAM.0) {
        Ok(program) => program,
        Err(err) => {
            println!("fatal: the embedded program is not a Hermit kernel: {err}");
            console::halt()
        }
    };

    let loader_end_addr = &raw const loader_end as u64;
    let kernel_start = loader_end_addr.next_multiple_of(KERNEL_ALIGN);
    let kernel_size = program.mem_size() as u64;
    let kernel_end = kernel_start + kernel_size;
    let ram_end = params
        .ram
        .iter()
        .filter_map(pvh::MemmapEntryView::ram)
        .map(|region| region.start + region.size)
        .max()
        .unwrap_or(0);
    if kernel_end > IDENTITY_MAPPED_END || kernel_end > ram_end {
        println!(
            "fatal: the program needs memory up to {kernel_end:#x}, but RAM ends at {ram_end:#x}: \
             give the guest more memory (-m)"
        );
        console::halt()
    }

    // SAFETY: the range lies above the loader, inside RAM and the identity
    // map, and nothing else uses it.
    let memory = unsafe {
        core::slice::from_raw_parts_mut(kernel_start as *mut MaybeUninit<u8>, kernel_size as usize)
    };
    let loaded = program.load_kernel(memory, kernel_start);

    let fdt = match device_tree::build(&params) {
        Ok(fdt) => fdt,
        Err(err) => {
            println!("fatal: building the device tree failed: {err:?}");
            console::halt()
        }
    };

    println!(
        "starting the kernel at {:#x} ({} KiB), {} MiB RAM, command line {:?}",
        kernel_start,
        kernel_size / 1024,
        ram_end / (1024 * 1024),
        params.command_line
    );

    let boot_info = BootInfo {
        hardware_info: HardwareInfo {
            phys_addr_range: 0..ram_end,
            serial_port_base: NonZeroU16::new(console::COM1),
            device_tree: core::num::NonZeroU64::new(fdt.as_ptr() as u64),
        },
        load_info: loaded.load_info,
        platform_info: PlatformInfo::Fdt,
    };
    let raw_boot_info = BOOT_INFO.0.get();
    // SAFETY: single-threaded, written once before the jump.
    let raw_boot_info = unsafe { (*raw_boot_info).write(RawBootInfo::from(boot_info)) };

    let stack_bottom = KERNEL_STACK.0.get() as u64;
    // SAFETY: the entry point comes from the loaded ELF and follows the
    // `hermit_entry::Entry` ABI: boot info in rdi, CPU id in esi, and rsp at
    // the bottom of a KERNEL_STACK_SIZE stack.
    unsafe {
        asm!(
            "mov rsp, {stack}",
            "xor ebp, ebp",
            "jmp {entry}",
            stack = in(reg) stack_bottom,
            entry = in(reg) loaded.entry_point,
            in("rdi") raw_boot_info as *const RawBootInfo,
            in("esi") 0u32,
            options(noreturn)
        )
    }
}
