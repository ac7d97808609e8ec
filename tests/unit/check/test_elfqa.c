/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "elfqa.h"
#include "fileio.h"

struct ph {
	uint32_t type, flags;
};

/* Builds an ELF64 little-endian x86-64 file with the given program headers
 * and, if ndyn > 0, a dynamic section (tag/value pairs, DT_NULL added). */
static size_t make_elf(uint8_t *buf, uint16_t etype, const struct ph *ph, int nph, const uint64_t *dyn, int ndyn)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
	size_t dynoff = sizeof(*eh) + (size_t)nph * sizeof(Elf64_Phdr);
	size_t len = dynoff + (size_t)(ndyn + 1) * sizeof(Elf64_Dyn);

	memset(buf, 0, len);
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = etype;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = (uint16_t)nph;
	for (int i = 0; i < nph; i++) {
		Elf64_Phdr *p = (Elf64_Phdr *)(buf + sizeof(*eh)) + i;

		p->p_type = ph[i].type;
		p->p_flags = ph[i].flags;
		p->p_align = 8;
		if (ph[i].type == PT_DYNAMIC) {
			p->p_offset = dynoff;
			p->p_filesz = p->p_memsz = (uint64_t)(ndyn + 1) * sizeof(Elf64_Dyn);
		}
	}
	for (int i = 0; i < ndyn; i++) {
		Elf64_Dyn *d = (Elf64_Dyn *)(buf + dynoff) + i;

		d->d_tag = (int64_t)dyn[2 * i];
		d->d_un.d_val = dyn[2 * i + 1];
	}
	return len;
}

static enum elfqa_verdict judge(const uint8_t *b, size_t n, enum elfqa_prop p)
{
	struct elfqa q;

	assert_int_equal(elfqa_analyze(b, n, &q), 0);
	return elfqa_judge(&q, p);
}

static const uint64_t dyn_now[] = { DT_FLAGS, DF_BIND_NOW, DT_FLAGS_1, DF_1_NOW | DF_1_PIE };

static void test_hardened_pie(void **state)
{
	uint8_t b[1024];
	const struct ph ph[] = { { PT_INTERP, PF_R }, { PT_LOAD, PF_R | PF_X }, { PT_LOAD, PF_R | PF_W },
				 { PT_DYNAMIC, PF_R | PF_W }, { PT_GNU_STACK, PF_R | PF_W }, { PT_GNU_RELRO, PF_R } };
	size_t n = make_elf(b, ET_DYN, ph, 6, dyn_now, 2);
	struct elfqa q;

	assert_int_equal(elfqa_analyze(b, n, &q), 0);
	assert_int_equal(q.kind, ELFQA_EXEC);
	for (int p = ELFQA_PIE; p <= ELFQA_WX; p++)
		assert_int_equal(elfqa_judge(&q, (enum elfqa_prop)p), ELFQA_PASS);
	/* no symbol table: stack protector and FORTIFY not detectable */
	assert_int_equal(elfqa_judge(&q, ELFQA_SSP), ELFQA_NOT_APPLICABLE);
	assert_int_equal(elfqa_judge(&q, ELFQA_FORTIFY), ELFQA_NOT_APPLICABLE);
}

static void test_each_weakness(void **state)
{
	uint8_t b[1024];
	size_t n;
	const struct ph base_exec[] = { { PT_INTERP, PF_R }, { PT_LOAD, PF_R | PF_X }, { PT_DYNAMIC, PF_R },
					{ PT_GNU_STACK, PF_R | PF_W }, { PT_GNU_RELRO, PF_R } };
	const struct ph execstack[] = { { PT_INTERP, PF_R }, { PT_DYNAMIC, PF_R }, { PT_GNU_STACK, PF_R | PF_W | PF_X },
					{ PT_GNU_RELRO, PF_R } };
	const struct ph nostack[] = { { PT_INTERP, PF_R }, { PT_DYNAMIC, PF_R }, { PT_GNU_RELRO, PF_R } };
	const struct ph wx[] = { { PT_INTERP, PF_R }, { PT_LOAD, PF_R | PF_W | PF_X }, { PT_DYNAMIC, PF_R },
				 { PT_GNU_STACK, PF_R | PF_W }, { PT_GNU_RELRO, PF_R } };
	const struct ph norelro[] = { { PT_INTERP, PF_R }, { PT_DYNAMIC, PF_R }, { PT_GNU_STACK, PF_R | PF_W } };
	const uint64_t textrel[] = { DT_FLAGS, DF_BIND_NOW | DF_TEXTREL };
	const uint64_t textrel2[] = { DT_TEXTREL, 0, DT_BIND_NOW, 0 };
	const uint64_t lazy[] = { DT_FLAGS_1, DF_1_PIE };

	n = make_elf(b, ET_EXEC, base_exec, 5, dyn_now, 2);
	assert_int_equal(judge(b, n, ELFQA_PIE), ELFQA_FAILS);
	assert_int_equal(judge(b, n, ELFQA_RELRO), ELFQA_PASS);
	n = make_elf(b, ET_DYN, execstack, 4, dyn_now, 2);
	assert_int_equal(judge(b, n, ELFQA_EXECSTACK), ELFQA_FAILS);
	n = make_elf(b, ET_DYN, nostack, 3, dyn_now, 2);
	assert_int_equal(judge(b, n, ELFQA_EXECSTACK), ELFQA_FAILS); /* no PT_GNU_STACK = executable stack */
	n = make_elf(b, ET_DYN, wx, 5, dyn_now, 2);
	assert_int_equal(judge(b, n, ELFQA_WX), ELFQA_FAILS);
	assert_int_equal(judge(b, n, ELFQA_EXECSTACK), ELFQA_PASS);
	n = make_elf(b, ET_DYN, norelro, 3, dyn_now, 2);
	assert_int_equal(judge(b, n, ELFQA_RELRO), ELFQA_FAILS);
	n = make_elf(b, ET_DYN, base_exec, 5, textrel, 1);
	assert_int_equal(judge(b, n, ELFQA_TEXTREL), ELFQA_FAILS);
	assert_int_equal(judge(b, n, ELFQA_BINDNOW), ELFQA_PASS);
	n = make_elf(b, ET_DYN, base_exec, 5, textrel2, 2);
	assert_int_equal(judge(b, n, ELFQA_TEXTREL), ELFQA_FAILS);
	assert_int_equal(judge(b, n, ELFQA_BINDNOW), ELFQA_PASS);
	n = make_elf(b, ET_DYN, base_exec, 5, lazy, 1);
	assert_int_equal(judge(b, n, ELFQA_BINDNOW), ELFQA_FAILS);
}

static void test_kinds(void **state)
{
	uint8_t b[1024];
	const struct ph lib[] = { { PT_LOAD, PF_R | PF_X }, { PT_DYNAMIC, PF_R }, { PT_GNU_STACK, PF_R | PF_W },
				  { PT_GNU_RELRO, PF_R } };
	const struct ph stat[] = { { PT_LOAD, PF_R | PF_X }, { PT_GNU_STACK, PF_R | PF_W } };
	struct elfqa q;
	size_t n;

	n = make_elf(b, ET_DYN, lib, 4, dyn_now, 2);
	assert_int_equal(elfqa_analyze(b, n, &q), 0);
	assert_int_equal(q.kind, ELFQA_SHARED);
	assert_int_equal(elfqa_judge(&q, ELFQA_PIE), ELFQA_NOT_APPLICABLE);
	n = make_elf(b, ET_EXEC, stat, 2, NULL, 0);
	assert_int_equal(elfqa_analyze(b, n, &q), 0);
	assert_int_equal(q.kind, ELFQA_STATIC_EXEC);
	assert_int_equal(elfqa_judge(&q, ELFQA_PIE), ELFQA_FAILS);
	assert_int_equal(elfqa_judge(&q, ELFQA_RELRO), ELFQA_NOT_APPLICABLE); /* nothing dynamic to protect */
	n = make_elf(b, ET_REL, NULL, 0, NULL, 0);
	assert_int_equal(elfqa_analyze(b, n, &q), 0);
	assert_int_equal(q.kind, ELFQA_OTHER);
	for (int p = 0; p < ELFQA_NPROPS; p++)
		assert_int_equal(elfqa_judge(&q, (enum elfqa_prop)p), ELFQA_NOT_APPLICABLE);
	assert_int_equal(elfqa_analyze((const uint8_t *)"#!/bin/sh\n", 10, &q), 0);
	assert_int_equal(q.kind, ELFQA_NOT_ELF);
	assert_int_equal(elfqa_analyze((const uint8_t *)"\x7f" "ELF\x02\x01", 6, &q), -EBADMSG);
}

static void test_malformed_dynamic(void **state)
{
	uint8_t b[1024];
	const struct ph ph[] = { { PT_INTERP, PF_R }, { PT_DYNAMIC, PF_R }, { PT_GNU_STACK, PF_R | PF_W } };
	size_t n = make_elf(b, ET_DYN, ph, 3, dyn_now, 2);
	Elf64_Phdr *p = (Elf64_Phdr *)(b + sizeof(Elf64_Ehdr)) + 1;
	struct elfqa q;

	p->p_offset = 1u << 30; /* outside the file: ignored, not read */
	assert_int_equal(elfqa_analyze(b, n, &q), 0);
	assert_false(q.bind_now);
	((Elf64_Ehdr *)b)->e_phnum = 60000; /* program headers beyond the end */
	assert_int_equal(elfqa_analyze(b, n, &q), -EBADMSG);
}

static void test_self(void **state)
{
	uint8_t *buf;
	size_t len;
	struct elfqa q;

	/* This test program is built with the project's flags. */
	assert_int_equal(read_file("/proc/self/exe", 256u << 20, &buf, &len), 0);
	assert_int_equal(elfqa_analyze(buf, len, &q), 0);
	assert_int_equal(q.kind, ELFQA_EXEC);
	assert_int_equal(elfqa_judge(&q, ELFQA_PIE), ELFQA_PASS);
	assert_int_equal(elfqa_judge(&q, ELFQA_RELRO), ELFQA_PASS);
	assert_int_equal(elfqa_judge(&q, ELFQA_BINDNOW), ELFQA_PASS);
	assert_int_equal(elfqa_judge(&q, ELFQA_EXECSTACK), ELFQA_PASS);
	assert_int_equal(elfqa_judge(&q, ELFQA_WX), ELFQA_PASS);
	assert_true(q.has_symbols);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hardened_pie), cmocka_unit_test(test_each_weakness),
		cmocka_unit_test(test_kinds),        cmocka_unit_test(test_malformed_dynamic),
		cmocka_unit_test(test_self),
	};

	return cmocka_run_group_tests_name("check-elfqa", tests, NULL, NULL);
}
