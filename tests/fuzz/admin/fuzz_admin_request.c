/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: rempart-admind's request parser (src/admin/request.c)
 * and the schema check of every verb, with its value validators.
 * Differential: whatever our strict parser accepts, jansson must accept
 * too, with the same members and values (never the other way round: the
 * subset is deliberately smaller). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"
#include "validate.h"
#include "verbs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

void admin_fuzz_differential(const uint8_t *data, size_t size, const struct request *r);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct request r;
	char err[160], msg[512];

	if (size > REQ_MAX_FRAME)
		return 0;
	if (req_parse(data, size, &r, err, sizeof(err)) == 0) {
		admin_fuzz_differential(data, size, &r);
		for (size_t i = 0; i < verb_count; i++)
			(void)verb_check_schema(&verb_table[i], &r, msg, sizeof(msg));
		req_free(&r);
	} else if (!err[0]) {
		__builtin_trap(); /* a rejection always says why */
	}
	/* the validators on the raw bytes as one string */
	if (size < 16384) {
		char *s = malloc(size + 1);

		if (!s)
			return 0;
		memcpy(s, data, size);
		s[size] = '\0';
		(void)v_ipv4_cidr_host(s);
		(void)v_cidr_list(s);
		(void)v_dns_list(s);
		(void)v_ifname(s);
		(void)v_url_https(s);
		(void)v_ike_id(s);
		(void)v_username(s);
		(void)v_ssh_pubkey(s);
		free(s);
	}
	return 0;
}
