/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The UEFI measured-boot event log (TCG PC Client Platform Firmware Profile,
 * crypto-agile format): parser, replay to PCR values, per-event digest
 * checks, UEFI_VARIABLE_DATA decoding and a writer (used by tests and by
 * the tools that build forged logs for the attack tests).
 *
 * Layout: one legacy TCG_PCR_EVENT (SHA-1 format) carrying the
 * "Spec ID Event03" header (EV_NO_ACTION, PCR 0), then TCG_PCR_EVENT2
 * records: pcrIndex u32, eventType u32, TPML_DIGEST_VALUES (count u32, then
 * count x {algId u16, digest of the size announced in the header}),
 * eventSize u32, event data. Little-endian throughout.
 *
 * The parser never trusts a size: every field is bounds-checked, an
 * algorithm not announced in the header, a digest count above the number
 * announced, or a truncated record is an error (-EBADMSG, err says where). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EL_MAX_EVENTS 8192
#define EL_MAX_LOG (8u << 20)
#define EL_MAX_EVENT_DATA (1u << 20)
#define EL_MAX_ALGS 8
#define EL_NPCR 24
#define EL_ERR_MAX 200

/* TPM_ALG_ID */
#define EL_ALG_SHA1 0x0004
#define EL_ALG_SHA256 0x000B
#define EL_ALG_SHA384 0x000C
#define EL_ALG_SHA512 0x000D
#define EL_ALG_SM3_256 0x0012

/* Event types (PC Client PFP §10.4.1) */
#define EV_PREBOOT_CERT 0x00000000
#define EV_POST_CODE 0x00000001
#define EV_NO_ACTION 0x00000003
#define EV_SEPARATOR 0x00000004
#define EV_ACTION 0x00000005
#define EV_EVENT_TAG 0x00000006
#define EV_S_CRTM_CONTENTS 0x00000007
#define EV_S_CRTM_VERSION 0x00000008
#define EV_CPU_MICROCODE 0x00000009
#define EV_PLATFORM_CONFIG_FLAGS 0x0000000A
#define EV_TABLE_OF_DEVICES 0x0000000B
#define EV_COMPACT_HASH 0x0000000C
#define EV_IPL 0x0000000D
#define EV_IPL_PARTITION_DATA 0x0000000E
#define EV_NONHOST_CODE 0x0000000F
#define EV_NONHOST_CONFIG 0x00000010
#define EV_NONHOST_INFO 0x00000011
#define EV_OMIT_BOOT_DEVICE_EVENTS 0x00000012
#define EV_EFI_EVENT_BASE 0x80000000
#define EV_EFI_VARIABLE_DRIVER_CONFIG 0x80000001
#define EV_EFI_VARIABLE_BOOT 0x80000002
#define EV_EFI_BOOT_SERVICES_APPLICATION 0x80000003
#define EV_EFI_BOOT_SERVICES_DRIVER 0x80000004
#define EV_EFI_RUNTIME_SERVICES_DRIVER 0x80000005
#define EV_EFI_GPT_EVENT 0x80000006
#define EV_EFI_ACTION 0x80000007
#define EV_EFI_PLATFORM_FIRMWARE_BLOB 0x80000008
#define EV_EFI_HANDOFF_TABLES 0x80000009
#define EV_EFI_PLATFORM_FIRMWARE_BLOB2 0x8000000A
#define EV_EFI_HANDOFF_TABLES2 0x8000000B
#define EV_EFI_VARIABLE_BOOT2 0x8000000C
#define EV_EFI_HCRTM_EVENT 0x80000010
#define EV_EFI_VARIABLE_AUTHORITY 0x800000E0
#define EV_EFI_SPDM_FIRMWARE_BLOB 0x800000E1
#define EV_EFI_SPDM_FIRMWARE_CONFIG 0x800000E2

struct el_digest {
	uint16_t alg;
	uint16_t size;
	uint8_t d[64];
};

struct el_event {
	size_t seq;          /* 0 = the Spec ID header */
	size_t offset;       /* byte offset of the record in the log */
	uint32_t pcr;
	uint32_t type;
	uint32_t ndigests;
	struct el_digest digests[EL_MAX_ALGS];
	const uint8_t *data; /* points into the parsed buffer */
	uint32_t data_len;
};

struct el_log {
	struct el_event *ev;
	size_t n;
	uint32_t nalgs;
	struct el_digest algs[EL_MAX_ALGS]; /* alg + size from the Spec ID event */
	uint8_t spec_major, spec_minor, spec_errata, uintn_size;
	uint32_t platform_class;
	uint8_t startup_locality; /* from a StartupLocality EV_NO_ACTION event (0 if none) */
};

/* Parses buf (kept alive by the caller: events point into it). */
int el_parse(const uint8_t *buf, size_t len, struct el_log *out, char err[EL_ERR_MAX]);
void el_free(struct el_log *log);

/* The digest of the event in bank alg, or NULL. */
const struct el_digest *el_event_digest(const struct el_event *e, uint16_t alg);

/* Replays every extending event (all but EV_NO_ACTION) of bank alg (only
 * sha256 and sha1 are supported) into pcrs (initial value zero, PCR 0 with
 * the startup locality). seen (may be NULL) gets a bit per PCR extended.
 * -ENOENT: an extending event has no digest in that bank. */
int el_replay(const struct el_log *log, uint16_t alg, uint8_t pcrs[EL_NPCR][32], uint32_t *seen);

/* Whether an event's sha256 digest is the hash of its data, for the event
 * types whose digest the PFP defines as such (EV_SEPARATOR, EV_EFI_ACTION,
 * EV_EFI_VARIABLE_DRIVER_CONFIG, EV_EFI_VARIABLE_AUTHORITY, EV_EFI_GPT_EVENT,
 * EV_S_CRTM_VERSION; EV_EFI_VARIABLE_BOOT/BOOT2: the whole UEFI_VARIABLE_DATA
 * or, as edk2 does, its VariableData). 0: matches; -EBADMSG: the digest is
 * not the hash of the data (a forged event); 1: the type's digest covers
 * something the log does not carry (an image, a firmware blob). */
int el_event_check(const struct el_event *e);

/* UEFI_VARIABLE_DATA: VariableName GUID (16), UnicodeNameLength u64 (in
 * characters), VariableDataLength u64, UnicodeName (UTF-16LE), VariableData.
 * name receives the name with non-ASCII characters as '?'. */
struct el_uefi_var {
	uint8_t guid[16];
	char name[64];
	const uint8_t *data;
	size_t data_len;
};
int el_uefi_var_parse(const uint8_t *buf, size_t len, struct el_uefi_var *v);
/* Builds a UEFI_VARIABLE_DATA (malloc'd) for an ASCII name. */
int el_uefi_var_build(const uint8_t guid[16], const char *name, const uint8_t *data, size_t data_len,
		      uint8_t **out, size_t *outlen);

const char *el_type_name(uint32_t type);

/* EFI_GLOBAL_VARIABLE (SecureBoot, PK, KEK) and EFI_IMAGE_SECURITY_DATABASE
 * (db, dbx) GUIDs in their in-memory (mixed-endian) byte order. */
extern const uint8_t el_guid_global[16];
extern const uint8_t el_guid_image_security[16];

/* ---- writer ---------------------------------------------------------- */
struct el_writer {
	uint8_t *buf;
	size_t len, cap;
	int error;
	uint32_t nalgs;
	struct el_digest algs[EL_MAX_ALGS];
};
/* Writes the Spec ID header of tmpl (its banks, versions, class), or for
 * tmpl NULL a header for sha1+sha256 as OVMF writes it. */
void el_writer_init(struct el_writer *w, const struct el_log *tmpl);
/* Appends an event. Each bank's digest is the hash of data, except that a
 * non-NULL sha256 is used as is for the sha256 bank (the other banks then
 * get the hash of sha256 itself: callers that need them right build the
 * event from a parsed one with el_writer_copy). */
void el_writer_event(struct el_writer *w, uint32_t pcr, uint32_t type, const uint8_t *data, size_t len,
		     const uint8_t *sha256);
/* Appends an already-parsed event verbatim (its digests and data). */
void el_writer_copy(struct el_writer *w, const struct el_event *e);
/* Returns 0 and hands the buffer over, or the first error. */
int el_writer_finish(struct el_writer *w, uint8_t **out, size_t *len);
