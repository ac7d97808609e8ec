#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Tamper matrix of the verified boot chain: each modification must be
# refused, and the refusal must be visible on the serial console.
set -u
BUILD=$(realpath "${1:?build dir}")
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/lib.sh"

if ! vm_image; then t_fail "image build"; t_done; exit 1; fi
OUT=$VM_DIR/out
VARS=$OUT/OVMF_VARS.fd
UKI=$OUT/release/0.1.0/uki.efi
UKI_NAME=rempart_0.1.0+3.efi

# refused_by_firmware NAME DISK: the firmware must refuse to start what is on DISK.
refused_by_firmware() {
	local name=$1 disk=$2 log=$T_TMP/$RANDOM.log rc=0
	"$REMPART" run --disk "$disk" --vars "$VARS" --no-tpm --headless --serial "$log" \
		--until "No bootable option" --timeout 150 >/dev/null 2>&1 || rc=$?
	if grep -Eq "(Error loading .*|failed to (start|load) Boot0001.*): (Access Denied|Security Violation)" "$log" &&
		! grep -q "rempart-init" "$log"; then
		t_ok "$name: refused by the firmware ($(grep -Eo '(Error loading|failed to (start|load) Boot0001)[^:]*: (Access Denied|Security Violation)' "$log" | head -1))"
	else
		t_fail "$name: not refused (rc $rc)"; strings "$log" | tail -8 | sed 's/^/#   /'
	fi
}

esp_put() { # DISK FILE ESP-PATH
	local off; off=$(vm_part_offset "$1" esp)
	MTOOLS_SKIP_CHECK=1 mcopy -o -i "$1@@$off" "$2" "$3"
}

# 1. one flipped byte in the root data
D=$T_TMP/flip.img; vm_disk_copy "$D"
ROFF=$(vm_part_offset "$D" root-a)
SQ=$(stat -c %s "$OUT/release/0.1.0/root.squashfs")
BLK=$((SQ / 4096 / 2))
printf '\x5a' | dd of="$D" bs=1 seek=$((ROFF + BLK * 4096 + 123)) conv=notrunc status=none
cmp -s <(dd if="$D" bs=1 skip=$((ROFF + BLK * 4096 + 123)) count=1 status=none) <(dd if="$OUT/release/0.1.0/root.squashfs" bs=1 skip=$((BLK * 4096 + 123)) count=1 status=none) &&
	printf '\xa5' | dd of="$D" bs=1 seek=$((ROFF + BLK * 4096 + 123)) conv=notrunc status=none
vm_boot "$D" --tpm-state "$T_TMP/tpm-flip"
if vm_login 400; then
	vm_cmd "dd if=/dev/mapper/root of=/dev/null bs=4096 skip=$BLK count=1"
	if [ $? -ne 0 ] && [[ "$VM_OUT" == *"Input/output error"* ]]; then
		t_ok "flipped root byte: reading block $BLK gives an I/O error"; else t_fail "flipped root byte read: $VM_OUT"; fi
	vm_cmd "dmesg | grep -c 'verity: .*data block $BLK is corrupted'"
	[ "${VM_OUT:-0}" -ge 1 ] 2>/dev/null && t_ok "flipped root byte: the kernel reports 'data block $BLK is corrupted'" || t_fail "no corruption report: $VM_OUT"
	vm_cmd "dd if=/dev/mapper/root of=/dev/null bs=4096 skip=$((BLK + 64)) count=1"
	[ $? -eq 0 ] && t_ok "other blocks still read" || t_fail "other blocks still read"
	vm_poweroff
elif grep -Eq "rempart-init: FATAL: .*(squashfs|verity|root)" "$VM_LOG"; then
	t_ok "flipped root byte: boot stopped by rempart-init ($(grep -m1 'rempart-init: FATAL' "$VM_LOG"))"; vm_stop
elif grep -aq "verity: .*data block $BLK is corrupted" "$VM_LOG" && ! grep -aq "login:" "$VM_LOG"; then
	# the block belongs to a file the boot needs: dm-verity refuses it and
	# the system stops there, never running modified code
	t_ok "flipped root byte: the kernel refused block $BLK during boot and the system stopped ($(grep -a -m1 -o 'Kernel panic.\{0,60\}\|SQUASHFS error.\{0,40\}' "$VM_LOG" | head -1))"
	vm_stop
else
	t_fail "flipped root byte: neither boot nor refusal"; vm_stop
fi

# 2. the verity partition of another build
if vm_build_other "$VM_DIR/out-0.2.0" 0.2.0 >"$T_TMP/b2.log" 2>&1; then
	D=$T_TMP/verity.img; vm_disk_copy "$D"
	dd if="$VM_DIR/out-0.2.0/release/0.2.0/root.verity" of="$D" bs=1M seek=$(($(vm_part_offset "$D" root-a-verity) / 1048576)) conv=notrunc status=none
	vm_boot "$D" --no-tpm
	if vm_wait "rempart-init: refusing to boot; powering off" 180 && ! grep -q "login:" "$VM_LOG" &&
		grep -q "does not match rempart.roothash" "$VM_LOG"; then
		t_ok "verity tree of another build: $(grep -m1 -o 'rempart-init: FATAL: .\{0,90\}' "$VM_LOG")"
	else
		t_fail "verity tree of another build was not refused"; tail -5 "$VM_LOG" | sed 's/^/#   /'
	fi
	for i in $(seq 50); do kill -0 "$VM_PID" 2>/dev/null || break; sleep 0.2; done
	kill -0 "$VM_PID" 2>/dev/null && t_fail "VM still running after the refusal" || t_ok "refused boot powers the VM off"
	vm_stop
else
	t_fail "second build (0.2.0)"; tail -5 "$T_TMP/b2.log"
fi

# 3. unsigned UKI
cp "$UKI" "$T_TMP/unsigned.efi"; sbattach --remove "$T_TMP/unsigned.efi" 2>/dev/null
D=$T_TMP/unsigned.img; vm_disk_copy "$D"; esp_put "$D" "$T_TMP/unsigned.efi" "::/EFI/Linux/$UKI_NAME"
refused_by_firmware "unsigned UKI" "$D"

# 4. one byte of the signed UKI's command line changed
cp "$UKI" "$T_TMP/cmdline.efi"
OFFS=$(grep -obUa "systemd.show_status=auto" "$T_TMP/cmdline.efi" | head -1 | cut -d: -f1)
printf 'n' | dd of="$T_TMP/cmdline.efi" bs=1 seek=$((OFFS + 20)) conv=notrunc status=none
grep -q "systemd.show_status=nuto" "$T_TMP/cmdline.efi" && t_ok "command line byte changed in the signed UKI" || t_fail "command line edit"
D=$T_TMP/cmdline.img; vm_disk_copy "$D"; esp_put "$D" "$T_TMP/cmdline.efi" "::/EFI/Linux/$UKI_NAME"
refused_by_firmware "UKI with an edited command line" "$D"

# 5. UKI signed by a key that is not enrolled
openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=not enrolled/" -days 30 \
	-keyout "$T_TMP/other.key" -out "$T_TMP/other.crt" >/dev/null 2>&1
sbsign --key "$T_TMP/other.key" --cert "$T_TMP/other.crt" --output "$T_TMP/other.efi" "$T_TMP/unsigned.efi" >/dev/null 2>&1
D=$T_TMP/other.img; vm_disk_copy "$D"; esp_put "$D" "$T_TMP/other.efi" "::/EFI/Linux/$UKI_NAME"
refused_by_firmware "UKI signed by a key that is not enrolled" "$D"

# 6. unsigned systemd-boot
D=$T_TMP/sdboot.img; vm_disk_copy "$D"
esp_put "$D" /usr/lib/systemd/boot/efi/systemd-bootx64.efi "::/EFI/BOOT/BOOTX64.EFI"
esp_put "$D" /usr/lib/systemd/boot/efi/systemd-bootx64.efi "::/EFI/systemd/systemd-bootx64.efi"
refused_by_firmware "unsigned systemd-boot" "$D"
t_done
