#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Stage time of rempart-update (HTTPS download from a loopback nginx with
# the pinned test CA + size bounds + sha256 + hash tree checked against the
# root hash + every root block checked against the tree while writing the
# inactive slot of a GPT disk image + GPT UUIDs + UKI to the ESP) against
# `curl -o - | dd` of the same bytes into the same partitions (no checks at
# all), in the same run, best of N each. The machine's load average is
# printed with the result: both sides are CPU-bound on a loaded machine.
# Target: ratio (ours / reference) <= 1.2.
# Usage: bench/update.sh [BUILD_DIR] [ROOT_MIB] [RUNS]
set -euo pipefail
BUILD=$(realpath "${1:-build}")
MIB=${2:-256}
RUNS=${3:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
RV=$BUILD/src/verity/rempart-verity
PUB=$BUILD/src/update/rempart-publish
UPD=$BUILD/src/update/rempart-update
. "$HERE/../tests/lib/update-fixtures.sh"
. "$HERE/../tests/lib/update-tls.sh"
tmp=$(mktemp -d /var/tmp/rempart-bench.XXXXXX)
chmod 0755 "$tmp"
NGINX_PID=
trap '[ -n "$NGINX_PID" ] && kill $NGINX_PID 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
cd "$tmp"

echo "preparing a ${MIB} MiB release..." >&2
make_release rel1 1.0.0 1 64
make_release rel2 1.1.0 1 $((MIB * 1024))
make_pki pki
"$PUB" keygen --keys keys 2>/dev/null
"$PUB" --keys keys --release rel2 --channel stable --repo www/repo >/dev/null
make_disk disk.img $((MIB + 8))
install_slot disk.img a rel1
PORT=$(free_port)
start_nginx "$tmp/nginx" "server { listen 127.0.0.1:$PORT ssl; ssl_certificate $tmp/pki/server.pem;
	ssl_certificate_key $tmp/pki/server.key; ssl_protocols TLSv1.2 TLSv1.3; root $tmp/www; }"
wait_port "$PORT"
echo "roothash=$(jq -r .verity.roothash rel1/release.json)" > cmdline
echo IMAGE_VERSION=1.0.0 > os-release
cat > u.conf <<C
product = rempart
channel = stable
server = https://127.0.0.1:$PORT/repo
ca = $tmp/pki/ca.pem
pubkey = $tmp/keys/update.pub
disk = $tmp/disk.img
esp = $tmp/esp
state_dir = $tmp/state
cmdline = $tmp/cmdline
os_release = $tmp/os-release
security_version_store = state
C
base=https://127.0.0.1:$PORT/repo/rempart/releases/1.1.0
start() { sfdisk -J disk.img | jq ".partitiontable.partitions[$1].start"; }
RB=$(start 3); VB=$(start 4)
BYTES=$(( $(stat -c %s rel2/root.squashfs) + $(stat -c %s rel2/root.verity) + $(stat -c %s rel2/uki.efi) ))

reference() {
	curl -s --fail --cacert pki/ca.pem "$base/root.squashfs" -o - |
		dd of=disk.img bs=1M seek=$((RB * 512)) oflag=seek_bytes conv=notrunc,fsync status=none
	curl -s --fail --cacert pki/ca.pem "$base/root.verity" -o - |
		dd of=disk.img bs=1M seek=$((VB * 512)) oflag=seek_bytes conv=notrunc,fsync status=none
	mkdir -p esp/EFI/Linux
	curl -s --fail --cacert pki/ca.pem "$base/uki.efi" -o - |
		dd of=esp/EFI/Linux/ref.efi bs=1M conv=fsync status=none
}
reset() { # untimed: forget the staged release so that apply rewrites everything
	rm -rf state esp
	sfdisk -q --part-uuid disk.img 4 "$(cat /proc/sys/kernel/random/uuid)"
	sync
}
ours() {
	"$UPD" -c u.conf apply >/dev/null 2>err || { cat err >&2; return 1; }
}
timed() { local s e; s=$(date +%s.%N); "$@"; e=$(date +%s.%N); awk -v s="$s" -v e="$e" 'BEGIN{printf "%.3f", e - s}'; }
best_ref= best_ours=
for i in $(seq "$RUNS"); do
	sync; t=$(timed reference); [ -z "$best_ref" ] || awk -v a="$t" -v b="$best_ref" 'BEGIN{exit !(a<b)}' && best_ref=$t
	reset; t=$(timed ours); [ -z "$best_ours" ] || awk -v a="$t" -v b="$best_ours" 'BEGIN{exit !(a<b)}' && best_ours=$t
	echo "run $i: reference ${best_ref}s, rempart-update ${best_ours}s (best so far)" >&2
done
ls esp/EFI/Linux/rempart_1.1.0+3.efi >/dev/null
ratio=$(awk -v a="$best_ours" -v b="$best_ref" 'BEGIN{ printf "%.2f", a / b }')
mb=$(awk -v n="$BYTES" 'BEGIN{printf "%.0f", n / 1048576}')
echo "stage ${mb} MiB over HTTPS from loopback nginx on $(nproc) cores (load average $(cut -d' ' -f1-3 /proc/loadavg)): curl|dd ${best_ref}s, rempart-update apply ${best_ours}s"
echo "ratio (rempart-update / curl|dd): ${ratio}x  (target <= 1.20x)"
