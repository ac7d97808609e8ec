#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Remote attestation with the real image: rempart-attest runs in the guest
# (QEMU + OVMF with our keys + swtpm), the verifier on the host, the
# reference values are the ones `rempart build` wrote into release.json.
#   1. enrolment through the console (challenge made on the host): the
#      guest's swtpm was manufactured with an EK certificate from the CA
#      under the VM keys (lib.sh, rempart run --tpm-ca); the verifier
#      checks it chains to that CA and certifies the EK, and refuses it
#      against another CA;
#   2. a genuine boot is trusted (the real event log replays to the quote,
#      PCR 11 is the release's after rempart-init and systemd-pcrphase);
#   3. the same evidence checked against a policy whose minimum security
#      version is above the release: untrusted, with that reason;
#   4. a UKI signed with our enrolled db key but not part of the release
#      (another build, other command line) boots: untrusted, "unknown UKI";
#      the boot-1 evidence replayed against boot 2's nonce is rejected.
#   5. (last) the disk as it was after boot 1 booted with Secure Boot
#      disabled (empty variable store, as in tests/vm/state.sh): the TPM
#      does not unseal the state, the development image asks for the escrow
#      recovery passphrase, opens the state with it (without re-sealing)
#      and boots; the agent's quote is authentic and reported untrusted,
#      "Secure Boot disabled".
set -u
BUILD=$(realpath "${1:?build dir}")
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/lib.sh"
RA=$BUILD/src/attest/rempart-attest
cd "$ROOT"   # the builder finds products/ relative to the source tree
W=$T_TMP/w; mkdir -p "$W"

if ! vm_image; then t_fail "image build"; t_done; exit 1; fi
OUT=$VM_DIR/out
PRODUCT_ARGS=() CMDLINE_OUT=$VM_DIR/out-cmdline
VM_VARS=$OUT/OVMF_VARS.fd
REL=$OUT/release/0.1.0/release.json
jq -e .reference "$REL" > /dev/null && t_ok "release.json carries reference values" || t_fail "release.json has no reference object"
D=$T_TMP/disk.img; cp --sparse=always "$OUT/disk.img" "$D"
TPM=$T_TMP/tpm
REG=$T_TMP/registry
V=(--ak-registry "$REG" --reference "$REL" --allow-unsigned-reference)
EKCA=(--ek-ca "$VM_TPM_CA/swtpm-localca-rootca-cert.pem" --ek-ca "$VM_TPM_CA/issuercert.pem")

# guest_file PATH JSONFILE: writes a (compacted) JSON document into the guest
guest_file() { vm_cmd "printf '%s\\n' '$(jq -c . "$2")' > $1"; }
# host_file CMD OUT: runs CMD in the guest, keeps its output as a JSON file
host_file() { vm_cmd "$1" 120 && printf '%s\n' "$VM_OUT" | jq . > "$2" 2>/dev/null; }

# --- boot 1: genuine, enrolment, trusted
vm_boot "$D" --tpm-state "$TPM"
if ! vm_login 400; then t_fail "genuine boot reaches a shell"; tail -20 "$VM_LOG"; t_done; exit 1; fi
host_file "rempart-attest enroll-request -o /run/req.json >/dev/null && cat /run/req.json" "$W/req.json"
[ "$(jq -r '.ek_certificate // "" | length' "$W/req.json" 2>/dev/null)" -gt 1000 ] 2>/dev/null &&
	t_ok "the guest's enrolment request carries the EK certificate from NV 0x01c00002" ||
	t_fail "no EK certificate in the guest's request: $(head -c 300 "$W/req.json")"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/other.key" -out "$W/other.crt" \
	-subj "/CN=swtpm-localca" -days 1 >/dev/null 2>&1
t_exit "the guest's EK certificate against another CA: refused" 2 "EK refused: .*does not chain" \
	"$RA" challenge --request "$W/req.json" --ak-registry "$REG" --ek-ca "$W/other.crt" -o "$W/ch.json"
if "$RA" challenge --request "$W/req.json" --ak-registry "$REG" "${EKCA[@]}" -o "$W/ch.json" && guest_file /run/ch.json "$W/ch.json" &&
   host_file "rempart-attest activate --challenge /run/ch.json" "$W/resp.json" &&
   "$RA" register --response "$W/resp.json" --ak-registry "$REG" > /dev/null; then
	t_ok "enrolment: EK certificate chains to the VM's TPM CA and certifies the EK, credential activated in the guest's TPM, AK registered"
else
	t_fail "enrolment"; printf '%s\n' "$VM_OUT" | tail -3 | sed 's/^/#   /'
fi
N1=$("$RA" nonce)
host_file "rempart-attest quote --nonce $N1 -o /run/ev.json >/dev/null 2>&1; cat /run/ev.json" "$W/ev1.json"
[ "$(jq -r .event_log.size "$W/ev1.json" 2>/dev/null)" -gt 1000 ] 2>/dev/null && [ "$(jq -r .os_release.IMAGE_VERSION "$W/ev1.json")" = 0.1.0 ] &&
	t_ok "evidence from the guest: quote, $(jq -r .event_log.size "$W/ev1.json")-byte event log, IMAGE_VERSION, check: $(jq -r '.check.exit_status // "none"' "$W/ev1.json")" ||
	t_fail "evidence from the guest: $(head -c 300 "$W/ev1.json")"
t_exit "genuine boot: trusted" 0 "^trusted \(release 0.1.0" "$RA" verify --evidence "$W/ev1.json" --nonce "$N1" "${V[@]}" --min-security-version 0
SV=$(jq -r .security_version "$REL")
t_exit "the same boot under a policy requiring security version $((SV + 1)): release older than the policy minimum" 1 \
	"below-minimum-security-version: release older than the policy minimum security version" \
	"$RA" verify --evidence "$W/ev1.json" --nonce "$N1" "${V[@]}" --min-security-version $((SV + 1))
vm_poweroff
# the disk as boot 1 left it, for the Secure-Boot-off boot at the end
D1=$T_TMP/disk-boot1.img; cp --sparse=always "$D" "$D1"

# --- boot 2: a UKI signed with our db key that the release does not contain
# the second build must share the first one's root filesystem (same tree,
# same product): a build left over from older sources is redone
if [ -e "$CMDLINE_OUT/.complete" ] &&
   [ "$(jq -r .verity.roothash "$CMDLINE_OUT/release/0.1.0/release.json")" != "$(jq -r .verity.roothash "$REL")" ]; then
	rm -f "$CMDLINE_OUT/.complete"
fi
if vm_build_other "$CMDLINE_OUT" 0.1.0 "${PRODUCT_ARGS[@]}" --cmdline-extra "rempart.test=second-release" >"$T_TMP/b.log" 2>&1; then
	EOFF=$(vm_part_offset "$D" esp)
	for f in $(MTOOLS_SKIP_CHECK=1 mdir -b -i "$D@@$EOFF" ::/EFI/Linux/); do MTOOLS_SKIP_CHECK=1 mdel -i "$D@@$EOFF" "$f"; done
	MTOOLS_SKIP_CHECK=1 mcopy -i "$D@@$EOFF" "$CMDLINE_OUT/release/0.1.0/uki.efi" "::/EFI/Linux/rempart_0.1.0+3.efi"
	vm_boot "$D" --tpm-state "$TPM"
	if vm_login 300; then
		N2=$("$RA" nonce)
		host_file "rempart-attest quote --nonce $N2 -o /run/ev.json >/dev/null 2>&1; cat /run/ev.json" "$W/ev2.json"
		t_exit "UKI signed by our key but not in the release: untrusted, unknown UKI" 1 "unknown-uki: unknown UKI" \
			"$RA" verify --evidence "$W/ev2.json" --nonce "$N2" "${V[@]}"
		t_exit "boot-1 evidence replayed for boot 2's challenge: rejected" 4 "nonce-mismatch" \
			"$RA" verify --evidence "$W/ev1.json" --nonce "$N2" "${V[@]}"
		t_exit "with the second build's reference values as well, that boot is attributed to it" 0 "^trusted" \
			"$RA" verify --evidence "$W/ev2.json" --nonce "$N2" "${V[@]}" --reference "$CMDLINE_OUT/release/0.1.0/release.json"
		vm_poweroff
	else
		t_fail "second UKI boots"; vm_stop
	fi
else
	t_fail "second release build"; tail -3 "$T_TMP/b.log"
fi

# --- boot 3 (last): Secure Boot disabled. The empty variable store puts the
# firmware in setup mode; the TPM refuses to unseal the state (PCR 7), the
# development image asks for the escrow recovery passphrase, opens the state
# with it and does not re-seal; the boot goes on and the agent quotes.
PASS=$("$REMPART" recover --escrow-key "$VM_DIR/keys/escrow.key" --image "$D1" --print-passphrase 2>/dev/null |
	sed -n 's/^recovery passphrase: //p')
cp /usr/share/OVMF/OVMF_VARS_4M.fd "$T_TMP/plain-vars.fd"
VM_VARS=$T_TMP/plain-vars.fd vm_boot "$D1" --tpm-state "$TPM"
if [ -n "$PASS" ] && vm_wait "recovery passphrase \(try 1 of 3\)" 400; then
	printf '%s\n' "$PASS" >&"$VM_IN"
	if vm_wait "rempart-init: recovered" 180 && vm_login 400; then
		grep -q "not re-sealing the state key outside a verified boot" "$VM_LOG" &&
			t_ok "Secure Boot off: the state opened with the recovery passphrase, not re-sealed" ||
			t_fail "Secure Boot off: $(grep -a -m1 'rempart-init: recovered' "$VM_LOG")"
		vm_cmd "od -An -tu1 -j4 /sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c | tr -d ' '"
		SBVAL=$VM_OUT
		N3=$("$RA" nonce)
		host_file "rempart-attest quote --nonce $N3 -o /run/ev.json >/dev/null 2>&1; cat /run/ev.json" "$W/ev3.json"
		t_exit "boot with Secure Boot disabled (guest SecureBoot=${SBVAL:-?}): untrusted, Secure Boot disabled" 1 \
			"secure-boot-disabled: Secure Boot disabled" \
			"$RA" verify --evidence "$W/ev3.json" --nonce "$N3" "${V[@]}"
		"$RA" verify --evidence "$W/ev3.json" --nonce "$N3" "${V[@]}" --json > "$W/v3.json"
		[ "$(jq -r .result "$W/v3.json")" = untrusted ] && [ "$(jq -r .release "$W/v3.json")" = 0.1.0 ] &&
			jq -e '[.reasons[].code] | index("secure-boot-disabled")' "$W/v3.json" > /dev/null &&
			t_ok "verify --json: untrusted, the release's UKI, reasons $(jq -c '[.reasons[].code]' "$W/v3.json")" ||
			t_fail "verify --json (Secure Boot off): $(cat "$W/v3.json")"
		vm_poweroff
	else
		t_fail "Secure Boot off: the boot did not go on after the recovery passphrase"
		grep -a rempart-init "$VM_LOG" | tail -3 | sed 's/^/#   /'; vm_stop
	fi
else
	t_fail "Secure Boot off: no recovery prompt (passphrase: ${PASS:+obtained})"
	grep -a rempart-init "$VM_LOG" | tail -3 | sed 's/^/#   /'; vm_stop
fi

t_done
