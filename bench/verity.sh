#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Hashes the same 1 GiB random file with rempart-verity and with
# veritysetup format (same salt, uuid and parameters), in the same run,
# best of N runs each, and prints the speed ratio. Target: ratio >= 1.5.
# Usage: bench/verity.sh [BUILD_DIR] [SIZE_MIB] [RUNS]
set -euo pipefail
BUILD=$(realpath "${1:-build}")
SIZE=${2:-1024}
RUNS=${3:-3}
RV=$BUILD/src/verity/rempart-verity
tmp=$(mktemp -d /var/tmp/rempart-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
head -c $((SIZE << 20)) /dev/urandom > "$tmp/data"
cat "$tmp/data" > /dev/null   # both tools start from a warm page cache
args=(--salt 7b0a5fdd3c2e11aa --uuid 11111111-2222-3333-4444-555555555555)

best() { # best wall time in seconds of RUNS runs of a command
	local b= t
	for _ in $(seq "$RUNS"); do
		rm -f "$tmp/hash"
		/usr/bin/time -f %e -o "$tmp/time" "$@" >/dev/null 2>&1
		t=$(tail -1 "$tmp/time")
		if [ -z "$b" ] || awk -v a="$t" -v b="$b" 'BEGIN{exit !(a<b)}'; then b=$t; fi
	done
	echo "$b"
}
ours=$(best "$RV" format "${args[@]}" "$tmp/data" "$tmp/hash")
cp "$tmp/hash" "$tmp/ours.hash"
ref=$(best veritysetup format "${args[@]}" "$tmp/data" "$tmp/hash")
cmp -s "$tmp/hash" "$tmp/ours.hash" || { echo "hash trees differ!" >&2; exit 1; }
ratio=$(awk -v a="$ref" -v b="$ours" 'BEGIN{ printf "%.2f", (b > 0 ? a / b : 0) }')
echo "verity format of ${SIZE} MiB on $(nproc) cores: veritysetup ${ref}s, rempart-verity ${ours}s"
echo "ratio (veritysetup / rempart-verity): ${ratio}x  (target >= 1.50x)"
