#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Appends the same N entries (syslog-like lines, ~100 bytes) to a sealed
# store and to a plain store (same writer, same record framing, no MAC, no
# key evolution), in the same run, best of RUNS runs each, and prints both
# throughputs and their ratio. Targets: sealed >= 100000 entries/s and
# sealed/plain >= 0.50. Usage: bench/log.sh [BUILD_DIR] [ENTRIES] [RUNS]
set -euo pipefail
BUILD=$(realpath "${1:-build}")
N=${2:-1000000}
RUNS=${3:-5}
LOGD=$BUILD/src/logd/rempart-logd
tmp=$(mktemp -d /var/tmp/rempart-bench-log.XXXXXX)
cleanup() { chattr -R -ia "$tmp" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++)
	printf "sshd[%d]: Accepted publickey for user%d from 10.0.%d.%d port %d ssh2: ED25519 SHA256:abc%d\n",
		1000 + i % 5000, i % 97, i % 256, (i * 7) % 256, 1024 + i % 60000, i }' > "$tmp/entries"
cat "$tmp/entries" > /dev/null
flags=()
chattr +a "$tmp/entries" 2>/dev/null && chattr -a "$tmp/entries" || flags=(--no-inode-flags)

best() { # best wall time (s) of RUNS runs appending the entries; $1 = "" or --plain
	local b= t
	for _ in $(seq "$RUNS"); do
		chattr -R -ia "$tmp/store" 2>/dev/null || true
		rm -rf "$tmp/store"
		"$LOGD" init --store "$tmp/store" --machine-id 00112233445566778899aabbccddeeff ${1:+"$1"} \
			"${flags[@]}" > /dev/null 2>&1
		/usr/bin/time -f %e -o "$tmp/time" "$LOGD" run --store "$tmp/store" --stdin "${flags[@]}" \
			--max-file-size 64M --max-store-size 0 < "$tmp/entries" 2>/dev/null
		t=$(tail -1 "$tmp/time")
		if [ -z "$b" ] || awk -v a="$t" -v b="$b" 'BEGIN{exit !(a<b)}'; then b=$t; fi
	done
	echo "$b"
}
sealed=$(best "")
plain=$(best --plain)
awk -v n="$N" -v s="$sealed" -v p="$plain" -v c="$(nproc)" 'BEGIN {
	ss = (s > 0 ? n / s : 0); ps = (p > 0 ? n / p : 0)
	printf "append of %d entries on %d cores: sealed %.2fs (%.0f entries/s), plain %.2fs (%.0f entries/s)\n", n, c, s, ss, p, ps
	printf "ratio (sealed / plain throughput): %.2fx  (targets: sealed >= 100000 entries/s, ratio >= 0.50x)\n", (ps > 0 ? ss / ps : 0)
}'
