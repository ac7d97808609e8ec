/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Role resolution: the pure decision, and lookups in this machine's
 * account database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "role.h"

static void test_decide(void **state)
{
	gid_t g[] = { 100, 500, 600 };
	bool conflict;

	(void)state;
	assert_int_equal(role_decide(1000, g, 3, true, 500, true, 700, &conflict), ROLE_ADMIN);
	assert_false(conflict);
	assert_int_equal(role_decide(1000, g, 3, true, 700, true, 600, &conflict), ROLE_AUDIT);
	assert_int_equal(role_decide(1000, g, 3, true, 700, true, 800, &conflict), ROLE_USER);
	assert_false(conflict);
	/* both groups: exclusive roles, refused closed */
	assert_int_equal(role_decide(1000, g, 3, true, 500, true, 600, &conflict), ROLE_USER);
	assert_true(conflict);
	/* root is never admin nor audit */
	assert_int_equal(role_decide(0, g, 3, true, 500, false, 0, &conflict), ROLE_USER);
	assert_true(conflict);
	assert_int_equal(role_decide(0, g, 3, false, 0, false, 0, &conflict), ROLE_USER);
	assert_false(conflict);
	/* a group that does not exist matches nothing, even gid 0 */
	gid_t zero[] = { 0 };
	assert_int_equal(role_decide(1000, zero, 1, false, 0, false, 0, &conflict), ROLE_USER);
	assert_int_equal(role_decide(1000, NULL, 0, true, 500, true, 600, &conflict), ROLE_USER);
}

static void test_resolve(void **state)
{
	struct role_groups groups = { .admin = "root", .audit = "rempart-no-such-group" };
	bool conflict;

	(void)state;
	/* uid 0 is in group "root", used here as the admin group: still user */
	assert_int_equal(role_resolve(0, &groups, &conflict), ROLE_USER);
	assert_true(conflict);
	/* no such uid */
	assert_int_equal(role_resolve(2147483000u, &groups, &conflict), ROLE_USER);
	assert_false(conflict);
	/* "daemon" (uid 1) is in group daemon: made the audit group here */
	groups.admin = "rempart-no-such-group";
	groups.audit = "daemon";
	assert_int_equal(role_resolve(1, &groups, &conflict), ROLE_AUDIT);
	groups.admin = "daemon";
	groups.audit = "rempart-no-such-group";
	assert_int_equal(role_resolve(1, &groups, &conflict), ROLE_ADMIN);
	assert_string_equal(role_name(ROLE_ADMIN), "admin");
	assert_string_equal(role_name(ROLE_AUDIT), "audit");
	assert_string_equal(role_name(ROLE_USER), "user");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_resolve),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
