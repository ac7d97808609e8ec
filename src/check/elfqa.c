/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "elfqa.h"

#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

DEFINE_POINTER_CLEANUP(Elf, elf_end)

bool elfqa_is_elf(const uint8_t *buf, size_t len)
{
	return len >= 4 && memcmp(buf, ELFMAG, SELFMAG) == 0;
}

/* Functions _FORTIFY_SOURCE replaces with a __*_chk variant. */
static const char *const fortifiable[] = {
	"memcpy", "memmove", "mempcpy", "memset", "stpcpy", "stpncpy", "strcat", "strcpy", "strncat",
	"strncpy", "sprintf", "snprintf", "vsprintf", "vsnprintf", "printf", "fprintf", "vprintf",
	"vfprintf", "read", "pread", "pread64", "recv", "recvfrom", "fgets", "fread", "getcwd", "realpath",
	"readlink", "wcscpy", "wmemcpy", "gets", "confstr", "ttyname_r", "getgroups",
};

static void note_symbol(struct elfqa *q, const char *name, bool undefined)
{
	if (!name || !*name)
		return;
	if (strcmp(name, "__stack_chk_fail") == 0 || strcmp(name, "__stack_chk_guard") == 0 ||
	    strcmp(name, "__stack_chk_fail_local") == 0)
		q->ssp = true;
	if (!undefined)
		return;
	size_t n = strlen(name);
	if (n > 6 && name[0] == '_' && name[1] == '_' && strcmp(name + n - 4, "_chk") == 0)
		q->fortified = true;
	for (size_t i = 0; i < ARRAY_SIZE(fortifiable); i++)
		if (strcmp(name, fortifiable[i]) == 0)
			q->fortifiable = true;
}

static void scan_symbols(Elf *e, struct elfqa *q)
{
	Elf_Scn *scn = NULL;
	size_t shnum;

	if (elf_getshdrnum(e, &shnum) != 0)
		return;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		size_t count;

		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_DYNSYM && sh.sh_type != SHT_SYMTAB))
			continue;
		if (sh.sh_entsize == 0 || sh.sh_link >= shnum)
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf)
			continue;
		count = d->d_size / sh.sh_entsize;
		if (count > (1u << 22))
			count = 1u << 22;
		q->has_symbols = true;
		for (size_t i = 0; i < count; i++) {
			GElf_Sym sym;
			const char *name;

			if (!gelf_getsym(d, (int)i, &sym))
				break;
			name = elf_strptr(e, sh.sh_link, sym.st_name);
			note_symbol(q, name, sym.st_shndx == SHN_UNDEF);
		}
	}
}

static void scan_dynamic(Elf *e, const GElf_Phdr *ph, struct elfqa *q)
{
	Elf_Data *d;
	size_t entsz = gelf_fsize(e, ELF_T_DYN, 1, EV_CURRENT);
	size_t fsize;
	char *raw = elf_rawfile(e, &fsize);

	if (!raw || entsz == 0 || ph->p_offset > fsize || ph->p_filesz > fsize - ph->p_offset)
		return;
	d = elf_getdata_rawchunk(e, (int64_t)ph->p_offset, ph->p_filesz, ELF_T_DYN);
	if (!d)
		return;
	for (size_t i = 0; i < ph->p_filesz / entsz; i++) {
		GElf_Dyn dyn;

		if (!gelf_getdyn(d, (int)i, &dyn) || dyn.d_tag == DT_NULL)
			break;
		switch (dyn.d_tag) {
		case DT_BIND_NOW:
			q->bind_now = true;
			break;
		case DT_TEXTREL:
			q->textrel = true;
			break;
		case DT_FLAGS:
			if (dyn.d_un.d_val & DF_BIND_NOW)
				q->bind_now = true;
			if (dyn.d_un.d_val & DF_TEXTREL)
				q->textrel = true;
			break;
		case DT_FLAGS_1:
			if (dyn.d_un.d_val & DF_1_NOW)
				q->bind_now = true;
			break;
		default:
			break;
		}
	}
}

int elfqa_analyze(const uint8_t *buf, size_t len, struct elfqa *out)
{
	_cleanup_(elf_endp) Elf *e = NULL;
	_cleanup_free_ char *copy = NULL;
	GElf_Ehdr eh;
	size_t phnum;
	bool interp = false;

	memset(out, 0, sizeof(*out));
	if (!elfqa_is_elf(buf, len))
		return 0;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOSYS;
	/* libelf converts data in place for a foreign byte order: give it a
	 * copy then; in native order it only reads. */
	if (len > EI_DATA && buf[EI_DATA] == (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB : ELFDATA2MSB)) {
		e = elf_memory((char *)(uintptr_t)buf, len);
	} else {
		copy = malloc(len);
		if (!copy)
			return -ENOMEM;
		memcpy(copy, buf, len);
		e = elf_memory(copy, len);
	}
	if (!e || elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh))
		return -EBADMSG;
	out->is64 = gelf_getclass(e) == ELFCLASS64;
	out->machine = eh.e_machine;
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) {
		out->kind = ELFQA_OTHER;
		return 0;
	}
	if (elf_getphdrnum(e, &phnum) != 0)
		return -EBADMSG;
	if (phnum > 65535)
		return -EBADMSG;
	out->exec_stack = true; /* no PT_GNU_STACK: the kernel gives an executable stack */
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e, (int)i, &ph))
			return -EBADMSG;
		switch (ph.p_type) {
		case PT_INTERP:
			interp = true;
			break;
		case PT_GNU_RELRO:
			out->relro = true;
			break;
		case PT_GNU_STACK:
			out->gnu_stack = true;
			out->exec_stack = (ph.p_flags & PF_X) != 0;
			break;
		case PT_LOAD:
			if ((ph.p_flags & (PF_W | PF_X)) == (PF_W | PF_X))
				out->wx = true;
			break;
		case PT_DYNAMIC:
			out->dynamic = true;
			scan_dynamic(e, &ph, out);
			break;
		default:
			break;
		}
	}
	out->pie = eh.e_type == ET_DYN;
	if (interp)
		out->kind = ELFQA_EXEC;
	else if (eh.e_type == ET_EXEC)
		out->kind = ELFQA_STATIC_EXEC;
	else
		out->kind = ELFQA_SHARED;
	scan_symbols(e, out);
	return 0;
}

static const struct {
	const char *id, *expected;
} props[ELFQA_NPROPS] = {
	[ELFQA_PIE] = { "elf.pie", "executables PIE" },
	[ELFQA_RELRO] = { "elf.relro", "PT_GNU_RELRO" },
	[ELFQA_BINDNOW] = { "elf.bindnow", "BIND_NOW" },
	[ELFQA_EXECSTACK] = { "elf.execstack", "non-exec stack" },
	[ELFQA_TEXTREL] = { "elf.textrel", "no TEXTREL" },
	[ELFQA_WX] = { "elf.wx", "no W+X segment" },
	[ELFQA_SSP] = { "elf.ssp", "__stack_chk_fail used" },
	[ELFQA_FORTIFY] = { "elf.fortify", "__*_chk used" },
};

const char *elfqa_prop_id(enum elfqa_prop p)
{
	return p < ELFQA_NPROPS ? props[p].id : "elf.?";
}

const char *elfqa_prop_expected(enum elfqa_prop p)
{
	return p < ELFQA_NPROPS ? props[p].expected : "";
}

enum elfqa_verdict elfqa_judge(const struct elfqa *q, enum elfqa_prop p)
{
	bool loadable = q->kind == ELFQA_EXEC || q->kind == ELFQA_STATIC_EXEC || q->kind == ELFQA_SHARED;

	if (!loadable)
		return ELFQA_NOT_APPLICABLE;
	switch (p) {
	case ELFQA_PIE:
		/* Libraries are position independent by construction; only
		 * executables can be ET_EXEC. */
		if (q->kind == ELFQA_SHARED)
			return ELFQA_NOT_APPLICABLE;
		return q->pie ? ELFQA_PASS : ELFQA_FAILS;
	case ELFQA_RELRO:
		if (!q->dynamic)
			return ELFQA_NOT_APPLICABLE;
		return q->relro ? ELFQA_PASS : ELFQA_FAILS;
	case ELFQA_BINDNOW:
		if (!q->dynamic)
			return ELFQA_NOT_APPLICABLE;
		return q->bind_now ? ELFQA_PASS : ELFQA_FAILS;
	case ELFQA_EXECSTACK:
		return q->exec_stack ? ELFQA_FAILS : ELFQA_PASS;
	case ELFQA_TEXTREL:
		return q->textrel ? ELFQA_FAILS : ELFQA_PASS;
	case ELFQA_WX:
		return q->wx ? ELFQA_FAILS : ELFQA_PASS;
	case ELFQA_SSP:
		/* Detectable only through symbols; a stripped static binary or
		 * one without a protected function says nothing. */
		if (!q->has_symbols)
			return ELFQA_NOT_APPLICABLE;
		return q->ssp ? ELFQA_PASS : ELFQA_FAILS;
	case ELFQA_FORTIFY:
		if (!q->has_symbols || (!q->fortified && !q->fortifiable))
			return ELFQA_NOT_APPLICABLE;
		return q->fortified ? ELFQA_PASS : ELFQA_FAILS;
	default:
		return ELFQA_NOT_APPLICABLE;
	}
}
