#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# 1) PCR 11 prediction of a UKI (kernel + initrd of SIZE MiB together):
#    rempart-tpm pcr11 --phase enter-initrd against systemd-measure calculate,
#    same files, same run, best of N; the values must be equal.
# 2) Unseal on swtpm (started here): rempart-tpm unseal (PolicyPCR(11) +
#    VerifySignature + PolicyAuthorize + PolicyPCR(7), salted session)
#    against tpm2-tools unsealing a PolicyPCR(7)-only object, U unseals each.
# Prints the ratios (reference / ours; > 1 means we are faster).
# Usage: bench/tpm.sh [BUILD_DIR] [SIZE_MIB] [RUNS] [UNSEALS]
set -euo pipefail
BUILD=$(realpath "${1:-build}")
SIZE=${2:-256}
RUNS=${3:-3}
U=${4:-20}
RT=$BUILD/src/tpm/rempart-tpm
tmp=$(mktemp -d /var/tmp/rempart-bench.XXXXXX)
SWTPM_PID=
cleanup() { [ -n "$SWTPM_PID" ] && kill "$SWTPM_PID" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

best() {
	local b= t
	for _ in $(seq "$RUNS"); do
		/usr/bin/time -f %e -o "$tmp/time" "$@" >"$tmp/out" 2>/dev/null
		t=$(tail -1 "$tmp/time")
		if [ -z "$b" ] || awk -v a="$t" -v b="$b" 'BEGIN{exit !(a<b)}'; then b=$t; fi
	done
	echo "$b"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ printf "%.2f", (b > 0 ? a / b : 0) }'; }

head -c $((SIZE * 3 / 4 << 20)) /dev/urandom > "$tmp/initrd"
head -c $((SIZE / 4 << 20)) /dev/urandom > "$tmp/linux"
printf 'ro quiet' > "$tmp/cmdline"; printf 'ID=rempart\n' > "$tmp/osrel"
cat "$tmp/linux" "$tmp/initrd" > /dev/null
S=(--linux="$tmp/linux" --initrd="$tmp/initrd" --cmdline="$tmp/cmdline" --osrel="$tmp/osrel")
ours=$(best "$RT" pcr11 "${S[@]}" --phase enter-initrd); o=$(cat "$tmp/out")
ref=$(best /usr/lib/systemd/systemd-measure calculate "${S[@]}" --bank=sha256)
r=$(head -1 "$tmp/out" | sed 's/.*sha256=//')
[ "$o" = "$r" ] || { echo "PCR 11 values differ: $o vs $r" >&2; exit 1; }
echo "pcr11 of a ${SIZE} MiB UKI payload: systemd-measure ${ref}s, rempart-tpm ${ours}s"
echo "ratio (systemd-measure / rempart-tpm): $(ratio "$ref" "$ours")x"

# --- unseal
mkdir "$tmp/state"
swtpm socket --tpm2 --tpmstate dir="$tmp/state" --server type=unixio,path="$tmp/sock" \
	--ctrl type=unixio,path="$tmp/sock.ctrl" --flags not-need-init,startup-clear --log file="$tmp/swtpm.log" &
SWTPM_PID=$!
for _ in $(seq 100); do [ -S "$tmp/sock" ] && break; sleep 0.05; done
T=(--tcti "swtpm:path=$tmp/sock")
export TPM2TOOLS_TCTI="swtpm:path=$tmp/sock"
cd "$tmp"
head -c 64 /dev/urandom > secret
"$RT" keygen-policy --private p.pem --public p.pub
"$RT" "${T[@]}" srk-ensure
"$RT" "${T[@]}" seal --key p.pub --in secret --out sealed
"$RT" sign-pcr11 --key p.pem --pcr11 "$("$RT" "${T[@]}" pcrread 11 | cut -d= -f2)" --out approval
tpm2_createprimary -Q -C o -g sha256 -G ecc256:aes128cfb -c prim.ctx
tpm2_pcrread -Q sha256:7 -o pcr7.bin
tpm2_startauthsession -Q -S s.ctx; tpm2_policypcr -Q -S s.ctx -l sha256:7 -f pcr7.bin -L pol.bin; tpm2_flushcontext s.ctx
tpm2_create -Q -C prim.ctx -L pol.bin -i secret -u o.pub -r o.priv -a "fixedtpm|fixedparent"
tpm2_evictcontrol -Q -C o -c prim.ctx 0x81000002 >/dev/null; tpm2_flushcontext -t
ours_loop() { for _ in $(seq "$U"); do "$RT" "${T[@]}" unseal --sealed sealed --approval approval --out - >/dev/null; done; }
ref_loop() {
	for _ in $(seq "$U"); do
		tpm2_load -Q -C 0x81000002 -u o.pub -r o.priv -c o.ctx
		tpm2_startauthsession -Q --policy-session -S s.ctx
		tpm2_policypcr -Q -S s.ctx -l sha256:7
		tpm2_unseal -Q -p session:s.ctx -c o.ctx >/dev/null
		tpm2_flushcontext s.ctx; tpm2_flushcontext -t
	done
}
export -f ours_loop ref_loop; export RT U
ours=$(best bash -c "$(declare -p T); ours_loop")
ref=$(best bash -c ref_loop)
echo "$U unseals on swtpm: tpm2-tools (PolicyPCR(7) only, 6 processes each) ${ref}s, rempart-tpm (full policy, 1 process each) ${ours}s"
echo "ratio (tpm2-tools / rempart-tpm): $(ratio "$ref" "$ours")x"
