/* SPDX-License-Identifier: MIT */
/*
 * QEMU xtensa semihosting glue for picolibc (simcall): stdout/stderr write
 * to the host's stdout, _exit() reports the status to QEMU, and main is
 * wrapped (-Wl,--wrap=main) because picolibc 1.8's xtensa crt0 spins
 * forever after main returns. Test builds only (tests/xtensa).
 */
#include <stdio.h>
#include <stdlib.h>

#define SYS_EXIT 1
#define SYS_WRITE 4

int __real_main(void);
int __wrap_main(void);
void _exit(int code) __attribute__((noreturn));

static int
simcall3(int nr, int a, int b, int c)
{
	register int a2 __asm__("a2") = nr;
	register int a3 __asm__("a3") = a;
	register int a4 __asm__("a4") = b;
	register int a5 __asm__("a5") = c;

	__asm__ volatile ("simcall" : "+r"(a2), "+r"(a3) : "r"(a4), "r"(a5)
	    : "memory");
	return a2;
}

static int
semi_putc(char ch, FILE *f)
{
	(void)f;
	simcall3(SYS_WRITE, 1, (int)&ch, 1);
	return (unsigned char)ch;
}

static FILE semi_stdout = FDEV_SETUP_STREAM(semi_putc, NULL, NULL,
    _FDEV_SETUP_WRITE);
FILE *const stdout = &semi_stdout;
FILE *const stderr = &semi_stdout;

void
_exit(int code)
{
	for (;;)
		simcall3(SYS_EXIT, code, 0, 0);
}

int
__wrap_main(void)
{
	_exit(__real_main());
	return 0; /* not reached */
}
