/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Parsers of the small text formats rempart-check reads: the product's
 * hardening files (cmdline, sysctl.conf, capabilities), the kernel command
 * line, /proc/<pid>/status, /proc/self/mountinfo and fstab; and the
 * decisions taken on them (option present, value equal, mount options). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strv {
	char **v;
	size_t n, cap;
};

void strv_free(struct strv *s);
int strv_push(struct strv *s, const char *str);
int strv_pushn(struct strv *s, const char *str, size_t n);

/* Product cmdline file: one option per line, '#' comments, blank lines. */
int conf_parse_cmdline_file(const char *text, size_t len, struct strv *out);
/* Splits a kernel command line (double quotes group, as the kernel does). */
int cmdline_split(const char *text, size_t len, struct strv *out);
/* Last value of KEY in tokens ("key=value" gives "value", a bare "key" gives
 * ""). NULL if absent. Keys compare with '-' and '_' equal, as the kernel does. */
const char *cmdline_get(const struct strv *tokens, const char *key);
/* The root hash the command line names: roothash= (systemd's convention)
 * or rempart.roothash= (rempart-init's); NULL if neither. */
const char *cmdline_roothash(const struct strv *tokens);
/* Decides whether an expected option is satisfied. *found points into
 * tokens (or is NULL when absent). */
bool cmdline_satisfies(const struct strv *tokens, const char *want, const char **found);

struct sysctl_entry {
	char *key;     /* dotted form */
	char *value;   /* whitespace normalised */
	bool optional; /* '-' prefix: absent on this kernel is acceptable */
};

struct sysctl_set {
	struct sysctl_entry *v;
	size_t n, cap;
};

void sysctl_set_free(struct sysctl_set *s);
/* Parses sysctl.d syntax; a later assignment of a key replaces the earlier
 * one. Lines without '=' are an error (-EINVAL, *line set). */
int sysctl_parse(const char *text, size_t len, struct sysctl_set *out, unsigned *line);
const struct sysctl_entry *sysctl_get(const struct sysctl_set *s, const char *key);
/* Normalises a value (runs of blanks to one space, trimmed); caller frees. */
char *sysctl_normalize(const char *value, size_t len);
/* "kernel.yama.ptrace_scope" -> "kernel/yama/ptrace_scope" (caller frees);
 * NULL for keys with "..", empty components or '/' (-EINVAL). */
char *sysctl_key_to_path(const char *key);

enum cap_decision { CAP_KEEP, CAP_DROP };
struct cap_entry {
	char *name;     /* CAP_SYS_MODULE */
	int number;     /* capability number (libcap) */
	enum cap_decision decision;
	char *reason;
};
struct cap_list {
	struct cap_entry *v;
	size_t n, cap;
};
void cap_list_free(struct cap_list *c);
/* "CAP_NAME keep|drop  reason..." per line. Unknown names are -EINVAL. */
int cap_list_parse(const char *text, size_t len, struct cap_list *out, unsigned *line);

/* Value of "Key:" in a /proc/<pid>/status text; NULL if absent (caller frees). */
char *status_get(const char *text, size_t len, const char *key);

struct mount_entry {
	char *mountpoint;
	char *fstype;
	char *source;
	char *options;   /* per-mount options (mountinfo) or fstab options */
	char *super;     /* superblock options (mountinfo only) */
	char *majmin;    /* "253:0" (mountinfo only) */
};
struct mount_table {
	struct mount_entry *v;
	size_t n, cap;
};
void mount_table_free(struct mount_table *t);
int mountinfo_parse(const char *text, size_t len, struct mount_table *out);
int fstab_parse(const char *text, size_t len, struct mount_table *out);
/* True if comma-separated OPTS contains OPT exactly. */
bool opt_has(const char *opts, const char *opt);

enum mount_verdict {
	MOUNT_OK,
	MOUNT_MISSING,     /* writable without every required option */
	MOUNT_ROOT_RW,     /* the root filesystem is writable */
	MOUNT_NOT_APPLICABLE,
};
/* The policy for one mount: "/" must be read-only; every other writable
 * mount must be nosuid,nodev,noexec (devtmpfs and devpts: nosuid,noexec);
 * fstab entries with "noauto" are judged like the others.
 * Writes the missing options (comma-separated) to missing. */
enum mount_verdict mount_judge(const struct mount_entry *m, char *missing, size_t size);
