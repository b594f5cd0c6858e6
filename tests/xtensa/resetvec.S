/* SPDX-License-Identifier: MIT */
/*
 * Reset and exception vectors for qemu-system-xtensa -M sim -cpu lx106:
 * the CPU starts at 0x50000000, not at the ELF entry, so this stub loads
 * SP and jumps to picolibc's _start. Any exception (vectors at VECBASE
 * 0x40000000) exits QEMU via semihosting with status 127, never hangs.
 */
	.section .resetvec, "ax"
	.global	_ResetVector
_ResetVector:
	j	1f
	.align	4
2:	.word	_start
3:	.word	__stack
1:	l32r	a1, 3b
	l32r	a0, 2b
	jx	a0

	/* SYS_exit(127) */
	.macro	FATAL off
	.org	\off
	movi	a2, 1
	movi	a3, 127
	simcall
	.endm

	.section .vectors, "ax"
	.global	_VectorBase
_VectorBase:
	FATAL	0x10	/* debug */
	FATAL	0x20	/* NMI */
	FATAL	0x30	/* kernel */
	FATAL	0x50	/* user */
	FATAL	0x70	/* double */
