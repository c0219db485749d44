//! Reading `hvm_start_info`, the structure a PVH loader receives in `ebx`
//! (Xen `xen/include/public/arch-x86/hvm/start_info.h`).

use core::ffi::CStr;

/// `hvm_start_info.magic`: "xEn3" with bit 7 of each byte set.
const MAGIC: u32 = 0x336e_c578;

/// E820 type of usable RAM.
const E820_RAM: u32 = 1;

#[repr(C)]
struct StartInfo {
    magic: u32,
    version: u32,
    flags: u32,
    nr_modules: u32,
    modlist_paddr: u64,
    cmdline_paddr: u64,
    rsdp_paddr: u64,
    // Present from version 1 on.
    memmap_paddr: u64,
    memmap_entries: u32,
    reserved: u32,
}

#[repr(C)]
#[derive(Clone, Copy)]
struct MemmapEntry {
    addr: u64,
    size: u64,
    kind: u32,
    reserved: u32,
}

/// A range of usable RAM, in bytes.
#[derive(Clone, Copy)]
pub struct RamRegion {
    pub start: u64,
    pub size: u64,
}

/// Boot parameters the loader reads from the hypervisor.
pub struct BootParams {
    pub command_line: &'static str,
    pub rsdp: Option<u64>,
    pub ram: &'static [MemmapEntryView],
}

/// One E820 entry, as the hypervisor wrote it.
#[repr(transparent)]
pub struct MemmapEntryView(MemmapEntry);

impl MemmapEntryView {
    /// Converts the entry to a RAM region, or `None` when it is not usable RAM.
    pub fn ram(&self) -> Option<RamRegion> {
        (self.0.kind == E820_RAM && self.0.size > 0).then_some(RamRegion {
            start: self.0.addr,
            size: self.0.size,
        })
    }
}

/// Reads the start info at `addr`.
///
/// # Safety
///
/// `addr` must be the address the hypervisor passed in `ebx`, identity
/// mapped, and the structures it points to must stay untouched.
pub unsafe fn read(addr: u64) -> Result<BootParams, &'static str> {
    // SAFETY: the caller guarantees `addr` points at a start info.
    let info = unsafe { &*(addr as *const StartInfo) };
    if info.magic != MAGIC {
        return Err("hvm_start_info has a wrong magic value: not started by a PVH loader");
    }
    if info.version < 1 || info.memmap_paddr == 0 || info.memmap_entries == 0 {
        return Err("hvm_start_info carries no memory map (version 0): use QEMU 4.0 or newer");
    }

    let command_line = if info.cmdline_paddr == 0 {
        ""
    } else {
        // SAFETY: the protocol defines cmdline_paddr as a NUL-terminated string.
        let raw = unsafe { CStr::from_ptr(info.cmdline_paddr as *const core::ffi::c_char) };
        raw.to_str()
            .map_err(|_| "the kernel command line is not UTF-8")?
    };

    // SAFETY: the protocol defines memmap_paddr as an array of
    // memmap_entries entries of this layout.
    let ram = unsafe {
        core::slice::from_raw_parts(
            info.memmap_paddr as *const MemmapEntryView,
            info.memmap_entries as usize,
        )
    };

    let rsdp = match info.rsdp_paddr {
        0 => find_rsdp_in_bios_area(),
        addr => Some(addr),
    };

    Ok(BootParams {
        command_line,
        rsdp,
        ram,
    })
}

/// Scans the BIOS read-only area (0xE0000..0x100000) on 16-byte
/// boundaries for the RSDP signature (ACPI 6.5 § 5.2.5.1), for hypervisors
/// that leave `rsdp_paddr` at 0.
fn find_rsdp_in_bios_area() -> Option<u64> {
    (0xE_0000u64..0x10_0000).step_by(16).find(|&addr| {
        // SAFETY: the first MiB is identity mapped and always readable.
        let signature = unsafe { core::ptr::read_volatile(addr as *const [u8; 8]) };
        &signature == b"RSD PTR "
    })
}
