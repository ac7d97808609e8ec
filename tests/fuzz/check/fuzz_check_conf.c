/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: every text format rempart-check reads from the checked
 * system: product cmdline file, kernel command line, sysctl.d, capabilities,
 * /proc/<pid>/status, mountinfo, fstab, and the decisions taken on them. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "live.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *t = (const char *)data;
	struct strv v = { 0 }, tok = { 0 };
	struct sysctl_set s = { 0 };
	struct cap_list c = { 0 };
	struct mount_table m = { 0 };
	unsigned line;
	char missing[64], *st;

	(void)conf_parse_cmdline_file(t, size, &v);
	(void)cmdline_split(t, size, &tok);
	for (size_t i = 0; i < v.n; i++) {
		const char *found;

		(void)cmdline_satisfies(&tok, v.v[i], &found);
	}
	(void)cmdline_get(&tok, "roothash");
	(void)sysctl_parse(t, size, &s, &line);
	(void)cap_list_parse(t, size, &c, &line);
	{
		char out[64];

		(void)kmsg_find(t, size, "Checked W+X mappings", out, sizeof(out));
		(void)cpuinfo_has_flag("flags\t: nx smep", "smep");
	}
	st = status_get(t, size, "CapBnd");
	free(st);
	if (mountinfo_parse(t, size, &m) == 0)
		for (size_t i = 0; i < m.n; i++)
			(void)mount_judge(&m.v[i], missing, sizeof(missing));
	mount_table_free(&m);
	if (fstab_parse(t, size, &m) == 0)
		for (size_t i = 0; i < m.n; i++)
			(void)mount_judge(&m.v[i], missing, sizeof(missing));
	mount_table_free(&m);
	strv_free(&v);
	strv_free(&tok);
	sysctl_set_free(&s);
	cap_list_free(&c);
	return 0;
}
