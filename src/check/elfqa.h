/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ELF quality assurance in the spirit of Portage's QA_STRICT / scanelf:
 * PIE, RELRO, BIND_NOW, non-executable stack, no TEXTREL, no segment both
 * writable and executable, stack protector and FORTIFY where detectable.
 * Reads an in-memory file with libelf; the input is untrusted. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum elfqa_kind {
	ELFQA_NOT_ELF = 0,
	ELFQA_EXEC,        /* has a program interpreter (dynamic executable) */
	ELFQA_STATIC_EXEC, /* ET_EXEC without interpreter */
	ELFQA_SHARED,      /* ET_DYN without interpreter: library or static-pie */
	ELFQA_OTHER,       /* relocatable object, core, kernel module: not loaded by exec/ld.so */
};

struct elfqa {
	enum elfqa_kind kind;
	bool is64;
	uint16_t machine;
	bool dynamic;        /* has PT_DYNAMIC */
	bool pie;            /* position independent (ET_DYN) */
	bool relro;          /* PT_GNU_RELRO */
	bool bind_now;       /* DT_BIND_NOW / DF_BIND_NOW / DF_1_NOW */
	bool gnu_stack;      /* PT_GNU_STACK present */
	bool exec_stack;     /* stack executable (PF_X, or no PT_GNU_STACK) */
	bool textrel;        /* DT_TEXTREL / DF_TEXTREL */
	bool wx;             /* a PT_LOAD both writable and executable */
	bool has_symbols;    /* a dynamic or static symbol table was readable */
	bool ssp;            /* references __stack_chk_fail/__stack_chk_guard */
	bool fortified;      /* references a __*_chk function */
	bool fortifiable;    /* references an unchecked function FORTIFY would replace */
};

/* True if buf starts with the ELF magic. */
bool elfqa_is_elf(const uint8_t *buf, size_t len);
/* Analyses one file. Returns 0 (with kind ELFQA_NOT_ELF for non-ELF input),
 * -EBADMSG for a malformed ELF, -ENOMEM. The buffer is not modified. */
int elfqa_analyze(const uint8_t *buf, size_t len, struct elfqa *out);

/* The per-file properties rempart-check reports, in order. */
enum elfqa_prop {
	ELFQA_PIE,
	ELFQA_RELRO,
	ELFQA_BINDNOW,
	ELFQA_EXECSTACK,
	ELFQA_TEXTREL,
	ELFQA_WX,
	ELFQA_SSP,
	ELFQA_FORTIFY,
	ELFQA_NPROPS,
};

enum elfqa_verdict { ELFQA_PASS, ELFQA_FAILS, ELFQA_NOT_APPLICABLE };

/* Check id ("elf.pie"...), objective text, expected text. */
const char *elfqa_prop_id(enum elfqa_prop p);
const char *elfqa_prop_expected(enum elfqa_prop p);
/* Decision for one property of one analysed file. */
enum elfqa_verdict elfqa_judge(const struct elfqa *q, enum elfqa_prop p);
