#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Sealed state: first-boot provisioning, unattended unlock, persistence,
# theft (no plaintext on disk), offline tampering (integrity errors), evil
# maid (Secure Boot off, unsigned/edited UKI: unseal refused with the PCRs
# named), no unseal after boot, a second signed release unlocks without
# re-seal, recovery with the escrow key when the TPM is lost.
set -u
BUILD=$(realpath "${1:?build dir}")
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/lib.sh"

if ! vm_image; then t_fail "image build"; t_done; exit 1; fi
OUT=$VM_DIR/out
D=$T_TMP/disk.img; vm_disk_copy "$D"
TPM=$T_TMP/tpm
MARK="rempart-secret-$(od -An -tx8 -N8 /dev/urandom | tr -d ' ')"
SOFF=$(vm_part_offset "$D" state)
SSIZE=$(( $(sfdisk --json "$D" | jq '.partitiontable.partitions[] | select(.name=="state") | .size') * 512 ))

state_fatal() { # NAME REGEX: the boot must stop in rempart-init with a message matching REGEX
	# development builds offer the escrow recovery prompt: wrong answers deny the boot
	local i
	for i in 1 2 3; do
		vm_wait "recovery passphrase \(try $i of 3\)|refusing to boot" 240 || break
		grep -q "refusing to boot" "$VM_LOG" && break
		printf 'not-the-recovery-passphrase\n' >&"$VM_IN"
	done
	if vm_wait "rempart-init: refusing to boot" 240 && grep -Eq -- "$2" "$VM_LOG" && ! grep -q "login:" "$VM_LOG"; then
		t_ok "$1: $(grep -m1 -o 'rempart-init: FATAL: .\{0,160\}' "$VM_LOG")"
	else
		t_fail "$1"; grep -a "rempart-init" "$VM_LOG" | tail -3 | sed 's/^/#   /'
	fi
	vm_stop
}

# --- boot 1: provisioning
vm_boot "$D" --tpm-state "$TPM"
if vm_login 400 && grep -q "rempart-init: state /dev/vda6 provisioned" "$VM_LOG"; then
	t_ok "first boot provisions the state (LUKS2 + dm-integrity, sealed key, escrow)"
else
	t_fail "first boot provisions the state"; grep -a rempart-init "$VM_LOG" | tail -3; t_done; exit 1
fi
vm_cmd "findmnt -no SOURCE,OPTIONS /var"
[[ "$VM_OUT" == "/dev/mapper/state[/var] rw,nosuid,nodev,noexec"* ]] && t_ok "/var comes from the state volume, nosuid,nodev,noexec" || t_fail "/var: $VM_OUT"
vm_cmd "mkdir -p /var/lib/rt && echo $MARK > /var/lib/rt/marker && echo $MARK > /home/marker && yes $MARK | head -c 16000000 > /var/lib/rt/big && sha256sum /var/lib/rt/big | cut -c1-64 > /var/lib/rt/big.sha && sync && cat /var/lib/rt/big.sha" 180
BIGSHA=$VM_OUT
[ ${#BIGSHA} -eq 64 ] && t_ok "files written on the state" || t_fail "write files: $VM_OUT"
vm_cmd "rempart-tpm unseal --sealed /run/rempart/sealed.b64 --approval /run/rempart/approval.b64 --out /dev/null"
rc=$?
[ $rc -eq 1 ] && [[ "$VM_OUT" == *"PCR 11"* ]] && t_ok "after boot the running system cannot unseal the state key (PCR 11 extended): ${VM_OUT:0:120}" ||
	t_fail "unseal after boot: rc $rc $VM_OUT"
vm_cmd "test -e /run/rempart/state/.rempart-state && ! test -e /var/.rempart-state"
[ $? -eq 0 ] && t_ok "only the allow-listed paths of the state are bound into the root" || t_fail "state layout"
vm_poweroff

# --- theft: the raw partition holds no plaintext
if dd if="$D" bs=1M skip=$((SOFF / 1048576)) count=$((SSIZE / 1048576)) status=none | grep -aq "$MARK"; then
	t_fail "theft: the marker is readable on the raw state partition"
else
	t_ok "theft: the raw state partition contains no plaintext marker"
fi
LOOP=$(losetup -f --show -o "$SOFF" --sizelimit "$SSIZE" "$D")
cryptsetup luksDump "$LOOP" > "$T_TMP/dump" 2>&1
grep -q "integrity: hmac(sha256)" "$T_TMP/dump" && grep -q "cipher: aes-xts-plain64" "$T_TMP/dump" && grep -q "rempart-tpm2" "$T_TMP/dump" &&
	t_ok "LUKS2 header: aes-xts-plain64 + hmac(sha256) integrity, rempart-tpm2 token" || t_fail "LUKS2 header: $(head -c 300 "$T_TMP/dump")"
losetup -d "$LOOP"

# --- boot 2: unattended unlock, data persists
vm_boot "$D" --tpm-state "$TPM"
if vm_login 300 && grep -q "rempart-init: state /dev/vda6 unlocked with the TPM-sealed key" "$VM_LOG"; then
	t_ok "second boot unlocks the state unattended"; else t_fail "second boot unlock"; fi
vm_cmd "cat /var/lib/rt/marker /home/marker | sort -u; echo boot2-$MARK > /var/lib/rt/file2; sync"
[ "$VM_OUT" = "$MARK" ] && t_ok "data written on boot 1 is there on boot 2 (/var and /home)" || t_fail "boot 2 data: $VM_OUT"
vm_poweroff

# --- boot 3: a second release (other command line, signed by us, its own PCR 11 approval)
if vm_build_other "$VM_DIR/out-cmdline" 0.1.0 --cmdline-extra "rempart.test=second-release" >"$T_TMP/b.log" 2>&1; then
	EOFF=$(vm_part_offset "$D" esp)
	for f in $(MTOOLS_SKIP_CHECK=1 mdir -b -i "$D@@$EOFF" ::/EFI/Linux/); do MTOOLS_SKIP_CHECK=1 mdel -i "$D@@$EOFF" "$f"; done
	MTOOLS_SKIP_CHECK=1 mcopy -i "$D@@$EOFF" "$VM_DIR/out-cmdline/release/0.1.0/uki.efi" "::/EFI/Linux/rempart_0.1.0+3.efi"
	vm_boot "$D" --tpm-state "$TPM"
	if vm_login 300 && grep -q "state /dev/vda6 unlocked" "$VM_LOG"; then
		vm_cmd "grep -c rempart.test=second-release /proc/cmdline; cat /var/lib/rt/file2"
		[ "$VM_OUT" = "1
boot2-$MARK" ] && t_ok "a second signed release with another command line unlocks without re-sealing; boot-2 data read on boot 3" ||
			t_fail "second release: $VM_OUT"
		vm_poweroff
	else
		t_fail "second release unlock"; grep -a rempart-init "$VM_LOG" | tail -2; vm_stop
	fi
else
	t_fail "second release build"; tail -3 "$T_TMP/b.log"
fi

# --- evil maid: Secure Boot disabled (empty variable store: setup mode)
cp /usr/share/OVMF/OVMF_VARS_4M.fd "$T_TMP/plain-vars.fd"
VM_VARS=$T_TMP/plain-vars.fd vm_boot "$D" --tpm-state "$TPM"
state_fatal "evil maid, Secure Boot disabled: unseal refused" "PCR 7.*differs"

# --- evil maid: Secure Boot off and a UKI we did not sign (edited command line)
cp "$OUT/release/0.1.0/uki.efi" "$T_TMP/edited.efi"
OFFS=$(grep -obUa "systemd.show_status=auto" "$T_TMP/edited.efi" | head -1 | cut -d: -f1)
printf 'n' | dd of="$T_TMP/edited.efi" bs=1 seek=$((OFFS + 20)) conv=notrunc status=none
D2=$T_TMP/evil.img; cp --sparse=always "$D" "$D2"; cp -r "$TPM" "$T_TMP/tpm-evil"
for f in $(MTOOLS_SKIP_CHECK=1 mdir -b -i "$D2@@$EOFF" ::/EFI/Linux/); do MTOOLS_SKIP_CHECK=1 mdel -i "$D2@@$EOFF" "$f"; done
MTOOLS_SKIP_CHECK=1 mcopy -i "$D2@@$EOFF" "$T_TMP/edited.efi" "::/EFI/Linux/rempart_0.1.0+3.efi"
VM_VARS=$T_TMP/plain-vars.fd vm_boot "$D2" --tpm-state "$T_TMP/tpm-evil"
state_fatal "evil maid, unsigned UKI with an edited command line: unseal refused" "PCR 11.*differs"
rm -f "$D2"

# --- evil maid with a key the firmware trusts: as on real machines, db also
# holds a third-party CA (--extra-db); the maid re-signs our own UKI with it.
# The firmware boots it, PCR 11 is unchanged, PCR 7 (the db authority that
# verified the UKI) differs: unseal refused.
TP=$VM_DIR/thirdparty
[ -e "$TP/db.crt" ] || { mkdir -p "$TP" && openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TP/db.key" \
	-out "$TP/db.crt" -days 3650 -subj "/CN=Third-party UEFI CA (test)" >/dev/null 2>&1; }
if vm_build_other "$VM_DIR/out-extradb" 0.1.0 --extra-db "$TP/db.crt" > "$T_TMP/b3.log" 2>&1; then
	D3=$T_TMP/extradb.img; cp --sparse=always "$VM_DIR/out-extradb/disk.img" "$D3"
	VM_VARS=$VM_DIR/out-extradb/OVMF_VARS.fd vm_boot "$D3" --tpm-state "$T_TMP/tpm3"
	if vm_login 400; then
		t_ok "with a third-party CA enrolled in db next to ours, our image provisions and boots"
		vm_poweroff
		E3=$(vm_part_offset "$D3" esp)
		ENTRY=$(MTOOLS_SKIP_CHECK=1 mdir -b -i "$D3@@$E3" ::/EFI/Linux/ | head -1)
		MTOOLS_SKIP_CHECK=1 mcopy -i "$D3@@$E3" "$ENTRY" "$T_TMP/ours.efi"
		sbattach --remove "$T_TMP/ours.efi" >/dev/null 2>&1
		sbsign --key "$TP/db.key" --cert "$TP/db.crt" --output "$T_TMP/maid.efi" "$T_TMP/ours.efi" >/dev/null 2>&1
		MTOOLS_SKIP_CHECK=1 mcopy -o -i "$D3@@$E3" "$T_TMP/maid.efi" "$ENTRY"
		VM_VARS=$VM_DIR/out-extradb/OVMF_VARS.fd vm_boot "$D3" --tpm-state "$T_TMP/tpm3"
		state_fatal "evil maid, our UKI re-signed with another enrolled key (firmware accepts it): unseal refused" \
			"PCR 7.*differs"
		! grep -q "Access Denied" "$VM_LOG" && t_ok "the firmware did boot the re-signed UKI (the refusal is the TPM's)" ||
			t_fail "the firmware refused the re-signed UKI"
	else
		t_fail "boot with a third-party CA in db"; vm_stop
	fi
else
	t_fail "build with --extra-db"; tail -3 "$T_TMP/b3.log"
fi

# --- offline tampering of the state partition
DATA0=$((SOFF + 16 * 1048576)) # after the LUKS2 header area
for i in $(seq 0 40); do
	printf '\xff\x00\xff\x00' | dd of="$D" bs=1 seek=$((DATA0 + i * 5 * 1048576 + 777)) conv=notrunc status=none
done
vm_boot "$D" --tpm-state "$TPM"
if vm_login 300; then
	vm_cmd "sha256sum /var/lib/rt/big" 180
	rc=$?
	if [ $rc -ne 0 ] && [[ "$VM_OUT" == *"error"* ]]; then
		t_ok "offline tampering: reading the tampered file fails ($(tail -1 <<<"$VM_OUT" | cut -c1-80))"
	elif [ "${VM_OUT:0:64}" = "$BIGSHA" ]; then
		t_ok "offline tampering: flips outside this file's blocks; its content is intact"
	else
		t_fail "offline tampering: silently different content ($VM_OUT)"
	fi
	vm_cmd "dmesg | grep -cE 'INTEGRITY AEAD ERROR|integrity: .*Checksum failed'"
	[ "${VM_OUT:-0}" -ge 1 ] 2>/dev/null && t_ok "offline tampering: dm-integrity reports checksum failures" || t_fail "no integrity report: $VM_OUT"
	vm_poweroff
elif grep -q "rempart-init: FATAL: state partition" "$VM_LOG"; then
	t_ok "offline tampering: boot stopped ($(grep -m1 -o 'rempart-init: FATAL: .\{0,120\}' "$VM_LOG"))"; vm_stop
else
	t_fail "offline tampering: neither boot nor refusal"; vm_stop
fi

# --- TPM lost: boot refused, the escrow key opens the recovery key slot
rm -rf "$TPM"
vm_boot "$D" --tpm-state "$TPM"
state_fatal "TPM replaced: unseal refused" "refused to unseal|storage key|SRK"
LOOP=$(losetup -f --show -o "$SOFF" --sizelimit "$SSIZE" "$D")
"$REMPART" recover --escrow-key "$VM_DIR/keys/escrow.key" --image "$D" --device "$LOOP" > "$T_TMP/rec" 2>&1 &&
	grep -q "opens key slot 1" "$T_TMP/rec" && t_ok "recovery: the escrow key opens the state's recovery key slot" || t_fail "recovery: $(cat "$T_TMP/rec")"
"$REMPART" keys init --dir "$T_TMP/otherkeys" >/dev/null 2>&1
"$REMPART" recover --escrow-key "$T_TMP/otherkeys/escrow.key" --image "$D" --device "$LOOP" > "$T_TMP/rec" 2>&1
[ $? -eq 1 ] && grep -q "another escrow key" "$T_TMP/rec" && t_ok "recovery with another escrow key is refused" || t_fail "recovery with another key: $(cat "$T_TMP/rec")"
losetup -d "$LOOP"

# --- TPM lost, development build: the recovery passphrase at the console opens
# the state, re-seals it to the new TPM, and the data is intact
rm -rf "$TPM"
PASS=$("$REMPART" recover --escrow-key "$VM_DIR/keys/escrow.key" --image "$D" --print-passphrase 2>/dev/null |
	sed -n 's/^recovery passphrase: //p')
vm_boot "$D" --tpm-state "$TPM"
if [ -n "$PASS" ] && vm_wait "recovery passphrase \(try 1 of 3\)" 300; then
	grep -Eq "rempart-init: the TPM refused|rempart-init: .*(storage key|SRK|unseal)" "$VM_LOG" &&
		t_ok "TPM replaced: the console says why the state did not unlock, then asks for the recovery passphrase" ||
		t_fail "no reason before the recovery prompt"
	printf '%s\n' "$PASS" >&"$VM_IN"
	if vm_wait "recovered: the state key is sealed to this TPM again" 120 && vm_login 300; then
		vm_cmd "cat /home/marker"
		[ "$VM_OUT" = "$MARK" ] && t_ok "recovery at the console: the state opens and its data is intact" ||
			t_fail "data after recovery: $VM_OUT"
		! grep -q "$PASS" "$VM_LOG" && t_ok "the recovery passphrase is not echoed on the console" ||
			t_fail "the recovery passphrase was echoed"
		vm_poweroff
		vm_boot "$D" --tpm-state "$TPM"
		if vm_login 300 && ! grep -q "recovery passphrase" "$VM_LOG"; then
			vm_cmd "cat /home/marker"
			[ "$VM_OUT" = "$MARK" ] && t_ok "after recovery the next boot unlocks unattended with the new TPM" ||
				t_fail "boot after recovery: $VM_OUT"
			vm_poweroff
		else
			t_fail "boot after recovery did not unlock unattended"; vm_stop
		fi
	else
		t_fail "recovery at the console"; grep -a rempart-init "$VM_LOG" | tail -3 | sed 's/^/#   /'; vm_stop
	fi
else
	t_fail "no recovery prompt (passphrase: ${PASS:+obtained})"; vm_stop
fi
t_done
