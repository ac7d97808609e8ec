# SPDX-License-Identifier: GPL-2.0-or-later
# Minimal test helpers for shell test suites. Each suite sources this,
# calls t_ok/t_fail (or the assert helpers), then t_done, which prints
# "N passed, N failed" and exits non-zero if anything failed.

T_PASS=0
T_FAIL=0
T_NAME=${T_NAME:-$(basename "$0" .sh)}

t_ok() { T_PASS=$((T_PASS + 1)); echo "ok - $*"; }
t_fail() { T_FAIL=$((T_FAIL + 1)); echo "not ok - $*"; }

# t_run NAME CMD...: passes if CMD exits 0.
t_run() {
	local name=$1; shift
	if "$@" >"$T_TMP/out" 2>"$T_TMP/err"; then t_ok "$name"; else
		t_fail "$name (exit $?)"; sed 's/^/#   /' "$T_TMP/err" | tail -5; fi
}

# t_exit NAME CODE REGEX CMD...: passes if CMD exits with CODE and its
# stderr matches REGEX (the error must be reported, not only happen).
t_exit() {
	local name=$1 want=$2 re=$3; shift 3
	local rc=0
	"$@" >"$T_TMP/out" 2>"$T_TMP/err" || rc=$?
	if [ "$rc" -eq "$want" ] && grep -Eq -- "$re" "$T_TMP/err" "$T_TMP/out"; then
		t_ok "$name"
	else
		t_fail "$name (exit $rc, wanted $want matching /$re/)"
		sed 's/^/#   /' "$T_TMP/err" | tail -5
	fi
}

t_done() {
	echo "$T_NAME: $T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" -eq 0 ]
}

T_TMP=$(mktemp -d /tmp/rempart-test.XXXXXX)
trap 'rm -rf "$T_TMP"' EXIT
