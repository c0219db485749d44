//! The flattened device tree handed to the kernel.
//!
//! Hermit 0.11.0 on x86_64 reads from it: `/memory@…` nodes (RAM),
//! `/chosen/bootargs` (kernel arguments, then `--` and the program's), and
//! `/hermit,rsdp` (the ACPI RSDP; without it the kernel scans the BIOS
//! area itself). The root must not be compatible with `hermit,uefi`, which
//! switches the kernel to its UEFI memory rules.

use alloc::format;
use alloc::vec::Vec;

use vm_fdt::{Error, FdtWriter};

use crate::pvh::BootParams;

/// Length of an ACPI 2.0 RSDP (ACPI 6.5 § 5.2.5.3).
const RSDP_LEN: u64 = 36;

/// Builds the device tree and leaks it, so it lives for the kernel's
/// whole run (the loader heap is below the kernel image).
pub fn build(params: &BootParams) -> Result<&'static [u8], Error> {
    let mut fdt = FdtWriter::new()?;
    let root = fdt.begin_node("")?;
    fdt.property_string("compatible", "logkeep,pvh")?;
    fdt.property_u32("#address-cells", 2)?;
    fdt.property_u32("#size-cells", 2)?;

    for region in params
        .ram
        .iter()
        .filter_map(crate::pvh::MemmapEntryView::ram)
    {
        let memory = fdt.begin_node(&format!("memory@{:x}", region.start))?;
        fdt.property_string("device_type", "memory")?;
        fdt.property_array_u64("reg", &[region.start, region.size])?;
        fdt.end_node(memory)?;
    }

    let chosen = fdt.begin_node("chosen")?;
    fdt.property_string("bootargs", params.command_line)?;
    fdt.end_node(chosen)?;

    if let Some(rsdp) = params.rsdp {
        let node = fdt.begin_node("hermit,rsdp")?;
        fdt.property_array_u64("reg", &[rsdp, RSDP_LEN])?;
        fdt.end_node(node)?;
    }

    fdt.end_node(root)?;
    let blob: Vec<u8> = fdt.finish()?;
    Ok(blob.leak())
}
