#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs every Rempart test suite and ends with "N passed, N failed".
#
#   scripts/test.sh [--no-vm] [--no-fuzz] [--no-asan] [--fuzz-seconds N]
#
# Stages: release build (warnings are errors, hardening flags) + unit tests;
# the same unit tests under ASan+UBSan; host integration suites
# (tests/host/*.sh); each libFuzzer target for a bounded time; the VM
# suites (tests/vm/*.sh), which build the image once and boot it in QEMU.
# Exit status: 0 if every test passed, 1 otherwise.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
VM=1 FUZZ=1 ASAN=1 FUZZ_SECONDS=${FUZZ_SECONDS:-20}
while [ $# -gt 0 ]; do
	case $1 in
	--no-vm) VM=0 ;;
	--no-fuzz) FUZZ=0 ;;
	--no-asan) ASAN=0 ;;
	--fuzz-seconds) FUZZ_SECONDS=$2; shift ;;
	-h|--help) sed -n '3,12p' "$0"; exit 0 ;;
	*) echo "unknown option $1" >&2; exit 2 ;;
	esac
	shift
done

PASSED=0 FAILED=0
declare -a SUMMARY
add() { # suite passed failed
	PASSED=$((PASSED + $2)); FAILED=$((FAILED + $3))
	SUMMARY+=("$(printf '%-28s %4d passed, %d failed' "$1" "$2" "$3")")
}
stage() { printf '\n=== %s ===\n' "$*"; }

scripts/deps.sh || { echo "cannot install the Debian packages this needs" >&2; exit 1; }

# Counts cmocka cases from meson's test log; a test binary that died
# without a cmocka summary (sanitizer abort, crash) counts as one failure.
count_meson() { # build-dir label
	local log=$1/meson-logs/testlog.json p=0 f=0 n
	if [ ! -s "$log" ]; then add "$2" 0 1; return; fi
	while IFS= read -r line; do
		local out res pp ff runs
		out=$(jq -r '(.stdout // "") + (.stderr // "")' <<<"$line")
		res=$(jq -r '.result' <<<"$line")
		runs=$(grep -c '^\[ RUN      \]' <<<"$out")
		pp=$(grep -c '^\[       OK \]' <<<"$out")
		ff=$((runs - pp))
		if [ "$res" != OK ] && [ "$ff" -eq 0 ]; then ff=1; fi
		p=$((p + pp)); f=$((f + ff))
	done < "$log"
	add "$2" "$p" "$f"
}

stage "release build + unit tests"
if { [ -d build ] && meson setup --reconfigure build >/dev/null || meson setup build; } && ninja -C build; then
	meson test -C build --print-errorlogs
	count_meson build "unit (release)"
else
	add "release build" 0 1
fi

if [ $ASAN = 1 ]; then
	stage "unit tests under ASan+UBSan"
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
	if { [ -d build-asan ] && meson setup --reconfigure build-asan >/dev/null || meson setup build-asan -Dbuildtype=debug -Db_sanitize=address,undefined -Db_lundef=false; } &&
		ninja -C build-asan; then
		meson test -C build-asan --print-errorlogs
		count_meson build-asan "unit (asan+ubsan)"
	else
		add "asan build" 0 1
	fi
fi

for t in tests/host/*.sh; do
	[ -e "$t" ] || continue
	stage "host: $(basename "$t")"
	out=$(mktemp)
	bash "$t" "$ROOT/build" 2>&1 | tee "$out"
	line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$out" | tail -1)
	if [ -n "$line" ]; then
		add "host $(basename "$t" .sh)" "$(sed -E 's/.* ([0-9]+) passed.*/\1/' <<<"$line")" \
			"$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")"
	else
		add "host $(basename "$t" .sh)" 0 1
	fi
	rm -f "$out"
done

if [ $FUZZ = 1 ]; then
	stage "fuzz targets, ${FUZZ_SECONDS}s each"
	if { [ -d build-fuzz ] && meson setup --reconfigure build-fuzz >/dev/null || CC=clang meson setup build-fuzz -Dfuzz=true -Dtests=disabled \
			-Db_sanitize=address,undefined -Db_lundef=false; } && ninja -C build-fuzz; then
		for f in build-fuzz/tests/fuzz/fuzz-* build-fuzz/tests/fuzz/*/fuzz-*; do
			[ -x "$f" ] && [ -f "$f" ] || continue
			name=${f##*/fuzz-}
			corpus=$(mktemp -d)
			[ -d "tests/fuzz/corpus/$name" ] && cp -r "tests/fuzz/corpus/$name/." "$corpus/"
			if "$f" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
				-artifact_prefix="$corpus/" "$corpus" > "$corpus.log" 2>&1; then
				echo "fuzz $name: ok ($(grep -oE 'Done [0-9]+ runs' "$corpus.log"))"
				add "fuzz $name" 1 0
			else
				echo "fuzz $name: FAILED"; tail -30 "$corpus.log"
				add "fuzz $name" 0 1
			fi
			rm -rf "$corpus" "$corpus.log"
		done
	else
		add "fuzz build" 0 1
	fi
fi

if [ $VM = 1 ]; then
	# One image per run (built by the first suite, reused by the others);
	# test keys and the package cache survive between runs.
	export REMPART_VM_DIR=$ROOT/build/vm
	rm -rf "$REMPART_VM_DIR"/out "$REMPART_VM_DIR"/out-*
	# Suites with a known open defect, not counted until it is fixed (run
	# them alone: bash tests/vm/NAME.sh build). None at the moment.
	VM_PENDING=" "
	for t in tests/vm/*.sh; do
		[ "$(basename "$t")" = lib.sh ] && continue
		[ -e "$t" ] || continue
		if [[ "$VM_PENDING" == *" $(basename "$t" .sh) "* ]]; then
			stage "vm: $(basename "$t"): NOT RUN (known open defect, see scripts/test.sh)"
			continue
		fi
		stage "vm: $(basename "$t")"
		out=$(mktemp)
		bash "$t" "$ROOT/build" 2>&1 | tee "$out"
		line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$out" | tail -1)
		if [ -n "$line" ]; then
			add "vm $(basename "$t" .sh)" "$(sed -E 's/.* ([0-9]+) passed.*/\1/' <<<"$line")" \
				"$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")"
		else
			add "vm $(basename "$t" .sh)" 0 1
		fi
		rm -f "$out"
	done
fi

stage "summary"
printf '%s\n' "${SUMMARY[@]}"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
