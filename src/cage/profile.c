/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "profile.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cleanup.h"
#include "fileio.h"
#include "parse.h"
#include "filter.h"

#define MAX_TOKENS 8

static const char *const rlimit_names[CAGE_RL_COUNT] = {
	[CAGE_RL_NPROC] = "nproc", [CAGE_RL_AS] = "as",       [CAGE_RL_NOFILE] = "nofile",
	[CAGE_RL_FSIZE] = "fsize", [CAGE_RL_STACK] = "stack", [CAGE_RL_CPU] = "cpu",
	[CAGE_RL_CORE] = "core",
};

static const int rlimit_resources[CAGE_RL_COUNT] = {
	[CAGE_RL_NPROC] = RLIMIT_NPROC, [CAGE_RL_AS] = RLIMIT_AS,       [CAGE_RL_NOFILE] = RLIMIT_NOFILE,
	[CAGE_RL_FSIZE] = RLIMIT_FSIZE, [CAGE_RL_STACK] = RLIMIT_STACK, [CAGE_RL_CPU] = RLIMIT_CPU,
	[CAGE_RL_CORE] = RLIMIT_CORE,
};

const char *cage_rlimit_name(enum cage_rlimit r)
{
	return (unsigned)r < CAGE_RL_COUNT ? rlimit_names[r] : NULL;
}

int cage_rlimit_resource(enum cage_rlimit r)
{
	return (unsigned)r < CAGE_RL_COUNT ? rlimit_resources[r] : -1;
}

bool cage_path_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n >= PATH_MAX || s[0] != '/')
		return false;
	if (n == 1)
		return true;
	if (s[n - 1] == '/')
		return false;
	for (const char *c = s; *c; c++)
		if (*c <= ' ' || *c > '~')
			return false;
	for (const char *c = s; *c;) {
		const char *e;
		size_t len;

		c++; /* skip '/' */
		e = strchr(c, '/');
		len = e ? (size_t)(e - c) : strlen(c);
		if (len == 0 || (len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		if (len > NAME_MAX)
			return false;
		c += len;
	}
	return true;
}

bool cage_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > CAGE_NAME_MAX)
		return false;
	if (!(islower((unsigned char)s[0]) || isdigit((unsigned char)s[0])))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	}
	return true;
}

static int fail(struct cage_parse_error *err, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct cage_parse_error *err, unsigned line, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->line = line;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Valid CIDR "a.b.c.d/n" (IPv4) for the veth addresses. */
static bool cidr4_valid(const char *s)
{
	unsigned a, b, c, d, n;
	char tail;

	if (strlen(s) > 18)
		return false;
	if (sscanf(s, "%3u.%3u.%3u.%3u/%2u%c", &a, &b, &c, &d, &n, &tail) != 5)
		return false;
	for (const char *p = s; *p; p++)
		if (!isdigit((unsigned char)*p) && *p != '.' && *p != '/')
			return false;
	return a < 256 && b < 256 && c < 256 && d < 256 && n >= 1 && n <= 32;
}

static bool ipv4_valid(const char *s)
{
	char buf[24];

	if (strlen(s) > 15)
		return false;
	snprintf(buf, sizeof(buf), "%s/32", s);
	return cidr4_valid(buf);
}

static int set_string(char **field, const char *v, struct cage_parse_error *err, unsigned line,
		      const char *key)
{
	if (*field)
		return fail(err, line, "'%s' given twice", key);
	*field = strdup(v);
	return *field ? 0 : -ENOMEM;
}

static int add_syscall(struct cage_profile *p, const char *name, struct cage_parse_error *err, unsigned line)
{
	int nr;

	if (strcmp(name, "@all") == 0) {
		p->allow_all_syscalls = true;
		return 0;
	}
	if (name[0] == '@') {
		const char *const *group = cage_seccomp_group(name);

		if (!group)
			return fail(err, line, "unknown system call group '%.40s'", name);
		for (; *group; group++) {
			int r = add_syscall(p, *group, err, line);

			if (r < 0)
				return r;
		}
		return 0;
	}
	nr = cage_seccomp_resolve(name);
	if (nr < 0)
		return fail(err, line, "unknown system call '%.40s' on this architecture", name);
	for (size_t i = 0; i < p->n_syscalls; i++)
		if (p->syscalls[i] == nr)
			return 0;
	if (p->n_syscalls >= CAGE_MAX_SYSCALLS)
		return fail(err, line, "more than %u system calls", CAGE_MAX_SYSCALLS);
	p->syscalls[p->n_syscalls++] = nr;
	return 0;
}

static int add_mount(struct cage_profile *p, enum cage_mount_kind kind, char **tok, size_t n,
		     struct cage_parse_error *err, unsigned line, const char *key)
{
	struct cage_mount *m;
	const char *src = NULL, *dst;
	bool optional = false;

	if (kind == CAGE_MOUNT_TMPFS) {
		if (n != 1)
			return fail(err, line, "'%s' takes one path", key);
		dst = tok[0];
	} else if (kind == CAGE_MOUNT_SYMLINK) {
		if (n != 2)
			return fail(err, line, "'%s' takes TARGET LINK", key);
		src = tok[0];
		dst = tok[1];
		/* Target: relative or absolute, no "..", printable. */
		if (strlen(src) == 0 || strlen(src) >= PATH_MAX || strstr(src, ".."))
			return fail(err, line, "invalid symlink target '%.60s'", src);
		for (const char *c = src; *c; c++)
			if (*c <= ' ' || *c > '~')
				return fail(err, line, "invalid symlink target '%.60s'", src);
	} else {
		if (n == 3 && strcmp(tok[2], "optional") == 0 && kind == CAGE_MOUNT_RO) {
			optional = true;
			n = 2;
		}
		if (n != 1 && n != 2)
			return fail(err, line, "'%s' takes SOURCE [DESTINATION]%s", key,
				    kind == CAGE_MOUNT_RO ? " [optional]" : "");
		src = tok[0];
		dst = n == 2 ? tok[1] : tok[0];
		if (!cage_path_valid(src))
			return fail(err, line, "'%.60s' is not a canonical absolute path", src);
	}
	if (!cage_path_valid(dst))
		return fail(err, line, "'%.60s' is not a canonical absolute path", dst);
	if (strcmp(dst, "/") == 0 || strcmp(dst, "/proc") == 0 || strncmp(dst, "/proc/", 6) == 0 ||
	    strcmp(dst, "/dev") == 0 || strncmp(dst, "/dev/", 5) == 0)
		return fail(err, line, "destination '%.60s' is reserved (/, /proc and /dev are built by the cage)",
			    dst);
	for (size_t i = 0; i < p->n_mounts; i++)
		if (strcmp(p->mounts[i].dst, dst) == 0)
			return fail(err, line, "destination '%.60s' given twice", dst);
	if (p->n_mounts >= CAGE_MAX_MOUNTS)
		return fail(err, line, "more than %u mounts", CAGE_MAX_MOUNTS);
	m = &p->mounts[p->n_mounts];
	m->kind = kind;
	m->optional = optional;
	m->dst = strdup(dst);
	m->src = src ? strdup(src) : NULL;
	p->n_mounts++;
	if (!m->dst || (src && !m->src))
		return -ENOMEM;
	return 0;
}

static int parse_limit(const char *v, uint64_t *out)
{
	if (strcmp(v, "infinity") == 0) {
		*out = UINT64_MAX;
		return 0;
	}
	return parse_size(v, out);
}

static int parse_id(const char *v, uint32_t *out)
{
	int r = parse_u32(v, out);

	if (r < 0)
		return r;
	/* Never root, never the overflow ids, stay in the 16-bit range images use. */
	if (*out == 0 || *out >= 65534)
		return -ERANGE;
	return 0;
}

static int handle(struct cage_profile *p, const char *key, char **tok, size_t n, const char *rest,
		  struct cage_parse_error *err, unsigned line)
{
	int r;

	if (strcmp(key, "ro") == 0)
		return add_mount(p, CAGE_MOUNT_RO, tok, n, err, line, key);
	if (strcmp(key, "home") == 0)
		return add_mount(p, CAGE_MOUNT_HOME, tok, n, err, line, key);
	if (strcmp(key, "tmpfs") == 0)
		return add_mount(p, CAGE_MOUNT_TMPFS, tok, n, err, line, key);
	if (strcmp(key, "symlink") == 0)
		return add_mount(p, CAGE_MOUNT_SYMLINK, tok, n, err, line, key);
	if (strcmp(key, "syscalls") == 0) {
		for (size_t i = 0; i < n; i++) {
			r = add_syscall(p, tok[i], err, line);
			if (r < 0)
				return r;
		}
		return 0;
	}
	if (strcmp(key, "nft") == 0) {
		/* One nftables statement per line, applied in the cage's own
		 * network namespace; the characters that would let a line
		 * escape into another command are refused. */
		if (strlen(rest) == 0 || strpbrk(rest, ";{}\\\"'`$#") || strstr(rest, "include"))
			return fail(err, line, "nft rule must be one statement without ; { } quotes # or include");
		if (p->n_nft >= CAGE_MAX_NFT)
			return fail(err, line, "more than %u nft rules", CAGE_MAX_NFT);
		p->nft[p->n_nft] = strdup(rest);
		if (!p->nft[p->n_nft])
			return -ENOMEM;
		p->n_nft++;
		return 0;
	}
	if (strcmp(key, "uplink") == 0) {
		if (n != 2 || !cidr4_valid(tok[0]) || !cidr4_valid(tok[1]) || strcmp(tok[0], tok[1]) == 0 ||
		    strcmp(strchr(tok[0], '/'), strchr(tok[1], '/')) != 0)
			return fail(err, line, "'uplink' takes two IPv4 CIDRs of one subnet: HOST_SIDE LEVEL_SIDE");
		r = set_string(&p->uplink_outer, tok[0], err, line, key);
		return r < 0 ? r : set_string(&p->uplink_inner, tok[1], err, line, key);
	}
	if (strcmp(key, "uplink-allow") == 0) {
		bool udp = n >= 2 && strcmp(tok[0], "udp") == 0;

		if (n < 2 || (!udp && strcmp(tok[0], "tcp") != 0))
			return fail(err, line, "'uplink-allow' takes tcp|udp PORT...");
		for (size_t i = 1; i < n; i++) {
			uint64_t port;

			if (parse_u64_range(tok[i], 1, 65535, &port) < 0)
				return fail(err, line, "uplink-allow: port must be 1..65535");
			if (p->n_uplink_allow >= CAGE_MAX_UPLINK)
				return fail(err, line, "more than %u uplink-allow ports", CAGE_MAX_UPLINK);
			p->uplink_allow[p->n_uplink_allow++] = (struct cage_uplink_allow){ udp, (uint16_t)port };
		}
		return 0;
	}
	if (strcmp(key, "uplink-deny") == 0) {
		if (n < 1)
			return fail(err, line, "'uplink-deny' takes CIDR...");
		for (size_t i = 0; i < n; i++) {
			if (!cidr4_valid(tok[i]))
				return fail(err, line, "uplink-deny: '%.40s' is not an IPv4 CIDR", tok[i]);
			if (p->n_uplink_deny >= CAGE_MAX_UPLINK)
				return fail(err, line, "more than %u uplink-deny prefixes", CAGE_MAX_UPLINK);
			p->uplink_deny[p->n_uplink_deny] = strdup(tok[i]);
			if (!p->uplink_deny[p->n_uplink_deny])
				return -ENOMEM;
			p->n_uplink_deny++;
		}
		return 0;
	}
	if (strcmp(key, "env") == 0) {
		const char *eq;

		if (n != 1 || !(eq = strchr(tok[0], '=')) || eq == tok[0])
			return fail(err, line, "'env' takes NAME=value");
		for (const char *c = tok[0]; c < eq; c++)
			if (!(isalnum((unsigned char)*c) || *c == '_'))
				return fail(err, line, "invalid environment variable name");
		if (p->n_env >= CAGE_MAX_ENV)
			return fail(err, line, "more than %u env entries", CAGE_MAX_ENV);
		p->env[p->n_env] = strdup(tok[0]);
		if (!p->env[p->n_env])
			return -ENOMEM;
		p->n_env++;
		return 0;
	}

	/* The remaining keys take exactly one value. */
	if (n != 1)
		return fail(err, line, "'%.40s' takes exactly one value", key);

	if (strcmp(key, "name") == 0) {
		if (!cage_name_valid(tok[0]))
			return fail(err, line, "name must match [a-z0-9][a-z0-9_-]{0,31}");
		return set_string(&p->name, tok[0], err, line, key);
	}
	if (strcmp(key, "uid") == 0 || strcmp(key, "gid") == 0) {
		uint32_t v;

		if (parse_id(tok[0], &v) < 0)
			return fail(err, line, "%s must be an integer in 1..65533 (never root)", key);
		if (key[0] == 'u')
			p->uid = v;
		else
			p->gid = v;
		return 0;
	}
	if (strcmp(key, "hostname") == 0) {
		if (!cage_name_valid(tok[0]))
			return fail(err, line, "hostname must match [a-z0-9][a-z0-9_-]{0,31}");
		return set_string(&p->hostname, tok[0], err, line, key);
	}
	if (strcmp(key, "cwd") == 0) {
		if (!cage_path_valid(tok[0]))
			return fail(err, line, "cwd must be a canonical absolute path");
		return set_string(&p->cwd, tok[0], err, line, key);
	}
	if (strcmp(key, "proc") == 0) {
		if (strcmp(tok[0], "pid-only") == 0)
			p->proc_full = false;
		else if (strcmp(tok[0], "full") == 0)
			p->proc_full = true;
		else
			return fail(err, line, "proc is pid-only or full");
		return 0;
	}
	if (strcmp(key, "tmpfs-size") == 0) {
		if (parse_size(tok[0], &p->tmpfs_size) < 0 || p->tmpfs_size < 4096)
			return fail(err, line, "invalid tmpfs-size");
		return 0;
	}
	if (strcmp(key, "network") == 0) {
		if (strcmp(tok[0], "none") == 0)
			p->net = CAGE_NET_NONE;
		else if (strcmp(tok[0], "level") == 0)
			p->net = CAGE_NET_LEVEL;
		else
			return fail(err, line, "network is none or level");
		return 0;
	}
	if (strcmp(key, "net-level") == 0) {
		if (!cage_name_valid(tok[0]) || strlen(tok[0]) > 8)
			return fail(err, line, "net-level must be a name of at most 8 characters");
		return set_string(&p->net_level, tok[0], err, line, key);
	}
	if (strcmp(key, "net-address") == 0 || strcmp(key, "net-peer") == 0) {
		if (!cidr4_valid(tok[0]))
			return fail(err, line, "%s must be an IPv4 address with a prefix (a.b.c.d/n)", key);
		return set_string(key[4] == 'a' ? &p->net_addr : &p->net_peer, tok[0], err, line, key);
	}
	if (strcmp(key, "net-gateway") == 0) {
		if (!ipv4_valid(tok[0]))
			return fail(err, line, "net-gateway must be an IPv4 address");
		return set_string(&p->net_gateway, tok[0], err, line, key);
	}
	if (strcmp(key, "memory-max") == 0) {
		if (parse_limit(tok[0], &p->memory_max) < 0 || p->memory_max < 1024 * 1024)
			return fail(err, line, "memory-max must be a size of at least 1M, or infinity");
		return 0;
	}
	if (strcmp(key, "pids-max") == 0) {
		if (parse_limit(tok[0], &p->pids_max) < 0 || p->pids_max < 1)
			return fail(err, line, "pids-max must be a positive integer or infinity");
		return 0;
	}
	if (strcmp(key, "cpu-weight") == 0) {
		if (parse_u64_range(tok[0], 1, 10000, &p->cpu_weight) < 0)
			return fail(err, line, "cpu-weight must be in 1..10000");
		return 0;
	}
	if (strncmp(key, "rlimit-", 7) == 0) {
		for (int i = 0; i < CAGE_RL_COUNT; i++) {
			if (strcmp(key + 7, rlimit_names[i]) != 0)
				continue;
			if (parse_limit(tok[0], &p->rlimit[i]) < 0)
				return fail(err, line, "%s must be a number (K/M/G/T suffix) or infinity", key);
			p->rlimit_set[i] = true;
			return 0;
		}
		return fail(err, line, "unknown rlimit '%.40s'", key);
	}
	if (strcmp(key, "seccomp-default") == 0) {
		if (strcmp(tok[0], "errno") == 0)
			p->seccomp_default = CAGE_SECCOMP_ERRNO;
		else if (strcmp(tok[0], "kill") == 0)
			p->seccomp_default = CAGE_SECCOMP_KILL;
		else
			return fail(err, line, "seccomp-default is errno or kill");
		return 0;
	}
	if (strcmp(key, "landlock") == 0) {
		if (strcmp(tok[0], "best-effort") == 0)
			p->landlock = CAGE_LANDLOCK_BEST_EFFORT;
		else if (strcmp(tok[0], "required") == 0)
			p->landlock = CAGE_LANDLOCK_REQUIRED;
		else if (strcmp(tok[0], "off") == 0)
			p->landlock = CAGE_LANDLOCK_OFF;
		else
			return fail(err, line, "landlock is best-effort, required or off");
		return 0;
	}
	return fail(err, line, "unknown key '%.40s'", key);
}

static int parse_line(struct cage_profile *p, char *s, struct cage_parse_error *err, unsigned line)
{
	char *tok[MAX_TOKENS];
	size_t n = 0;
	char *key, *eq, *rest, *save = NULL;

	for (char *c = s; *c; c++)
		if ((unsigned char)*c < 0x20 && *c != '\t')
			return fail(err, line, "control character in line");
		else if ((unsigned char)*c >= 0x7f)
			return fail(err, line, "non-ASCII character in line");
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0' || *s == '#')
		return 0;
	eq = strchr(s, '=');
	if (!eq)
		return fail(err, line, "expected 'key = value'");
	*eq = '\0';
	key = s;
	for (char *e = eq - 1; e >= key && (*e == ' ' || *e == '\t'); e--)
		*e = '\0';
	if (*key == '\0')
		return fail(err, line, "empty key");
	for (char *c = key; *c; c++)
		if (!(islower((unsigned char)*c) || isdigit((unsigned char)*c) || *c == '-'))
			return fail(err, line, "invalid key");
	rest = eq + 1;
	while (*rest == ' ' || *rest == '\t')
		rest++;
	for (size_t l = strlen(rest); l > 0 && (rest[l - 1] == ' ' || rest[l - 1] == '\t'); l--)
		rest[l - 1] = '\0';

	if (strcmp(key, "nft") == 0)
		return handle(p, key, tok, 0, rest, err, line);

	for (char *t = strtok_r(rest, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (n >= MAX_TOKENS)
			return fail(err, line, "too many values (at most %d)", MAX_TOKENS);
		tok[n++] = t;
	}
	if (n == 0)
		return fail(err, line, "'%.40s' has no value", key);
	return handle(p, key, tok, n, "", err, line);
}

static int validate(struct cage_profile *p, struct cage_parse_error *err, unsigned lines)
{
	if (!p->name)
		return fail(err, lines, "missing 'name'");
	if (p->uid == 0 || p->gid == 0)
		return fail(err, lines, "missing 'uid' or 'gid'");
	if (p->n_syscalls == 0 && !p->allow_all_syscalls)
		return fail(err, lines, "missing 'syscalls' (the allow-list; '@all' for only the fixed deny set)");
	if (p->net == CAGE_NET_LEVEL) {
		if (!p->net_level || !p->net_addr || !p->net_peer)
			return fail(err, lines, "network = level needs net-level, net-address and net-peer");
	} else if (p->net_level || p->net_addr || p->net_peer || p->net_gateway || p->n_nft || p->uplink_outer ||
		   p->n_uplink_allow || p->n_uplink_deny) {
		return fail(err, lines, "net-*, nft and uplink keys need network = level");
	}
	if ((p->n_uplink_allow || p->n_uplink_deny) && !p->uplink_outer) {
		return fail(err, lines, "uplink-allow and uplink-deny need uplink");
	}
	for (size_t i = 0; i < p->n_mounts; i++)
		for (size_t j = 0; j < p->n_mounts; j++) {
			const char *a = p->mounts[i].dst, *b = p->mounts[j].dst;
			size_t lb = strlen(b);

			/* Is a strictly below b? */
			if (i == j || strncmp(a, b, lb) != 0 || (a[lb] != '/' && lb != 1) || strlen(a) <= lb)
				continue;
			if (p->mounts[j].kind == CAGE_MOUNT_SYMLINK)
				return fail(err, lines, "'%.60s' is below the symlink '%.60s'", a, b);
			/* Mounts are made in order; a parent listed later would hide a. */
			if (i < j)
				return fail(err, lines, "'%.60s' must be listed after '%.60s', which contains it", a, b);
		}
	if (!p->hostname) {
		p->hostname = strdup(p->name);
		if (!p->hostname)
			return -ENOMEM;
	}
	return 0;
}

int cage_profile_parse(const char *buf, size_t len, struct cage_profile *p, struct cage_parse_error *err)
{
	unsigned line = 0;
	size_t pos = 0;
	char tmp[CAGE_PROFILE_MAX_LINE + 1];

	memset(p, 0, sizeof(*p));
	if (err) {
		err->line = 0;
		err->msg[0] = '\0';
	}
	if (len > CAGE_PROFILE_MAX_SIZE) {
		fail(err, 0, "profile larger than %u bytes", CAGE_PROFILE_MAX_SIZE);
		return -EFBIG;
	}
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		int r;

		line++;
		if (l > CAGE_PROFILE_MAX_LINE)
			return fail(err, line, "line longer than %u bytes", CAGE_PROFILE_MAX_LINE);
		if (memchr(buf + pos, '\0', l))
			return fail(err, line, "NUL byte in line");
		memcpy(tmp, buf + pos, l);
		tmp[l] = '\0';
		r = parse_line(p, tmp, err, line);
		if (r < 0)
			return r;
		pos += l + (nl ? 1 : 0);
	}
	return validate(p, err, line);
}

int cage_profile_load(const char *path, struct cage_profile *p, struct cage_parse_error *err)
{
	_cleanup_free_ uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	memset(p, 0, sizeof(*p));
	if (err) {
		err->line = 0;
		err->msg[0] = '\0';
	}
	r = read_file(path, CAGE_PROFILE_MAX_SIZE, &buf, &len);
	if (r < 0)
		return r;
	return cage_profile_parse((const char *)buf, len, p, err);
}

void cage_profile_free(struct cage_profile *p)
{
	free(p->name);
	free(p->hostname);
	free(p->cwd);
	free(p->net_level);
	free(p->net_addr);
	free(p->net_peer);
	free(p->net_gateway);
	free(p->uplink_outer);
	free(p->uplink_inner);
	for (size_t i = 0; i < p->n_uplink_deny; i++)
		free(p->uplink_deny[i]);
	for (size_t i = 0; i < p->n_mounts; i++) {
		free(p->mounts[i].src);
		free(p->mounts[i].dst);
	}
	for (size_t i = 0; i < p->n_nft; i++)
		free(p->nft[i]);
	for (size_t i = 0; i < p->n_env; i++)
		free(p->env[i]);
	memset(p, 0, sizeof(*p));
}
