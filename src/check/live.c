/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "live.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <libcryptsetup.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "efisig.h"
#include "fileio.h"
#include "hex.h"
#include "scan.h"

DEFINE_POINTER_CLEANUP(struct crypt_device, crypt_free)

#define SMALL (1u << 20)

static int read_sys(const struct live_opts *o, const char *path, char **out)
{
	_cleanup_free_ char *p = NULL;
	uint8_t *buf = NULL;
	size_t len;
	int r;

	*out = NULL;
	if (asprintf(&p, "%s%s", o->sysroot, path) < 0)
		return -ENOMEM;
	r = read_file(p, SMALL, &buf, &len);
	if (r < 0)
		return r;
	*out = (char *)buf; /* NUL-terminated by read_file */
	return (int)len;
}

static int read_sys_bin(const struct live_opts *o, const char *path, uint8_t **out, size_t *len)
{
	_cleanup_free_ char *p = NULL;

	if (asprintf(&p, "%s%s", o->sysroot, path) < 0)
		return -ENOMEM;
	return read_file(p, SMALL, out, len);
}

static void chomp(char *s)
{
	size_t n = strlen(s);

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

/* ---- firmware ---- */

static void check_efi_bool(const struct live_opts *o, struct report *r, const char *id, const char *var,
			   bool want, const char *objective, const char *expected)
{
	_cleanup_free_ uint8_t *buf = NULL;
	_cleanup_free_ char *path = NULL;
	size_t len;
	bool v;
	int ret;

	if (asprintf(&path, "/sys/firmware/efi/efivars/%s-" EFI_GLOBAL_GUID, var) < 0)
		return;
	ret = read_sys_bin(o, path, &buf, &len);
	if (ret == -ENOENT) {
		_cleanup_free_ char *efi = NULL;
		struct stat st;

		if (asprintf(&efi, "%s/sys/firmware/efi", o->sysroot) >= 0 && stat(efi, &st) < 0)
			report_add(r, id, objective, CHECK_FAIL, expected, "not booted through UEFI");
		else
			report_add(r, id, objective, CHECK_FAIL, expected, "variable %s absent", var);
		return;
	}
	if (ret < 0) {
		report_add(r, id, objective, CHECK_FAIL, expected, "cannot read %s: %s", var, strerror(-ret));
		return;
	}
	if (efivar_bool(buf, len, &v) < 0) {
		report_add(r, id, objective, CHECK_FAIL, expected, "%s malformed (%zu bytes)", var, len);
		return;
	}
	report_add(r, id, objective, v == want ? CHECK_OK : CHECK_FAIL, expected, "%s=%d", var, v);
}

static void check_keys(const struct live_opts *o, struct report *r, const char *id, const char *var,
		       const char *guid)
{
	_cleanup_free_ uint8_t *buf = NULL;
	_cleanup_free_ char *path = NULL, *crt = NULL;
	struct efisig_list l = { 0 };
	size_t len, x509 = 0, ms = 0, ours = 0, foreign = 0;
	uint8_t fp[32];
	bool have_fp = false;
	struct check *c;
	int ret;

	if (asprintf(&path, "/sys/firmware/efi/efivars/%s-%s", var, guid) < 0)
		return;
	if (o->keys_dir) {
		if (asprintf(&crt, "%s/%s.crt", o->keys_dir, var) < 0)
			return;
		ret = efisig_cert_fingerprint(crt, fp);
		if (ret < 0) {
			report_add(r, id, "Secure Boot with our keys (no Microsoft)", CHECK_FAIL, "our keys only",
				   "cannot read our certificate %s: %s", crt, strerror(-ret));
			return;
		}
		have_fp = true;
	}
	ret = read_sys_bin(o, path, &buf, &len);
	if (ret < 0) {
		report_add(r, id, "Secure Boot with our keys (no Microsoft)", CHECK_FAIL, "our keys only",
			   "%s %s", var, ret == -ENOENT ? "not enrolled" : strerror(-ret));
		return;
	}
	ret = efisig_parse(buf, len, true, &l);
	if (ret < 0) {
		report_add(r, id, "Secure Boot with our keys (no Microsoft)", CHECK_FAIL, "our keys only",
			   "%s is not a valid EFI signature list", var);
		efisig_list_free(&l);
		return;
	}
	for (size_t i = 0; i < l.n; i++) {
		x509 += l.v[i].x509;
		ms += l.v[i].microsoft;
		if (have_fp && l.v[i].x509) {
			if (memcmp(l.v[i].fingerprint, fp, sizeof(fp)) == 0)
				ours++;
			else
				foreign++;
		}
	}
	if (have_fp)
		c = report_add(r, id, "Secure Boot with our keys (no Microsoft)",
			       ours && !foreign && !ms ? CHECK_OK : CHECK_FAIL, "exactly our keys",
			       "%zu X.509: %zu ours (%s.crt), %zu other, %zu Microsoft", x509, ours, var, foreign, ms);
	else
		c = report_add(r, id, "Secure Boot with our keys (no Microsoft)", x509 && !ms ? CHECK_OK : CHECK_FAIL,
			       "our keys only", "%zu entries, %zu X.509, %zu Microsoft", l.n, x509, ms);
	for (size_t i = 0; i < l.n; i++)
		check_add_detail(c, "%s owner %s%s", l.v[i].x509 ? l.v[i].subject : l.v[i].sha256 ? "sha256 hash" : "other",
				 l.v[i].owner, l.v[i].microsoft ? " (Microsoft)" : "");
	efisig_list_free(&l);
}

/* ---- TPM ---- */

static void check_tpm(const struct live_opts *o, struct report *r)
{
	_cleanup_free_ char *v = NULL, *dev = NULL;
	struct stat st;

	if (read_sys(o, "/sys/class/tpm/tpm0/tpm_version_major", &v) >= 0) {
		chomp(v);
		report_add(r, "tpm.present", "TPM 2.0", strcmp(v, "2") == 0 ? CHECK_OK : CHECK_FAIL, "TPM 2.0",
			   "tpm0 version %s", v);
		return;
	}
	if (asprintf(&dev, "%s/dev/tpmrm0", o->sysroot) >= 0 && stat(dev, &st) == 0) {
		report_add(r, "tpm.present", "TPM 2.0", CHECK_OK, "TPM 2.0", "/dev/tpmrm0 (2.0 resource manager)");
		return;
	}
	report_add(r, "tpm.present", "TPM 2.0", CHECK_FAIL, "TPM 2.0", "no TPM (no /sys/class/tpm/tpm0)");
}

/* ---- verity ---- */

enum check_status verity_judge(const struct verity_state *v, const char *cmdline_roothash, char *found, size_t n)
{
	if (!v->is_dm) {
		snprintf(found, n, "/ is not a device-mapper device");
		return CHECK_FAIL;
	}
	if (!v->is_verity) {
		snprintf(found, n, "/ is dm device %s, not dm-verity", v->name);
		return CHECK_FAIL;
	}
	if (!v->status_known) {
		snprintf(found, n, "dm-verity %s, status unknown", v->name);
		return CHECK_FAIL;
	}
	if (v->corrupted) {
		snprintf(found, n, "dm-verity %s status corrupted", v->name);
		return CHECK_FAIL;
	}
	if (!cmdline_roothash || !*v->roothash) {
		snprintf(found, n, "dm-verity %s verified, root hash not compared (%s)", v->name,
			 cmdline_roothash ? "device hash unknown" : "no roothash= on the command line");
		return CHECK_FAIL;
	}
	if (strcasecmp(cmdline_roothash, v->roothash) != 0) {
		snprintf(found, n, "dm-verity %s verified, root hash %.16s... differs from roothash= %.16s...", v->name,
			 v->roothash, cmdline_roothash);
		return CHECK_FAIL;
	}
	snprintf(found, n, "dm-verity %s verified, root hash %.16s... = roothash=", v->name, v->roothash);
	return CHECK_OK;
}

static void verity_probe(const struct live_opts *o, const char *majmin, struct verity_state *v)
{
	_cleanup_free_ char *name = NULL, *uuid = NULL, *p = NULL;
	_cleanup_(crypt_freep) struct crypt_device *cd = NULL;
	struct crypt_active_device cad;
	char key[128];
	size_t klen = sizeof(key);

	memset(v, 0, sizeof(*v));
	if (asprintf(&p, "/sys/dev/block/%s/dm/name", majmin) < 0 || read_sys(o, p, &name) < 0)
		return;
	chomp(name);
	v->is_dm = true;
	snprintf(v->name, sizeof(v->name), "%s", name);
	free(p);
	p = NULL;
	if (asprintf(&p, "/sys/dev/block/%s/dm/uuid", majmin) >= 0 && read_sys(o, p, &uuid) >= 0 &&
	    strncmp(uuid, "CRYPT-VERITY-", 13) == 0)
		v->is_verity = true;
	if (*o->sysroot)
		return; /* fixture: no device-mapper to ask */
	if (crypt_init_by_name(&cd, name) < 0)
		return;
	if (crypt_get_type(cd) && strcmp(crypt_get_type(cd), CRYPT_VERITY) == 0)
		v->is_verity = true;
	if (crypt_get_active_device(cd, name, &cad) == 0) {
		v->status_known = true;
		v->corrupted = (cad.flags & CRYPT_ACTIVATE_CORRUPTED) != 0;
	}
	if (crypt_volume_key_get(cd, CRYPT_ANY_SLOT, key, &klen, NULL, 0) >= 0 && klen <= 64)
		hex_encode((const uint8_t *)key, klen, v->roothash);
}

/* ---- PID 1 ---- */

enum check_status capbnd_judge(const char *capbnd_hex, const struct cap_list *caps, char *found, size_t n)
{
	uint64_t bnd = 0;
	size_t w = 0;
	bool bad = false;

	if (!capbnd_hex || !*capbnd_hex || strlen(capbnd_hex) > 16 ||
	    strspn(capbnd_hex, "0123456789abcdefABCDEF") != strlen(capbnd_hex)) {
		snprintf(found, n, "CapBnd unreadable");
		return CHECK_FAIL;
	}
	bnd = strtoull(capbnd_hex, NULL, 16);
	found[0] = '\0';
	for (size_t i = 0; i < caps->n; i++) {
		if (caps->v[i].decision != CAP_DROP || caps->v[i].number < 0 || caps->v[i].number > 63)
			continue;
		if (bnd & (1ull << caps->v[i].number)) {
			int k = snprintf(found + w, n > w ? n - w : 0, "%s%s", bad ? "," : "still has ", caps->v[i].name);

			if (k > 0)
				w += (size_t)k;
			bad = true;
		}
	}
	if (!bad)
		snprintf(found, n, "CapBnd %s: every dropped capability absent", capbnd_hex);
	return bad ? CHECK_FAIL : CHECK_OK;
}

static void check_pid1(const struct live_opts *o, const struct expect *e, struct report *r)
{
	_cleanup_free_ char *st = NULL, *nnp = NULL, *bnd = NULL;
	char found[1024];
	int len = read_sys(o, "/proc/1/status", &st);

	if (len < 0) {
		report_add(r, "pid1.nonewprivs", "no privilege elevation (PID 1)", CHECK_FAIL, "NoNewPrivs: 1",
			   "cannot read /proc/1/status: %s", strerror(-len));
		report_add(r, "pid1.capbnd", "capability bounding set (PID 1)", CHECK_FAIL, "dropped caps absent",
			   "cannot read /proc/1/status");
		return;
	}
	nnp = status_get(st, (size_t)len, "NoNewPrivs");
	bnd = status_get(st, (size_t)len, "CapBnd");
	report_add(r, "pid1.nonewprivs", "no privilege elevation (PID 1)",
		   nnp && strcmp(nnp, "1") == 0 ? CHECK_OK : CHECK_FAIL, "NoNewPrivs: 1", "NoNewPrivs: %s",
		   nnp ? nnp : "absent");
	if (!e->have_caps) {
		report_add(r, "pid1.capbnd", "capability bounding set (PID 1)", CHECK_FAIL, "dropped caps absent",
			   "CapBnd %s; no capabilities file to compare with", bnd ? bnd : "?");
		return;
	}
	enum check_status s = capbnd_judge(bnd, &e->caps, found, sizeof(found));
	report_add(r, "pid1.capbnd", "capability bounding set (PID 1)", s, "dropped caps absent", "%s", found);
}

/* ---- kernel ---- */

const char *lockdown_mode(const char *content, char *buf, size_t n)
{
	const char *a = strchr(content, '['), *b = a ? strchr(a, ']') : NULL;

	if (!a || !b || (size_t)(b - a - 1) >= n)
		return NULL;
	memcpy(buf, a + 1, (size_t)(b - a - 1));
	buf[b - a - 1] = '\0';
	return buf;
}

static void check_lockdown(const struct live_opts *o, const struct expect *e, struct report *r)
{
	_cleanup_free_ char *s = NULL;
	const char *want = cmdline_get(&e->cmdline, "lockdown");
	char buf[64];
	const char *mode;

	if (!want)
		want = "confidentiality";
	if (read_sys(o, "/sys/kernel/security/lockdown", &s) < 0) {
		report_add(r, "kernel.lockdown", "kernel hardening (lockdown)", CHECK_FAIL, want,
			   "no /sys/kernel/security/lockdown (LSM absent or securityfs not mounted)");
		return;
	}
	chomp(s);
	mode = lockdown_mode(s, buf, sizeof(buf));
	report_add(r, "kernel.lockdown", "kernel hardening (lockdown)",
		   mode && strcmp(mode, want) == 0 ? CHECK_OK : CHECK_FAIL, want, "%s", mode ? mode : s);
}

static void check_sysctl_live(const struct live_opts *o, const struct expect *e, struct report *r)
{
	for (size_t i = 0; i < e->sysctl.n; i++) {
		const struct sysctl_entry *want = &e->sysctl.v[i];
		_cleanup_free_ char *path = sysctl_key_to_path(want->key), *full = NULL, *id = NULL, *exp = NULL,
				    *val = NULL;
		enum check_status s;

		if (!path || asprintf(&full, "/proc/sys/%s", path) < 0 || asprintf(&id, "sysctl:%s", want->key) < 0 ||
		    asprintf(&exp, "%s = %s", want->key, want->value) < 0)
			return;
		if (read_sys(o, full, &val) < 0) {
			s = sysctl_judge(want, NULL, true);
			struct check *c = report_add(r, id, "kernel hardening (sysctl)", s, exp, "absent on this kernel");
			if (c && s == CHECK_NA && !c->note)
				c->note = strdup("optional ('-' prefix) and absent");
			continue;
		}
		chomp(val);
		s = sysctl_judge(want, val, true);
		report_add(r, id, "kernel hardening (sysctl)", s, exp, "%s", val);
	}
}

static void check_modules_disabled(const struct live_opts *o, struct report *r)
{
	_cleanup_free_ char *v = NULL;

	if (read_sys(o, "/proc/sys/kernel/modules_disabled", &v) < 0) {
		_cleanup_free_ char *m = NULL;

		if (read_sys(o, "/proc/modules", &m) < 0)
			report_add(r, "kernel.modules_disabled", "module lockdown", CHECK_OK, "1",
				   "kernel built without module support (no /proc/modules)");
		else
			report_add(r, "kernel.modules_disabled", "module lockdown", CHECK_FAIL, "1", "absent");
		return;
	}
	chomp(v);
	report_add(r, "kernel.modules_disabled", "module lockdown", strcmp(v, "1") == 0 ? CHECK_OK : CHECK_FAIL, "1",
		   "%s", v);
}

/* ---- CPU and platform ---- */

bool cpuinfo_value(const char *cpuinfo, const char *key, char *out, size_t n)
{
	size_t kl = strlen(key);

	for (const char *l = cpuinfo; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *colon;
		size_t ll;

		if (strncmp(l, key, kl) != 0 || (l[kl] != ' ' && l[kl] != '\t' && l[kl] != ':'))
			continue;
		colon = strchr(l, ':');
		if (!colon)
			continue;
		colon++;
		while (*colon == ' ' || *colon == '\t')
			colon++;
		ll = strcspn(colon, "\n");
		if (ll >= n)
			ll = n - 1;
		memcpy(out, colon, ll);
		out[ll] = '\0';
		return true;
	}
	return false;
}

bool cpuinfo_has_flag(const char *cpuinfo, const char *flag)
{
	static __thread char flags[8192];
	size_t fl = strlen(flag);

	if (!cpuinfo_value(cpuinfo, "flags", flags, sizeof(flags)))
		return false;
	for (const char *p = flags; (p = strstr(p, flag)); p += fl)
		if ((p == flags || p[-1] == ' ') && (p[fl] == ' ' || p[fl] == '\0'))
			return true;
	return false;
}

enum check_status vuln_judge(const char *content)
{
	if (strncmp(content, "Not affected", 12) == 0 || strncmp(content, "Mitigation", 10) == 0)
		return CHECK_OK;
	return CHECK_FAIL;
}

static void check_cpu(const struct live_opts *o, struct report *r)
{
	_cleanup_free_ char *ci = NULL, *vd = NULL;
	static const struct {
		const char *flag, *id, *what;
	} flags[] = {
		{ "nx", "cpu.nx", "NX (no-execute pages)" },
		{ "smep", "cpu.smep", "SMEP" },
		{ "smap", "cpu.smap", "SMAP" },
	};
	char wp[32];

	if (read_sys(o, "/proc/cpuinfo", &ci) < 0) {
		report_add(r, "cpu.info", "hardware requirements", CHECK_FAIL, "readable", "no /proc/cpuinfo");
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
		bool has = cpuinfo_has_flag(ci, flags[i].flag);

		report_add(r, flags[i].id, "hardware requirements", has ? CHECK_OK : CHECK_FAIL, flags[i].what,
			   "%s", has ? "enabled (cpuinfo flag)" : "absent from cpuinfo flags (unsupported or disabled)");
	}
	if (cpuinfo_value(ci, "wp", wp, sizeof(wp)))
		report_add(r, "cpu.wp", "hardware requirements", strcmp(wp, "yes") == 0 ? CHECK_OK : CHECK_FAIL,
			   "CR0.WP (wp: yes)", "wp: %s", wp);
	else
		report_add(r, "cpu.wp", "hardware requirements", CHECK_NA, "CR0.WP (wp: yes)",
			   "no wp line (not x86)");
	if (asprintf(&vd, "%s/sys/devices/system/cpu/vulnerabilities", o->sysroot) < 0)
		return;
	struct dirent **list = NULL;
	int nl = scandir(vd, &list, NULL, alphasort);

	for (int i = 0; i < nl; i++) {
		_cleanup_free_ char *p = NULL, *v = NULL, *id = NULL;
		const char *name = list[i]->d_name;

		if (name[0] != '.' && asprintf(&p, "/sys/devices/system/cpu/vulnerabilities/%s", name) >= 0 &&
		    read_sys(o, p, &v) >= 0 && asprintf(&id, "cpu.vuln:%s", name) >= 0) {
			chomp(v);
			report_add(r, id, "CPU mitigations", vuln_judge(v), "Not affected / Mitigation", "%s", v);
		}
		free(list[i]);
	}
	free(list);
}

static void check_iommu(const struct live_opts *o, struct report *r)
{
	_cleanup_free_ char *p = NULL;
	DIR *d;
	struct dirent *de;
	size_t n = 0;
	char first[256] = "";

	if (asprintf(&p, "%s/sys/class/iommu", o->sysroot) < 0)
		return;
	d = opendir(p);
	if (d) {
		while ((de = readdir(d)))
			if (de->d_name[0] != '.') {
				if (!n)
					snprintf(first, sizeof(first), "%s", de->d_name);
				n++;
			}
		closedir(d);
	}
	if (n)
		report_add(r, "platform.iommu", "hardware requirements (DMA isolation)", CHECK_OK, "an active IOMMU",
			   "%zu IOMMU units (%s)", n, first);
	else
		report_add(r, "platform.iommu", "hardware requirements (DMA isolation)", CHECK_FAIL, "an active IOMMU",
			   "no IOMMU in /sys/class/iommu");
}

/* ---- kernel log ---- */

bool kmsg_find(const char *text, size_t len, const char *needle, char *out, size_t n)
{
	size_t pos = 0;

	while (pos < len) {
		const char *l = text + pos, *nl = memchr(l, '\n', len - pos), *semi;
		size_t ll = nl ? (size_t)(nl - l) : len - pos;

		pos += ll + 1;
		semi = memchr(l, ';', ll);
		if (semi) {
			ll -= (size_t)(semi + 1 - l);
			l = semi + 1;
		}
		if (memmem(l, ll, needle, strlen(needle))) {
			if (n) {
				size_t c = ll < n - 1 ? ll : n - 1;

				memcpy(out, l, c);
				out[c] = '\0';
			}
			return true;
		}
	}
	return false;
}

/* Reads every record of /dev/kmsg (one record per read on the device, the
 * whole file for a fixture) without blocking. */
static int read_kmsg(const struct live_opts *o, char **out, size_t *outlen)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -1;
	size_t len = 0, cap = 1 << 16;
	char *buf;

	if (asprintf(&path, "%s/dev/kmsg", o->sysroot) < 0)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t k;

		if (cap - len < 8192) {
			char *nb = cap < (4u << 20) ? realloc(buf, cap * 2) : NULL;

			if (!nb)
				break; /* enough: the boot messages come first */
			buf = nb;
			cap *= 2;
		}
		k = read(fd, buf + len, cap - len - 1);
		if (k < 0 && errno == EPIPE)
			continue; /* a record was overwritten while reading */
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		len += (size_t)k;
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
}

static void check_kernel_log(const struct live_opts *o, struct report *r)
{
	_cleanup_free_ char *log = NULL;
	char line[256];
	size_t len = 0;
	int ret = read_kmsg(o, &log, &len);

	if (ret < 0) {
		report_add(r, "kernel.rodata", "W^X (kernel)", CHECK_FAIL, "kernel rodata write-protected",
			   "cannot read /dev/kmsg: %s", strerror(-ret));
		report_add(r, "kernel.wx", "W^X (kernel)", CHECK_FAIL, "no W+X kernel mapping",
			   "cannot read /dev/kmsg: %s", strerror(-ret));
		return;
	}
	if (kmsg_find(log, len, "Write protecting the kernel read-only data", line, sizeof(line)))
		report_add(r, "kernel.rodata", "W^X (kernel)", CHECK_OK, "kernel rodata write-protected", "%s", line);
	else
		report_add(r, "kernel.rodata", "W^X (kernel)", CHECK_FAIL, "kernel rodata write-protected",
			   "no 'Write protecting the kernel read-only data' in the kernel log");
	if (kmsg_find(log, len, "Checked W+X mappings: passed", line, sizeof(line)))
		report_add(r, "kernel.wx", "W^X (kernel)", CHECK_OK, "no W+X kernel mapping", "%s", line);
	else if (kmsg_find(log, len, "Checked W+X mappings: FAILED", line, sizeof(line)))
		report_add(r, "kernel.wx", "W^X (kernel)", CHECK_FAIL, "no W+X kernel mapping", "%s", line);
	else
		report_add(r, "kernel.wx", "W^X (kernel)", CHECK_FAIL, "no W+X kernel mapping",
			   "no W+X mapping check in the kernel log (CONFIG_DEBUG_WX off, or log rotated)");
	if (kmsg_find(log, len, "NX (Execute Disable) protection: active", line, sizeof(line)))
		report_add(r, "kernel.nx", "hardware requirements", CHECK_OK, "NX active (kernel log)", "%s", line);
	else
		report_add(r, "kernel.nx", "hardware requirements", CHECK_FAIL, "NX active (kernel log)",
			   "no 'NX (Execute Disable) protection: active' in the kernel log");
}

/* ---- mounts ---- */

static void check_mounts(const struct live_opts *o, struct report *r, const char *cmdline_roothash)
{
	_cleanup_free_ char *mi = NULL;
	struct mount_table t = { 0 };
	const struct mount_entry *root = NULL;
	int len = read_sys(o, "/proc/self/mountinfo", &mi);

	if (len < 0 || mountinfo_parse(mi, (size_t)len, &t) < 0) {
		report_add(r, "mount.table", "writable mounts nosuid,nodev,noexec", CHECK_FAIL, "readable mountinfo",
			   "cannot read /proc/self/mountinfo");
		mount_table_free(&t);
		return;
	}
	for (size_t i = 0; i < t.n; i++) {
		bool shadowed = false;

		/* Only the last mount on a mount point is visible. */
		for (size_t j = i + 1; j < t.n; j++)
			if (strcmp(t.v[i].mountpoint, t.v[j].mountpoint) == 0)
				shadowed = true;
		if (shadowed)
			continue;
		if (strcmp(t.v[i].mountpoint, "/") == 0)
			root = &t.v[i];
		check_mount_entry(&t.v[i], r, "mounted");
	}
	if (root) {
		struct verity_state v;
		char found[512];
		enum check_status s;

		verity_probe(o, root->majmin, &v);
		s = verity_judge(&v, cmdline_roothash, found, sizeof(found));
		report_add(r, "root.verity", "verified root (dm-verity)", s, "dm-verity, verified, = roothash", "%s",
			   found);
	} else {
		report_add(r, "root.verity", "verified root (dm-verity)", CHECK_FAIL, "dm-verity, verified, = roothash",
			   "no / in mountinfo");
	}
	mount_table_free(&t);
}

int live_run(struct report *r, const struct live_opts *o)
{
	struct expect e = { 0 };
	struct rootfs *fs = NULL;
	_cleanup_free_ char *bad = NULL, *cl = NULL, *top = NULL;
	struct strv tokens = { 0 };
	int len, ret;

	if (asprintf(&top, "%s/", o->sysroot) < 0)
		return -ENOMEM;
	ret = rootfs_open_dir(top, false, &fs);
	if (ret < 0)
		return ret;
	fs->skip_pseudo = true;
	if (o->expect_dir) {
		struct rootfs *efs = NULL;

		ret = rootfs_open_dir(o->expect_dir, true, &efs);
		if (ret == 0) {
			ret = expect_load(efs, "", &e, &bad);
			free(e.source);
			e.source = strdup(o->expect_dir);
			rootfs_close(efs);
		}
	} else {
		ret = expect_load(fs, HARDENING_DIR, &e, &bad);
	}
	if (ret < 0) {
		rootfs_close(fs);
		expect_free(&e);
		if (bad) {
			report_add(r, "expect.files", "hardening configuration shipped", CHECK_FAIL, "valid files",
				   "%s is malformed", bad);
			return -EINVAL;
		}
		return ret;
	}
	expect_report(&e, r);

	check_efi_bool(o, r, "boot.secureboot", "SecureBoot", true, "Secure Boot on", "SecureBoot=1");
	check_efi_bool(o, r, "boot.setupmode", "SetupMode", false, "Secure Boot keys locked (user mode)",
		       "SetupMode=0");
	check_keys(o, r, "boot.keys.pk", "PK", EFI_GLOBAL_GUID);
	check_keys(o, r, "boot.keys.kek", "KEK", EFI_GLOBAL_GUID);
	check_keys(o, r, "boot.keys.db", "db", EFI_IMAGE_SECURITY_DATABASE_GUID);
	check_tpm(o, r);

	len = read_sys(o, "/proc/cmdline", &cl);
	if (len >= 0)
		cmdline_split(cl, (size_t)len, &tokens);
	if (report_wants_group(r, "mount") || report_wants_group(r, "root"))
		check_mounts(o, r, cmdline_roothash(&tokens));
	check_lockdown(o, &e, r);
	check_sysctl_live(o, &e, r);
	check_modules_disabled(o, r);
	if (len < 0)
		report_add(r, "cmdline.roothash", "verified root (dm-verity)", CHECK_FAIL, "readable", "no /proc/cmdline");
	else
		check_cmdline(&tokens, &e, r, "/proc/cmdline");
	check_pid1(o, &e, r);
	check_cpu(o, r);
	check_iommu(o, r);
	if (report_wants_group(r, "kernel"))
		check_kernel_log(o, r);
	ret = 0;
	if (o->scan) {
		struct scan_opts so = { .what = 0, .exclude = o->exclude, .where = "/" };

		if (report_wants_group(r, "suid"))
			so.what |= SCAN_SUID;
		if (report_wants_group(r, "elf"))
			so.what |= SCAN_ELF;
		if (report_wants_group(r, "interp"))
			so.what |= SCAN_INTERP;
		if (so.what)
			ret = scan_rootfs(fs, r, &so);
	}
	strv_free(&tokens);
	expect_free(&e);
	rootfs_close(fs);
	return ret;
}
