#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Start and exit of /bin/true under rempart-cage and under bwrap with
# comparable isolation (every namespace, read-only /usr, a fresh /proc and
# minimal /dev, a tmpfs /tmp, a seccomp filter: the same fixed deny set,
# exported by rempart-cage), in the same run, N runs each, interleaved.
# Prints the median and mean time per start and the ratio of the medians,
# cage / bwrap. Target <= 1.0x.
# rempart-cage does more per start (cgroup v2 subtree created and removed,
# Landlock, the profile's allow-list filter on top, capability drop).
# Usage (root): bench/cage.sh [BUILD_DIR] [RUNS]
set -euo pipefail
BUILD=$(realpath "${1:-build}")
RUNS=${2:-200}
CAGE=$BUILD/src/cage/rempart-cage
command -v bwrap >/dev/null || { echo "bwrap missing (apt-get install bubblewrap)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "run as root (rempart-cage is not setuid)" >&2; exit 1; }
tmp=$(mktemp -d /var/tmp/rempart-bench-cage.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/bench.profile" <<PROF
name = bench
uid = 60190
gid = 60190
ro = /usr
symlink = usr/bin /bin
symlink = usr/lib /lib
symlink = usr/lib64 /lib64
tmpfs = /tmp
syscalls = @basic
PROF
"$CAGE" export-bpf > "$tmp/filter.bpf"

cage() { "$CAGE" run "$tmp/bench.profile" -- /bin/true; }
bw() {
	bwrap --unshare-all --die-with-parent --new-session --uid 60190 --gid 60190 \
		--ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib --symlink usr/lib64 /lib64 \
		--proc /proc --dev /dev --tmpfs /tmp --cap-drop ALL \
		--seccomp 9 9<"$tmp/filter.bpf" /bin/true
}
cage && bw || { echo "a launcher failed to run /bin/true" >&2; exit 1; }

now() { date +%s%N; }
: > "$tmp/c"; : > "$tmp/b"
for _ in $(seq "$RUNS"); do
	s=$(now); cage; e=$(now); echo $((e - s)) >> "$tmp/c"
	s=$(now); bw; e=$(now); echo $((e - s)) >> "$tmp/b"
done
# Median and mean per start (the machine is shared: the median resists
# the outliers other load causes; the ratio is taken on medians).
stats() { sort -n "$1" | awk '{v[NR]=$1; t+=$1} END{printf "%.2f %.2f\n", v[int((NR+1)/2)]/1e6, t/NR/1e6}'; }
read -r medc meanc < <(stats "$tmp/c")
read -r medb meanb < <(stats "$tmp/b")
ratio=$(awk -v a="$medc" -v b="$medb" 'BEGIN{printf "%.2f", a / b}')
echo "start+exit of /bin/true, $RUNS runs interleaved on $(nproc) cores (median / mean):"
echo "  rempart-cage ${medc} / ${meanc} ms, bwrap ${medb} / ${meanb} ms"
echo "ratio (rempart-cage / bwrap, medians): ${ratio}x  (target <= 1.00x)"
