//! The PVH entry: the ELF note that names it, and the 32-bit stub that
//! switches to long mode and calls [`crate::loader_main`].
//!
//! The PVH boot protocol (Xen `arch-x86/hvm/start_info.h`, also spoken by
//! QEMU's `-kernel`, Firecracker and cloud-hypervisor) starts the loader in
//! 32-bit protected mode with paging off, interrupts off, flat segments, no
//! stack, and the physical address of `hvm_start_info` in `ebx`.
//!
//! The stub identity-maps the first GiB with 2 MiB pages, except the first
//! 2 MiB, which get 4 KiB pages. The Hermit kernel maps its SMP trampoline
//! at 0x8000 with a 4 KiB page and fails (`ParentEntryHugePage`) when a
//! 2 MiB page covers it. The tables sit in the loader's `.bss`, below the
//! kernel image, where the kernel never hands memory out.

use core::arch::global_asm;

global_asm!(
    r#"
    /* XEN_ELFNOTE_PHYS32_ENTRY (18): the 32-bit physical entry address. */
    .section .note.Xen, "a", @note
    .p2align 2
    .long 4
    .long 4
    .long 18
    .asciz "Xen"
    .p2align 2
    .long pvh_start32

    .section .bss.boot_tables, "aw", @nobits
    .p2align 12
boot_pml4:  .skip 4096
boot_pdpt:  .skip 4096
boot_pd:    .skip 4096
boot_pt:    .skip 4096
loader_stack:
    .skip 0x10000
loader_stack_top:

    .section .rodata.boot_gdt, "a"
    .p2align 3
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff /* 0x08: 64-bit code */
    .quad 0x00cf92000000ffff /* 0x10: data */
boot_gdt_end:
boot_gdt_ptr:
    .word boot_gdt_end - boot_gdt - 1
    .long boot_gdt

    .section .text.pvh_start, "ax"
    .code32
    .global pvh_start32
pvh_start32:
    cli
    cld
    movl %ebx, %esi

    /* Zero .bss: the stack and page tables live there. */
    movl $bss_start, %edi
    movl $bss_end, %ecx
    subl %edi, %ecx
    shrl $2, %ecx
    xorl %eax, %eax
    rep stosl

    /* First 2 MiB in 4 KiB pages, present and writable. */
    movl $boot_pt, %edi
    movl $0x3, %eax
    movl $512, %ecx
1:  movl %eax, (%edi)
    addl $0x1000, %eax
    addl $8, %edi
    loop 1b

    /* 2 MiB..1 GiB in 2 MiB pages (PS bit). */
    movl $(boot_pt + 3), boot_pd
    movl $(boot_pd + 8), %edi
    movl $0x200083, %eax
    movl $511, %ecx
2:  movl %eax, (%edi)
    addl $0x200000, %eax
    addl $8, %edi
    loop 2b

    movl $(boot_pd + 3), boot_pdpt
    movl $(boot_pdpt + 3), boot_pml4

    /* CR4.PAE, CR3, then EFER.LME (and EFER.NXE when CPUID reports NX,
       because the kernel sets the no-execute bit in its page tables). */
    movl %cr4, %eax
    orl $0x20, %eax
    movl %eax, %cr4
    movl $boot_pml4, %eax
    movl %eax, %cr3

    movl $0x80000001, %eax
    cpuid
    movl $0x100, %edi
    btl $20, %edx
    jnc 3f
    orl $0x800, %edi
3:  movl $0xC0000080, %ecx
    rdmsr
    orl %edi, %eax
    wrmsr

    /* CR0.PG and CR0.PE: long mode is active from here. */
    movl %cr0, %eax
    orl $0x80000001, %eax
    movl %eax, %cr0

    lgdt boot_gdt_ptr
    ljmp $0x08, $pvh_start64

    .code64
pvh_start64:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movw %ax, %fs
    movw %ax, %gs
    movl $loader_stack_top, %esp
    movl %esi, %edi
    call loader_main
4:  hlt
    jmp 4b
"#,
    options(att_syntax)
);
