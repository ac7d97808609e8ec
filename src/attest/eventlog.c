/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "eventlog.h"

const uint8_t el_guid_global[16] = { 0x61, 0xdf, 0xe4, 0x8b, 0xca, 0x93, 0xd2, 0x11,
				     0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c };
const uint8_t el_guid_image_security[16] = { 0xcb, 0xb2, 0x19, 0xd7, 0x3a, 0x3d, 0x96, 0x45,
					     0xa3, 0xbc, 0xda, 0xd0, 0x0e, 0x67, 0x65, 0x6f };

static const char spec_id_sig[16] = "Spec ID Event03";
static const char locality_sig[16] = "StartupLocality";

static int fail(char err[EL_ERR_MAX], const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(char err[EL_ERR_MAX], const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err, EL_ERR_MAX, fmt, ap);
		va_end(ap);
	}
	return -EBADMSG;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static const EVP_MD *md_for(uint16_t alg)
{
	switch (alg) {
	case EL_ALG_SHA1:
		return EVP_sha1();
	case EL_ALG_SHA256:
		return EVP_sha256();
	case EL_ALG_SHA384:
		return EVP_sha384();
	case EL_ALG_SHA512:
		return EVP_sha512();
	default:
		return NULL;
	}
}

static int push(struct el_log *log, size_t *cap, const struct el_event *e)
{
	if (log->n == EL_MAX_EVENTS)
		return -E2BIG;
	if (log->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct el_event *nv = realloc(log->ev, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		log->ev = nv;
		*cap = nc;
	}
	log->ev[log->n++] = *e;
	return 0;
}

static int parse_spec_id(const uint8_t *d, size_t n, struct el_log *log, char err[EL_ERR_MAX])
{
	size_t off = 24;
	uint32_t nalgs;

	if (n < 28 || memcmp(d, spec_id_sig, 16) != 0)
		return fail(err, "first event: not a \"Spec ID Event03\" header (not a crypto-agile log)");
	log->platform_class = le32(d + 16);
	log->spec_minor = d[20];
	log->spec_major = d[21];
	log->spec_errata = d[22];
	log->uintn_size = d[23];
	nalgs = le32(d + 24);
	off = 28;
	if (nalgs == 0 || nalgs > EL_MAX_ALGS)
		return fail(err, "Spec ID header: %u algorithms (1..%d supported)", nalgs, EL_MAX_ALGS);
	if (n - off < (size_t)nalgs * 4 + 1)
		return fail(err, "Spec ID header: truncated algorithm list");
	for (uint32_t i = 0; i < nalgs; i++) {
		uint16_t alg = le16(d + off), size = le16(d + off + 2);

		if (size == 0 || size > 64)
			return fail(err, "Spec ID header: algorithm 0x%04x with digest size %u", alg, size);
		for (uint32_t k = 0; k < i; k++)
			if (log->algs[k].alg == alg)
				return fail(err, "Spec ID header: algorithm 0x%04x listed twice", alg);
		if (md_for(alg) && (size_t)EVP_MD_get_size(md_for(alg)) != size)
			return fail(err, "Spec ID header: algorithm 0x%04x with digest size %u", alg, size);
		log->algs[i].alg = alg;
		log->algs[i].size = size;
		off += 4;
	}
	log->nalgs = nalgs;
	if (d[off] > n - off - 1)
		return fail(err, "Spec ID header: vendor information overruns the event");
	return 0;
}

int el_parse(const uint8_t *buf, size_t len, struct el_log *out, char err[EL_ERR_MAX])
{
	struct el_log log = { 0 };
	struct el_event e = { 0 };
	size_t off = 0, cap = 0;
	int r;

	memset(out, 0, sizeof(*out));
	if (len > EL_MAX_LOG)
		return fail(err, "log of %zu bytes (at most %u)", len, EL_MAX_LOG);
	/* TCG_PCR_EVENT: pcr, type, sha1[20], size, data */
	if (len < 32)
		return fail(err, "log of %zu bytes: shorter than its header", len);
	e.pcr = le32(buf);
	e.type = le32(buf + 4);
	e.data_len = le32(buf + 28);
	if (e.type != EV_NO_ACTION || e.pcr != 0)
		return fail(err, "first event: type 0x%x on PCR %u, expected EV_NO_ACTION on PCR 0", e.type, e.pcr);
	if (e.data_len > len - 32)
		return fail(err, "first event: data of %u bytes overruns the log", e.data_len);
	e.data = buf + 32;
	e.ndigests = 1;
	e.digests[0].alg = EL_ALG_SHA1;
	e.digests[0].size = 20;
	memcpy(e.digests[0].d, buf + 8, 20);
	r = parse_spec_id(e.data, e.data_len, &log, err);
	if (r < 0)
		return r;
	if ((r = push(&log, &cap, &e)) < 0)
		goto fail;
	off = 32 + e.data_len;

	while (off < len) {
		size_t start = off;
		uint32_t count;

		memset(&e, 0, sizeof(e));
		e.seq = log.n;
		e.offset = start;
		if (len - off < 12) {
			r = fail(err, "event %zu at offset %zu: truncated header", log.n, start);
			goto fail;
		}
		e.pcr = le32(buf + off);
		e.type = le32(buf + off + 4);
		count = le32(buf + off + 8);
		off += 12;
		if (e.pcr >= EL_NPCR && e.type != EV_NO_ACTION) {
			r = fail(err, "event %zu at offset %zu: PCR %u", log.n, start, e.pcr);
			goto fail;
		}
		if (count > log.nalgs) {
			r = fail(err, "event %zu at offset %zu: %u digests, the header announces %u banks", log.n,
				 start, count, log.nalgs);
			goto fail;
		}
		for (uint32_t i = 0; i < count; i++) {
			uint16_t alg;
			const struct el_digest *a = NULL;

			if (len - off < 2) {
				r = fail(err, "event %zu at offset %zu: truncated digest list", log.n, start);
				goto fail;
			}
			alg = le16(buf + off);
			for (uint32_t k = 0; k < log.nalgs; k++)
				if (log.algs[k].alg == alg)
					a = &log.algs[k];
			if (!a) {
				r = fail(err, "event %zu at offset %zu: digest of algorithm 0x%04x not announced", log.n,
					 start, alg);
				goto fail;
			}
			if (el_event_digest(&e, alg)) {
				r = fail(err, "event %zu at offset %zu: two digests of algorithm 0x%04x", log.n, start,
					 alg);
				goto fail;
			}
			off += 2;
			if (len - off < a->size) {
				r = fail(err, "event %zu at offset %zu: truncated digest", log.n, start);
				goto fail;
			}
			e.digests[i].alg = alg;
			e.digests[i].size = a->size;
			memcpy(e.digests[i].d, buf + off, a->size);
			e.ndigests = i + 1;
			off += a->size;
		}
		if (len - off < 4) {
			r = fail(err, "event %zu at offset %zu: truncated event size", log.n, start);
			goto fail;
		}
		e.data_len = le32(buf + off);
		off += 4;
		if (e.data_len > EL_MAX_EVENT_DATA || e.data_len > len - off) {
			r = fail(err, "event %zu at offset %zu: data of %u bytes overruns the log", log.n, start,
				 e.data_len);
			goto fail;
		}
		e.data = buf + off;
		off += e.data_len;
		if (e.type == EV_NO_ACTION && e.data_len >= 17 && memcmp(e.data, locality_sig, 16) == 0)
			log.startup_locality = e.data[16];
		if ((r = push(&log, &cap, &e)) < 0)
			goto fail;
	}
	*out = log;
	return 0;
fail:
	if (r == -E2BIG)
		r = fail(err, "more than %d events", EL_MAX_EVENTS);
	free(log.ev);
	return r;
}

void el_free(struct el_log *log)
{
	free(log->ev);
	memset(log, 0, sizeof(*log));
}

const struct el_digest *el_event_digest(const struct el_event *e, uint16_t alg)
{
	for (uint32_t i = 0; i < e->ndigests; i++)
		if (e->digests[i].alg == alg)
			return &e->digests[i];
	return NULL;
}

int el_replay(const struct el_log *log, uint16_t alg, uint8_t pcrs[EL_NPCR][32], uint32_t *seen)
{
	const EVP_MD *md = md_for(alg);
	size_t dlen;
	uint32_t mask = 0;

	if (!md || (alg != EL_ALG_SHA256 && alg != EL_ALG_SHA1))
		return -EOPNOTSUPP;
	dlen = (size_t)EVP_MD_get_size(md);
	memset(pcrs, 0, EL_NPCR * 32);
	pcrs[0][dlen - 1] = log->startup_locality;
	for (size_t i = 1; i < log->n; i++) {
		const struct el_event *e = &log->ev[i];
		const struct el_digest *d;
		uint8_t in[64];

		if (e->type == EV_NO_ACTION)
			continue;
		d = el_event_digest(e, alg);
		if (!d)
			return -ENOENT;
		memcpy(in, pcrs[e->pcr], dlen);
		memcpy(in + dlen, d->d, dlen);
		if (!EVP_Digest(in, 2 * dlen, pcrs[e->pcr], NULL, md, NULL))
			return -EIO;
		mask |= 1u << e->pcr;
	}
	if (seen)
		*seen = mask;
	return 0;
}

int el_uefi_var_parse(const uint8_t *buf, size_t len, struct el_uefi_var *v)
{
	uint64_t nlen, dlen;

	memset(v, 0, sizeof(*v));
	if (len < 32)
		return -EBADMSG;
	memcpy(v->guid, buf, 16);
	nlen = le64(buf + 16);
	dlen = le64(buf + 24);
	if (nlen > (len - 32) / 2 || dlen != len - 32 - 2 * nlen)
		return -EBADMSG;
	for (uint64_t i = 0; i < nlen && i < sizeof(v->name) - 1; i++) {
		uint16_t c = le16(buf + 32 + 2 * i);

		v->name[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	v->data = buf + 32 + 2 * nlen;
	v->data_len = (size_t)dlen;
	return 0;
}

int el_uefi_var_build(const uint8_t guid[16], const char *name, const uint8_t *data, size_t data_len,
		      uint8_t **out, size_t *outlen)
{
	size_t nlen = strlen(name), len = 32 + 2 * nlen + data_len;
	uint8_t *b = malloc(len ? len : 1);

	if (!b)
		return -ENOMEM;
	memcpy(b, guid, 16);
	for (int i = 0; i < 8; i++) {
		b[16 + i] = (uint8_t)((uint64_t)nlen >> (8 * i));
		b[24 + i] = (uint8_t)((uint64_t)data_len >> (8 * i));
	}
	for (size_t i = 0; i < nlen; i++) {
		b[32 + 2 * i] = (uint8_t)name[i];
		b[33 + 2 * i] = 0;
	}
	if (data_len)
		memcpy(b + 32 + 2 * nlen, data, data_len);
	*out = b;
	*outlen = len;
	return 0;
}

static bool sha256_is(const uint8_t *data, size_t len, const uint8_t want[32])
{
	uint8_t h[32];

	return EVP_Digest(data, len, h, NULL, EVP_sha256(), NULL) && memcmp(h, want, 32) == 0;
}

int el_event_check(const struct el_event *e)
{
	const struct el_digest *d = el_event_digest(e, EL_ALG_SHA256);
	struct el_uefi_var v;

	if (!d)
		return 1;
	switch (e->type) {
	case EV_SEPARATOR:
	case EV_EFI_ACTION:
	case EV_EFI_VARIABLE_DRIVER_CONFIG:
	case EV_EFI_VARIABLE_AUTHORITY:
	case EV_EFI_GPT_EVENT:
	case EV_S_CRTM_VERSION:
		return sha256_is(e->data, e->data_len, d->d) ? 0 : -EBADMSG;
	case EV_EFI_VARIABLE_BOOT:
	case EV_EFI_VARIABLE_BOOT2:
		if (sha256_is(e->data, e->data_len, d->d))
			return 0;
		if (el_uefi_var_parse(e->data, e->data_len, &v) == 0 && sha256_is(v.data, v.data_len, d->d))
			return 0;
		return -EBADMSG;
	default:
		return 1;
	}
}

const char *el_type_name(uint32_t type)
{
	static const struct {
		uint32_t t;
		const char *n;
	} names[] = {
		{ EV_PREBOOT_CERT, "EV_PREBOOT_CERT" },
		{ EV_POST_CODE, "EV_POST_CODE" },
		{ EV_NO_ACTION, "EV_NO_ACTION" },
		{ EV_SEPARATOR, "EV_SEPARATOR" },
		{ EV_ACTION, "EV_ACTION" },
		{ EV_EVENT_TAG, "EV_EVENT_TAG" },
		{ EV_S_CRTM_CONTENTS, "EV_S_CRTM_CONTENTS" },
		{ EV_S_CRTM_VERSION, "EV_S_CRTM_VERSION" },
		{ EV_CPU_MICROCODE, "EV_CPU_MICROCODE" },
		{ EV_PLATFORM_CONFIG_FLAGS, "EV_PLATFORM_CONFIG_FLAGS" },
		{ EV_TABLE_OF_DEVICES, "EV_TABLE_OF_DEVICES" },
		{ EV_COMPACT_HASH, "EV_COMPACT_HASH" },
		{ EV_IPL, "EV_IPL" },
		{ EV_IPL_PARTITION_DATA, "EV_IPL_PARTITION_DATA" },
		{ EV_NONHOST_CODE, "EV_NONHOST_CODE" },
		{ EV_NONHOST_CONFIG, "EV_NONHOST_CONFIG" },
		{ EV_NONHOST_INFO, "EV_NONHOST_INFO" },
		{ EV_OMIT_BOOT_DEVICE_EVENTS, "EV_OMIT_BOOT_DEVICE_EVENTS" },
		{ EV_EFI_VARIABLE_DRIVER_CONFIG, "EV_EFI_VARIABLE_DRIVER_CONFIG" },
		{ EV_EFI_VARIABLE_BOOT, "EV_EFI_VARIABLE_BOOT" },
		{ EV_EFI_BOOT_SERVICES_APPLICATION, "EV_EFI_BOOT_SERVICES_APPLICATION" },
		{ EV_EFI_BOOT_SERVICES_DRIVER, "EV_EFI_BOOT_SERVICES_DRIVER" },
		{ EV_EFI_RUNTIME_SERVICES_DRIVER, "EV_EFI_RUNTIME_SERVICES_DRIVER" },
		{ EV_EFI_GPT_EVENT, "EV_EFI_GPT_EVENT" },
		{ EV_EFI_ACTION, "EV_EFI_ACTION" },
		{ EV_EFI_PLATFORM_FIRMWARE_BLOB, "EV_EFI_PLATFORM_FIRMWARE_BLOB" },
		{ EV_EFI_HANDOFF_TABLES, "EV_EFI_HANDOFF_TABLES" },
		{ EV_EFI_PLATFORM_FIRMWARE_BLOB2, "EV_EFI_PLATFORM_FIRMWARE_BLOB2" },
		{ EV_EFI_HANDOFF_TABLES2, "EV_EFI_HANDOFF_TABLES2" },
		{ EV_EFI_VARIABLE_BOOT2, "EV_EFI_VARIABLE_BOOT2" },
		{ EV_EFI_HCRTM_EVENT, "EV_EFI_HCRTM_EVENT" },
		{ EV_EFI_VARIABLE_AUTHORITY, "EV_EFI_VARIABLE_AUTHORITY" },
		{ EV_EFI_SPDM_FIRMWARE_BLOB, "EV_EFI_SPDM_FIRMWARE_BLOB" },
		{ EV_EFI_SPDM_FIRMWARE_CONFIG, "EV_EFI_SPDM_FIRMWARE_CONFIG" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].t == type)
			return names[i].n;
	return "EV_UNKNOWN";
}

/* ---- writer ------------------------------------------------------------ */

static void put(struct el_writer *w, const void *p, size_t n)
{
	if (w->error)
		return;
	if (w->len + n > EL_MAX_LOG) {
		w->error = -E2BIG;
		return;
	}
	if (w->len + n > w->cap) {
		size_t nc = w->cap ? w->cap : 4096;
		uint8_t *nb;

		while (nc < w->len + n)
			nc *= 2;
		nb = realloc(w->buf, nc);
		if (!nb) {
			w->error = -ENOMEM;
			return;
		}
		w->buf = nb;
		w->cap = nc;
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static void put32(struct el_writer *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	put(w, b, 4);
}

static void put16(struct el_writer *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	put(w, b, 2);
}

void el_writer_init(struct el_writer *w, const struct el_log *tmpl)
{
	uint8_t zero[20] = { 0 }, b4[4];

	memset(w, 0, sizeof(*w));
	if (tmpl && tmpl->nalgs) {
		w->nalgs = tmpl->nalgs;
		memcpy(w->algs, tmpl->algs, sizeof(w->algs));
	} else {
		w->nalgs = 2;
		w->algs[0] = (struct el_digest){ .alg = EL_ALG_SHA1, .size = 20 };
		w->algs[1] = (struct el_digest){ .alg = EL_ALG_SHA256, .size = 32 };
	}
	put32(w, 0);
	put32(w, EV_NO_ACTION);
	put(w, zero, 20);
	put32(w, 16 + 4 + 4 + 4 + 4 * w->nalgs + 1);
	put(w, spec_id_sig, 16);
	put32(w, tmpl ? tmpl->platform_class : 0);
	b4[0] = tmpl ? tmpl->spec_minor : 0;
	b4[1] = tmpl ? tmpl->spec_major : 2;
	b4[2] = tmpl ? tmpl->spec_errata : 0;
	b4[3] = tmpl ? tmpl->uintn_size : 2;
	put(w, b4, 4);
	put32(w, w->nalgs);
	for (uint32_t i = 0; i < w->nalgs; i++) {
		put16(w, w->algs[i].alg);
		put16(w, w->algs[i].size);
	}
	put(w, zero, 1);
}

void el_writer_event(struct el_writer *w, uint32_t pcr, uint32_t type, const uint8_t *data, size_t len,
		     const uint8_t *sha256)
{
	put32(w, pcr);
	put32(w, type);
	put32(w, w->nalgs);
	for (uint32_t i = 0; i < w->nalgs; i++) {
		const EVP_MD *md = md_for(w->algs[i].alg);
		uint8_t d[64] = { 0 };

		if (w->algs[i].alg == EL_ALG_SHA256 && sha256)
			memcpy(d, sha256, 32);
		else if (md && !EVP_Digest(sha256 ? sha256 : data, sha256 ? 32 : len, d, NULL, md, NULL))
			w->error = w->error ? w->error : -EIO;
		put16(w, w->algs[i].alg);
		put(w, d, w->algs[i].size);
	}
	put32(w, (uint32_t)len);
	if (len)
		put(w, data, len);
}

void el_writer_copy(struct el_writer *w, const struct el_event *e)
{
	put32(w, e->pcr);
	put32(w, e->type);
	put32(w, e->ndigests);
	for (uint32_t i = 0; i < e->ndigests; i++) {
		put16(w, e->digests[i].alg);
		put(w, e->digests[i].d, e->digests[i].size);
	}
	put32(w, e->data_len);
	if (e->data_len)
		put(w, e->data, e->data_len);
}

int el_writer_finish(struct el_writer *w, uint8_t **out, size_t *len)
{
	if (w->error) {
		free(w->buf);
		w->buf = NULL;
		return w->error;
	}
	*out = w->buf;
	*len = w->len;
	w->buf = NULL;
	return 0;
}
