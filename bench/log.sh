#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Appends the same N entries (syslog-like lines, ~100 bytes) to a sealed
# store and to a plain store (same writer, same record framing, no MAC, no
# key evolution), in the same run, best of RUNS runs each, and prints both
# throughputs and their ratio. Sealed and plain runs alternate (ABBA), so a
# change in the machine's load hits both modes alike. Targets: sealed >=
# 100000 entries/s and sealed/plain >= 0.50. Then the same comparison for
# the real pipeline: N/5 entries read from journal files (sd-journal) into
# the store.
# Usage: bench/log.sh [BUILD_DIR] [ENTRIES] [RUNS]
set -euo pipefail
BUILD=$(realpath "${1:-build}")
N=${2:-3000000} # ~1 s per sealed run: /usr/bin/time counts in 10 ms steps
RUNS=${3:-5}
LOGD=$BUILD/src/logd/rempart-logd
tmp=$(mktemp -d /var/tmp/rempart-bench-log.XXXXXX)
cleanup() { chattr -R -ia "$tmp" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++)
	printf "sshd[%d]: Accepted publickey for user%d from 10.0.%d.%d port %d ssh2: ED25519 SHA256:abc%d\n",
		1000 + i % 5000, i % 97, i % 256, (i * 7) % 256, 1024 + i % 60000, i }' > "$tmp/entries"
sync "$tmp/entries" # its writeback must not land in the first timed runs
cat "$tmp/entries" > /dev/null
flags=()
chattr +a "$tmp/entries" 2>/dev/null && chattr -a "$tmp/entries" || flags=(--no-inode-flags)

one() { # one timed run; $1 = sealed|plain, $2... = source; prints "WALL CPU" (CPU = user+sys) in seconds
	chattr -R -ia "$tmp/store" 2>/dev/null || true
	rm -rf "$tmp/store" "$tmp/cursor"
	sync -f "$tmp" # the previous run's deletion is not charged to this one
	"$LOGD" init --store "$tmp/store" --machine-id 00112233445566778899aabbccddeeff \
		$([ "$1" = plain ] && echo --plain) "${flags[@]}" > /dev/null 2>&1
	/usr/bin/time -f '%e %U %S' -o "$tmp/time" "$LOGD" run --store "$tmp/store" "${@:2}" "${flags[@]}" \
		--exit-on-idle --max-file-size 64M --max-store-size 0 < "$tmp/entries" 2>/dev/null
	tail -1 "$tmp/time" | awk '{ print $1, $2 + $3 }'
}
minpair() { # "W C" "W C" -> the smaller W and the smaller C
	awk -v a="$1" -v b="$2" 'BEGIN { split(a, A, " "); split(b, B, " ")
		printf "%s %s\n", (A[1] + 0 < B[1] + 0 ? A[1] : B[1]), (A[2] + 0 < B[2] + 0 ? A[2] : B[2]) }'
}
both() { # RUNS runs per mode, alternating; sets $sealed and $plain to "BEST_WALL BEST_CPU"
	local i s p
	sealed="1e9 1e9" plain="1e9 1e9"
	for i in $(seq "$RUNS"); do
		if [ $((i % 2)) = 1 ]; then
			s=$(one sealed "$@"); p=$(one plain "$@")
		else
			p=$(one plain "$@"); s=$(one sealed "$@")
		fi
		sealed=$(minpair "$sealed" "$s") plain=$(minpair "$plain" "$p")
	done
}
report() { # report LABEL N "SEALED_WALL SEALED_CPU" "PLAIN_WALL PLAIN_CPU"
	awk -v what="$1" -v n="$2" -v s="$3" -v p="$4" -v c="$(nproc)" 'BEGIN {
		split(s, S, " "); split(p, P, " ")
		ss = (S[1] > 0 ? n / S[1] : 0); ps = (P[1] > 0 ? n / P[1] : 0)
		printf "%s of %d entries on %d cores: sealed %.2fs (%.0f entries/s), plain %.2fs (%.0f entries/s)\n", what, n, c, S[1], ss, P[1], ps
		printf "  CPU (user+sys) per entry: sealed %.0f ns, plain %.0f ns; CPU ratio %.2fx\n", S[2] * 1e9 / n, P[2] * 1e9 / n, (S[2] > 0 ? P[2] / S[2] : 0)
		printf "ratio (sealed / plain throughput): %.2fx  (targets: sealed >= 100000 entries/s, ratio >= 0.50x)\n", (ps > 0 ? ss / ps : 0)
	}'
}
both --stdin
report "append" "$N" "$sealed" "$plain"
# What sealing adds per entry: one AES-256-GMAC over prev_tag, the 40-byte
# record header and the payload (~166 bytes here), the 16-byte tag written,
# and a nonce reservation (one state save) per 16 M records.
awk -v s="$sealed" -v p="$plain" -v n="$N" 'BEGIN { split(s, S, " "); split(p, P, " ")
	printf "  sealing CPU per entry: %.0f ns (bench/log-mac.sh: the MAC alone)\n", (S[2] - P[2]) * 1e9 / n }'
echo "  (wall times on a shared machine vary; load average now: $(cut -d" " -f1 /proc/loadavg))"

# The real pipeline: journal files -> sd-journal -> store.
J=$((N / 5))
mkdir -p "$tmp/journal"
head -n "$J" "$tmp/entries" | awk '{ printf "__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n_BOOT_ID=0123456789abcdef0123456789abcdef\nPRIORITY=6\nSYSLOG_IDENTIFIER=sshd\n_PID=1234\nMESSAGE=%s\n\n", 1700000000000000 + NR, NR, $0 }' |
	/lib/systemd/systemd-journal-remote -o "$tmp/journal/bench.journal" - 2>/dev/null
sync "$tmp/journal/bench.journal"
cat "$tmp/journal/bench.journal" > /dev/null
both --journal-dir "$tmp/journal" --cursor-file "$tmp/cursor"
report "journal (sd-journal) to store" "$J" "$sealed" "$plain"
