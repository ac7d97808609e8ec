/* SPDX-License-Identifier: GPL-2.0-or-later */
/* status, network.*, ipsec.get/set, update.get/set: the configuration
 * files of the state allow-list (docs/admin.md, "File formats"). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "admind.h"
#include "cleanup.h"
#include "conf.h"
#include "fileio.h"
#include "validate.h"

#define S(req, key) ({ const struct req_field *_f = req_get(req, key); _f ? _f->str : NULL; })

static int config_path(struct admind *d, const char *name, char *out, size_t size)
{
	if ((size_t)snprintf(out, size, "%s/%s", d->config_dir, name) >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* Writes text atomically into the config directory (created 0755). */
static int write_config(struct admind *d, const char *name, const char *text, char *msg, size_t msglen)
{
	char path[600];
	int r;

	r = config_path(d, name, path, sizeof(path));
	if (r == 0)
		r = mkdir_p(d->config_dir, 0755);
	if (r == 0)
		r = write_file_atomic(path, text, strlen(text), 0644);
	if (r < 0)
		return verb_fail(msg, msglen, r, "cannot write %s: %s", path, strerror(-r));
	return 0;
}

/* Emits every key of a config file as a string member; "configured":false
 * when the file does not exist. */
static int emit_config(struct admind *d, const char *name, struct json *out, char *msg, size_t msglen)
{
	char path[600];
	struct conf c;
	int r;

	r = config_path(d, name, path, sizeof(path));
	if (r < 0)
		return verb_fail(msg, msglen, r, "path too long");
	r = conf_load(path, &c);
	if (r == -ENOENT) {
		json_kv_bool(out, "configured", false);
		return 0;
	}
	if (r < 0)
		return verb_fail(msg, msglen, r, "cannot read %s (line %u): %s", path, c.error_line,
				 strerror(-r));
	json_kv_bool(out, "configured", true);
	for (size_t i = 0; i < c.n; i++)
		json_kv_str(out, c.v[i].key, c.v[i].value);
	conf_free(&c);
	return 0;
}

static void appendf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void appendf(char *buf, size_t size, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf + n, size - n, fmt, ap);
	va_end(ap);
}

/* IMAGE_VERSION (else VERSION_ID) of os-release, quotes removed. */
static void os_version(char *out, size_t size)
{
	static const char *const files[] = { "/etc/os-release", "/usr/lib/os-release" };
	static const char *const keys[] = { "IMAGE_VERSION=", "VERSION_ID=" };

	snprintf(out, size, "unknown");
	for (size_t k = 0; k < ARRAY_SIZE(keys); k++)
		for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
			_cleanup_free_ uint8_t *buf = NULL;
			size_t len, kl = strlen(keys[k]);
			char *line, *save = NULL;

			if (read_file(files[i], 64 * 1024, &buf, &len) < 0)
				continue;
			for (line = strtok_r((char *)buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
				char *v = line + kl;
				size_t vl;

				if (strncmp(line, keys[k], kl))
					continue;
				vl = strlen(v);
				if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) {
					v++;
					vl -= 2;
				}
				snprintf(out, size, "%.*s", (int)(vl > 47 ? 47 : vl), v);
				return;
			}
		}
}

int verb_status(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen)
{
	struct conf c;
	struct timespec ts;
	char path[600];

	(void)req;
	(void)msg;
	(void)msglen;
	{
		char v[48];

		os_version(v, sizeof(v));
		json_kv_str(out, "version", v);
	}
	if (clock_gettime(CLOCK_BOOTTIME, &ts) == 0)
		json_kv_u64(out, "uptime_s", (uint64_t)ts.tv_sec);
	if (config_path(d, "network.conf", path, sizeof(path)) == 0 && conf_load(path, &c) == 0) {
		const char *m = conf_get(&c, "mode");

		json_kv_str(out, "network", m ? m : "unset");
		conf_free(&c);
	} else {
		json_kv_str(out, "network", "default");
	}
	return 0;
}

int verb_network_get(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen)
{
	(void)req;
	return emit_config(d, "network.conf", out, msg, msglen);
}

int verb_network_set(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen)
{
	const char *mode = S(req, "mode"), *addr = S(req, "address"), *gw = S(req, "gateway");
	const char *dns = S(req, "dns"), *ifn = S(req, "interface"), *levels = S(req, "levels");
	char text[512] = "# written by rempart-admind (network.set); do not edit\n";
	int r;

	if (!strcmp(mode, "static")) {
		if (!addr || !gw)
			return verb_fail(msg, msglen, -EINVAL, "network.set: static mode needs address and gateway");
		/* the gateway must be on the address's subnet and not the address itself */
		{
			char a[16];
			unsigned p = (unsigned)atoi(strchr(addr, '/') + 1);
			struct in_addr ia, ig;
			uint32_t mask = p == 0 ? 0 : 0xffffffffu << (32 - p);

			snprintf(a, sizeof(a), "%.*s", (int)(strchr(addr, '/') - addr), addr);
			if (inet_pton(AF_INET, a, &ia) != 1 || inet_pton(AF_INET, gw, &ig) != 1)
				return verb_fail(msg, msglen, -EINVAL, "network.set: unparsable address");
			if ((ntohl(ia.s_addr) & mask) != (ntohl(ig.s_addr) & mask) || ia.s_addr == ig.s_addr)
				return verb_fail(msg, msglen, -EINVAL,
						 "network.set: gateway %s is not another address of %s's subnet", gw,
						 addr);
		}
		appendf(text, sizeof(text), "mode = static\naddress = %s\ngateway = %s\n", addr, gw);
		if (dns)
			appendf(text, sizeof(text), "dns = %s\n", dns);
	} else {
		if (addr || gw || dns)
			return verb_fail(msg, msglen, -EINVAL,
					 "network.set: address, gateway and dns are for static mode only");
		appendf(text, sizeof(text), "mode = dhcp\n");
	}
	if (ifn)
		appendf(text, sizeof(text), "interface = %s\n", ifn);
	if (levels)
		appendf(text, sizeof(text), "levels = %s\n", levels);
	r = write_config(d, "network.conf", text, msg, msglen);
	if (r < 0)
		return r;
	json_kv_str(out, "written", "network.conf");
	return verb_apply(d, d->unit_network, "RestartUnit", out, msg, msglen);
}

int verb_ipsec_set(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen)
{
	const char *lid = S(req, "local_id"), *vip = S(req, "virtual_ip");
	char text[2048] = "# written by rempart-admind (ipsec.set); do not edit\n";
	int r;

	appendf(text, sizeof(text), "gateway = %s\nremote_id = %s\n", S(req, "gateway"), S(req, "remote_id"));
	if (lid)
		appendf(text, sizeof(text), "local_id = %s\n", lid);
	appendf(text, sizeof(text), "remote_ts = %s\n", S(req, "remote_ts"));
	if (vip)
		appendf(text, sizeof(text), "virtual_ip = %s\n", vip);
	r = write_config(d, "ipsec.conf", text, msg, msglen);
	if (r < 0)
		return r;
	json_kv_str(out, "written", "ipsec.conf");
	return verb_apply(d, d->unit_ipsec, "RestartUnit", out, msg, msglen);
}

int verb_update_get(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen)
{
	(void)req;
	return emit_config(d, "update.conf", out, msg, msglen);
}

int verb_update_set(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen)
{
	const char *server = S(req, "server"), *channel = S(req, "channel");
	char text[1200] = "# written by rempart-admind (update.set); only server and channel are allowed here\n";
	int r;

	if (!server && !channel)
		return verb_fail(msg, msglen, -EINVAL, "update.set: give server, channel or both");
	if (server)
		appendf(text, sizeof(text), "server = %s\n", server);
	if (channel)
		appendf(text, sizeof(text), "channel = %s\n", channel);
	r = write_config(d, "update.conf", text, msg, msglen);
	if (r < 0)
		return r;
	json_kv_str(out, "written", "update.conf");
	/* rempart-update reads its configuration at each run */
	json_kv_str(out, "applied", "at the next update run");
	return 0;
}
