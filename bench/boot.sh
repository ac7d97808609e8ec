#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Time to the multi-user login prompt of the full image (OVMF Secure Boot,
# signed systemd-boot + UKI, dm-verity root, TPM measured boot, state
# unsealed from the TPM and opened: LUKS2 + dm-integrity) versus the same
# root filesystem booted without Secure Boot and without verity
# (non-secure OVMF, direct kernel boot, plain squashfs), same run, same
# kernel, same initramfs but for /init, both with a swtpm attached. Both
# use the same provisioned state volume: the baseline opens it with the
# recovery passphrase (no TPM unseal is possible without Secure Boot), so
# the ratio is the cost of verification, not of the state's I/O, which both
# pay. BASELINE_STATE=0 gives the baseline a tmpfs /var instead (the cost
# of verification and of the sealed state together). The full image is provisioned once before measuring
# (first-boot provisioning is a one-time cost, reported separately).
# Prints the ratio (target <= 1.10). QEMU TCG: expect noise; best of N.
# Usage: bench/boot.sh [BUILD_DIR] [RUNS]
set -euo pipefail
BUILD=$(realpath "${1:-build}")
RUNS=${2:-3}
REMPART=$BUILD/src/build/rempart
VM_DIR=${REMPART_VM_DIR:-$BUILD/vm}
tmp=$(mktemp -d /var/tmp/rempart-bootbench.XXXXXX)
trap 'pkill -P $$ 2>/dev/null || true; rm -rf "$tmp"' EXIT

if [ ! -e "$VM_DIR/out/.complete" ]; then
	mkdir -p "$VM_DIR"
	[ -e "$VM_DIR/keys/db.key" ] || "$REMPART" keys init --dir "$VM_DIR/keys"
	"$REMPART" build --keys "$VM_DIR/keys" --out "$VM_DIR/out" --cache "$VM_DIR/cache" --version 0.1.0 --source-date-epoch 1700000000
	touch "$VM_DIR/out/.complete"
fi
OUT=$VM_DIR/out
UKI=$OUT/release/0.1.0/uki.efi
objcopy -O binary --only-section=.linux "$UKI" "$tmp/vmlinuz"
objcopy -O binary --only-section=.initrd "$UKI" "$tmp/initrd"
objcopy -O binary --only-section=.cmdline "$UKI" "$tmp/cmdline"
# same initramfs, /init replaced by the benchmark-only variant that skips verity
mkdir -p "$tmp/ov" && cp "$BUILD/src/init/rempart-init-baseline" "$tmp/ov/init"
(cd "$tmp/ov" && echo init | cpio -o -H newc --quiet) > "$tmp/ov.cpio"
# the kernel finds the next archive only at a 4-byte aligned offset
truncate -s $(( ($(stat -c %s "$tmp/initrd") + 3) / 4 * 4 )) "$tmp/initrd"
cat "$tmp/initrd" "$tmp/ov.cpio" > "$tmp/initrd-baseline"

now() { date +%s.%N; }
wait_login() { # log pid
	for _ in $(seq 3000); do
		grep -q "login:" "$1" 2>/dev/null && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

cp --sparse=always "$OUT/disk.img" "$tmp/disk.img"
t0=$(now)
"$REMPART" run --disk "$tmp/disk.img" --vars "$OUT/OVMF_VARS.fd" --tpm-state "$tmp/tpm-full" \
	--headless --serial "$tmp/provision.log" --until "login:" --timeout 400 >/dev/null 2>&1
grep -q "provisioned" "$tmp/provision.log" || { echo "provisioning boot failed" >&2; exit 1; }
echo "first boot (provisioning the sealed state): $(awk -v a="$t0" -v b="$(now)" 'BEGIN{printf "%.2f", b - a}')s"
BASE_APPEND=$(cat "$tmp/cmdline")
if [ "${BASELINE_STATE:-1}" = 1 ]; then
	PASS=$("$REMPART" recover --escrow-key "$VM_DIR/keys/escrow.key" --image "$tmp/disk.img" --print-passphrase |
		sed -n 's/^recovery passphrase: //p')
	[ -n "$PASS" ] || { echo "cannot get the recovery passphrase of the state" >&2; exit 1; }
	BASE_APPEND="$BASE_APPEND rempart.bench_passphrase=$PASS"
fi

full() {
	local log=$tmp/full.log t0
	rm -f "$log"
	t0=$(now)
	"$REMPART" run --disk "$tmp/disk.img" --vars "$OUT/OVMF_VARS.fd" --tpm-state "$tmp/tpm-full" \
		--snapshot --headless --serial "$log" --until "login:" --timeout 300 >/dev/null 2>&1
	grep -q "rempart-init: root filesystem verified" "$log" && grep -q "unlocked with the TPM-sealed key" "$log" ||
		{ echo "full boot did not verify the root and unlock the state" >&2; exit 1; }
	awk -v a="$t0" -v b="$(now)" 'BEGIN{printf "%.2f", b - a}'
}

baseline() {
	local log=$tmp/base.log t0 pid tpid
	rm -f "$log"; rm -rf "$tmp/tpm-base"; mkdir -p "$tmp/tpm-base"
	cp /usr/share/OVMF/OVMF_VARS_4M.fd "$tmp/vars-plain.fd"
	t0=$(now)
	swtpm socket --tpm2 --tpmstate dir="$tmp/tpm-base" --ctrl type=unixio,path="$tmp/tpm-base/s" --terminate --flags startup-clear &
	tpid=$!
	for _ in $(seq 100); do [ -S "$tmp/tpm-base/s" ] && break; sleep 0.02; done
	qemu-system-x86_64 -machine q35,smm=on,accel=tcg -cpu max -smp 2 -m 1024 \
		-drive if=pflash,format=raw,unit=0,file=/usr/share/OVMF/OVMF_CODE_4M.fd,readonly=on \
		-drive if=pflash,format=raw,unit=1,file="$tmp/vars-plain.fd" \
		-drive if=none,id=disk0,format=raw,file="$tmp/disk.img",snapshot=on -device virtio-blk-pci,drive=disk0 \
		-chardev socket,id=chrtpm,path="$tmp/tpm-base/s" -tpmdev emulator,id=tpm0,chardev=chrtpm -device tpm-tis,tpmdev=tpm0 \
		-kernel "$tmp/vmlinuz" -initrd "$tmp/initrd-baseline" -append "$BASE_APPEND" \
		-net none -device virtio-rng-pci -display none -vga none -no-reboot -serial file:"$log" -monitor none &
	pid=$!
	wait_login "$log" "$pid" || { echo "baseline boot failed" >&2; tail -5 "$log" >&2; exit 1; }
	local t1; t1=$(now)
	kill "$pid" "$tpid" 2>/dev/null; wait "$pid" "$tpid" 2>/dev/null || true
	grep -q "BASELINE: root mounted WITHOUT verification" "$log" || { echo "baseline did not use the baseline init" >&2; exit 1; }
	awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b - a}'
}

bf= bb=
for i in $(seq "$RUNS"); do
	f=$(full); b=$(baseline)
	echo "run $i: full ${f}s, baseline ${b}s"
	if [ -z "$bf" ] || awk -v a="$f" -v b="$bf" 'BEGIN{exit !(a<b)}'; then bf=$f; fi
	if [ -z "$bb" ] || awk -v a="$b" -v c="$bb" 'BEGIN{exit !(a<c)}'; then bb=$b; fi
done
echo "time to login prompt (best of $RUNS): full image ${bf}s, baseline ${bb}s"
echo "ratio (full / baseline): $(awk -v a="$bf" -v b="$bb" 'BEGIN{printf "%.2f", a / b}')x  (target <= 1.10x)"
