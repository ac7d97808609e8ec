#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# rempart-attest end to end against software TPMs (two swtpm instances on
# loopback TCP, started and stopped here): enrolment (MakeCredential in
# software, ActivateCredential in the TPM), a genuine boot (the event log
# captured from a Rempart VM replayed into the TPM's PCRs) trusted, and each
# attack or deviation rejected or reported with its reason. Authenticode
# digests cross-checked with osslsigncode.
# Usage: attest.sh BUILD_DIR
set -u
BUILD=$(realpath "${1:?build dir}")
SRC=$(realpath "$(dirname "$0")/../..")
RA=$BUILD/src/attest/rempart-attest
TOOL=$BUILD/tests/unit/attest/attest-tool
DATA=$SRC/tests/data/attest
. "$(dirname "$0")/../lib/tap.sh"
cd "$T_TMP"

# ---------------- two software TPMs on loopback ----------------
declare -A PID PORT
free_port() { # a port pair not in use (bounded search)
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 20000))
		if ! ss -Hltn "sport = :$p or sport = :$((p + 1))" 2>/dev/null | grep -q .; then echo "$p"; return; fi
	done
	echo 23321
}
tpm_stop() {
	local n=$1
	if [ -n "${PID[$n]:-}" ]; then
		kill "${PID[$n]}" 2>/dev/null
		for _ in $(seq 50); do kill -0 "${PID[$n]}" 2>/dev/null || break; sleep 0.1; done
		PID[$n]=
	fi
}
# The TPMs are manufactured like real ones: swtpm_setup creates the EKs and,
# through swtpm_localca, their certificates in NV (0x01c00002 for the RSA
# EK; none for the ECC P-256 EK) from this test's "TPM manufacturer" CA.
mkdir -p "$T_TMP/ca"
cat > "$T_TMP/ca/localca.conf" <<EOF2
statedir = $T_TMP/ca
signingkey = $T_TMP/ca/signkey.pem
issuercert = $T_TMP/ca/issuercert.pem
certserial = $T_TMP/ca/certserial
EOF2
printf -- '--platform-manufacturer Rempart-test\n--platform-version 2.1\n--platform-model swtpm\n' > "$T_TMP/ca/localca.options"
cat > "$T_TMP/ca/swtpm_setup.conf" <<EOF2
create_certs_tool = /usr/bin/swtpm_localca
create_certs_tool_config = $T_TMP/ca/localca.conf
create_certs_tool_options = $T_TMP/ca/localca.options
EOF2
tpm_manufacture() {
	[ -e "$T_TMP/tpm-$1/tpm2-00.permall" ] && return 0
	mkdir -p "$T_TMP/tpm-$1"
	swtpm_setup --tpm2 --tpmstate "$T_TMP/tpm-$1" --create-ek-cert --create-platform-cert \
		--pcr-banks sha1,sha256,sha384,sha512 --config "$T_TMP/ca/swtpm_setup.conf" > "$T_TMP/setup-$1.log" 2>&1 ||
		{ echo "swtpm_setup $1 failed"; cat "$T_TMP/setup-$1.log"; exit 1; }
}
# (Re)starts TPM n on its state directory: a reset (PCRs zero), like a reboot.
tpm_start() {
	local n=$1 p
	tpm_stop "$n"
	tpm_manufacture "$n"
	p=${PORT[$n]:-$(free_port)}
	PORT[$n]=$p
	swtpm socket --tpm2 --tpmstate dir="$T_TMP/tpm-$n" --server type=tcp,port="$p",bindaddr=127.0.0.1 \
		--ctrl type=tcp,port=$((p + 1)),bindaddr=127.0.0.1 --flags not-need-init,startup-clear \
		--log file="$T_TMP/swtpm-$n.log" &
	PID[$n]=$!
	for _ in $(seq 100); do ss -Hltn "sport = :$p" | grep -q . && return 0; sleep 0.05; done
	echo "swtpm $n did not start"; cat "$T_TMP/swtpm-$n.log"; exit 1
}
cleanup() { tpm_stop A; tpm_stop B; rm -rf "$T_TMP"; }
trap cleanup EXIT
tcti() { echo "swtpm:host=127.0.0.1,port=${PORT[$1]}"; }

# A booted device: TPM reset, then the firmware's measurements (from LOG)
# and the booted system's PCR 11 extensions.
boot() { # tpm, log
	tpm_start "$1"
	"$TOOL" extend "$(tcti "$1")" "$2" --booted || { echo "cannot replay $2 into TPM $1"; exit 1; }
}
printf 'ID=rempart\nIMAGE_ID=rempart\nIMAGE_VERSION=0.1.0\n' > os-release
quote() { # tpm, state, nonce, log, out
	"$RA" quote --tcti "$(tcti "$1")" --state-dir "$2" --nonce "$3" --event-log "$4" --os-release os-release \
		--no-check -o "$5"
}

# signed reference values (the release manifest and its minisign signature)
minisign -G -W -p rel.pub -s rel.key >/dev/null 2>&1 </dev/null
cp "$DATA/reference-0.1.0.json" ref.json
minisign -S -s rel.key -t "rempart-reference version=0.1.0" -m ref.json >/dev/null 2>&1 </dev/null
REG=$T_TMP/registry
V=(--ak-registry "$REG" --reference ref.json --reference-key rel.pub)

# ---------------- Authenticode vs osslsigncode ----------------
ossl_digest() { osslsigncode verify -in "$1" 2>/dev/null | sed -n 's/^Calculated message digest *: *\([0-9A-F]*\).*/\1/p' | tr A-F a-f; }
ours=$("$RA" authenticode "$DATA/BOOTX64.EFI" | cut -d' ' -f1)
theirs=$(ossl_digest "$DATA/BOOTX64.EFI")
if [ -n "$ours" ] && [ "$ours" = "$theirs" ]; then t_ok "Authenticode of the image's systemd-boot equals osslsigncode's"
else t_fail "Authenticode: ours $ours, osslsigncode $theirs"; fi
if [ -f /usr/lib/systemd/boot/efi/systemd-bootx64.efi ]; then
	openssl req -x509 -newkey rsa:2048 -nodes -keyout sb.key -out sb.crt -subj /CN=t -days 1 2>/dev/null
	sbsign --key sb.key --cert sb.crt --output sdboot.efi /usr/lib/systemd/boot/efi/systemd-bootx64.efi 2>/dev/null
	ours=$("$RA" authenticode sdboot.efi | cut -d' ' -f1)
	theirs=$(ossl_digest sdboot.efi)
	unsigned=$("$RA" authenticode /usr/lib/systemd/boot/efi/systemd-bootx64.efi | cut -d' ' -f1)
	if [ -n "$ours" ] && [ "$ours" = "$theirs" ]; then t_ok "Authenticode of a freshly sbsign'ed systemd-boot equals osslsigncode's"
	else t_fail "Authenticode (sbsign'ed): ours $ours, osslsigncode $theirs"; fi
	[ -n "$unsigned" ] && t_ok "Authenticode of the unsigned file computed ($unsigned)" || t_fail "unsigned systemd-boot"
fi
t_exit "authenticode refuses a non-PE file" 2 "not a PE image" "$RA" authenticode os-release

# ---------------- event log dump ----------------
if "$RA" eventlog --json "$DATA/ovmf-sb.log" > el.json && \
   [ "$(jq -r '.replay_sha256["7"]' el.json)" = "$(awk '$1==7{print $2}' "$DATA/ovmf-sb.pcrs")" ] && \
   [ "$(jq '[.events[] | select(.digest_check=="mismatch")] | length' el.json)" = 0 ]; then
	t_ok "eventlog --json: the captured log replays to the VM's PCR 7, no digest mismatch"
else t_fail "eventlog --json"; fi

# ---------------- enrolment ----------------
boot A "$DATA/ovmf-sb.log"
tpm_start B
t_run "enroll-request on TPM A" "$RA" enroll-request --tcti "$(tcti A)" --state-dir stA -o req.json
hex2der() { tr a-f A-F | basenc -d --base16; }
jq -r .ek_certificate req.json | hex2der > ekA.der
[ "$(jq -r .ek_certificate_nv req.json)" = $((0x01c00002)) ] &&
	openssl x509 -inform der -in ekA.der -noout -issuer 2>/dev/null | grep -q "CN = swtpm-localca" &&
	t_ok "the request carries the EK certificate read from NV 0x01c00002 (issuer swtpm-localca)" ||
	t_fail "EK certificate in the request: $(jq -c '{ek_certificate_nv, c: (.ek_certificate // "null")[0:40]}' req.json)"
EKCA=(--ek-ca "$T_TMP/ca/swtpm-localca-rootca-cert.pem" --ek-ca "$T_TMP/ca/issuercert.pem")
t_exit "challenge without a way to vouch for the EK refused" 2 "must be vouched for: --ek-ca" \
	"$RA" challenge --request req.json --ak-registry "$REG" -o ch.json
# an EK certificate for A's key from a CA that is not a TPM maker's
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca2.key -out ca2.crt \
	-subj "/CN=swtpm-localca" -days 30 >/dev/null 2>&1
openssl x509 -inform der -in ekA.der -pubkey -noout > ekA.pub
openssl x509 -new -subj /CN=unknown -force_pubkey ekA.pub -CA ca2.crt -CAkey ca2.key -days 30 -outform der \
	-out fake.der 2>/dev/null
jq --arg c "$(od -An -tx1 -v fake.der | tr -d ' \n')" '.ek_certificate = $c' req.json > req-otherca.json
t_exit "EK certificate signed by another CA (same name, other key) refused" 2 \
	"EK refused: the EK certificate .* does not chain to the TPM manufacturer CAs" \
	"$RA" challenge --request req-otherca.json --ak-registry "$REG" "${EKCA[@]}" -o ch.json
t_exit "genuine EK certificate, but the trust store holds another maker's CA: refused" 2 "does not chain" \
	"$RA" challenge --request req.json --ak-registry "$REG" --ek-ca ca2.crt -o ch.json
# TPM B's genuine certificate (same maker) presented for A's EK
"$RA" enroll-request --tcti "$(tcti B)" --state-dir stB -o reqB.json >/dev/null 2>&1
jq --slurpfile b reqB.json '.ek_certificate = $b[0].ek_certificate' req.json > req-otherkey.json
t_exit "a genuine EK certificate of another TPM (another key) refused" 2 "certifies another key" \
	"$RA" challenge --request req-otherkey.json --ak-registry "$REG" "${EKCA[@]}" -o ch.json
jq '.ek_certificate = null' req.json > req-nocert.json
t_exit "a request without an EK certificate refused" 2 "no EK certificate .* not enrolled" \
	"$RA" challenge --request req-nocert.json --ak-registry "$REG" "${EKCA[@]}" -o ch.json
"$RA" enroll-request --tcti "$(tcti B)" --state-dir stBe --ek ecc -o reqBe.json 2> reqBe.err
[ "$(jq -r .ek_certificate reqBe.json)" = null ] && grep -q "no EK certificate in the TPM (NV index 0x01c0000a" reqBe.err &&
	t_ok "ECC EK: no certificate at NV 0x01c0000a, the agent says so and sends none" || t_fail "ECC EK request: $(cat reqBe.err)"
t_exit "ECC EK without a certificate refused" 2 "no EK certificate" \
	"$RA" challenge --request reqBe.json --ak-registry "$REG" "${EKCA[@]}" -o ch.json
jq -r .ek_name req.json > allow
t_run "without a certificate, an EK pinned with --ek-allow is accepted (documented opt-out)" \
	"$RA" challenge --request req-nocert.json --ak-registry "$REG" "${EKCA[@]}" --ek-allow allow -o ch.json
t_exit "with --ek-allow too, a certificate that fails is still refused" 2 "certifies another key" \
	"$RA" challenge --request req-otherkey.json --ak-registry "$REG" "${EKCA[@]}" --ek-allow allow -o ch.json
echo "000b$(printf '%064d' 0)" > allow-other
t_exit "challenge refused for an EK outside the allow list" 2 "not in the allow list" \
	"$RA" challenge --request req.json --ak-registry "$REG" --ek-allow allow-other -o ch.json
t_run "challenge (EK certificate chains to the maker's CA and certifies the EK; software MakeCredential)" \
	"$RA" challenge --request req.json --ak-registry "$REG" "${EKCA[@]}" -o ch.json
# the challenge answered by another TPM: ActivateCredential refuses
t_exit "another TPM cannot answer A's challenge" 3 "refused the credential" \
	"$RA" activate --tcti "$(tcti B)" --state-dir stB --challenge ch.json -o resp-bad.json
t_run "activate on TPM A (ActivateCredential, EK policy session)" \
	"$RA" activate --tcti "$(tcti A)" --state-dir stA --challenge ch.json -o resp.json
# a response with another secret is not registered
jq '.secret = "00000000000000000000000000000000000000000000000000000000000000ff"' resp.json > resp-forged.json
t_exit "register refuses a wrong secret" 2 "not the challenge's" "$RA" register --response resp-forged.json --ak-registry "$REG"
[ ! -e "$REG/$(jq -r .ak_name req.json).json" ] && t_ok "nothing registered after the wrong secret" || t_fail "registered after a wrong secret"
t_exit "register the activated AK (EK vouched for by its certificate)" 0 "registered attestation key .*certificate: .*swtpm-localca" \
	"$RA" register --response resp.json --ak-registry "$REG"
[ -e "$REG/$(jq -r .ak_name req.json).json" ] && t_ok "AK registered under its name" || t_fail "AK not in the registry"
t_exit "register twice: no pending challenge" 2 "no pending challenge" "$RA" register --response resp.json --ak-registry "$REG"

# ---------------- genuine boot ----------------
N1=$("$RA" nonce)
t_run "quote (genuine boot)" quote A stA "$N1" "$DATA/ovmf-sb.log" ev1.json
t_exit "genuine boot: trusted" 0 "^trusted \(release 0.1.0" "$RA" verify --evidence ev1.json --nonce "$N1" "${V[@]}"
"$RA" verify --evidence ev1.json --nonce "$N1" "${V[@]}" --json > v.json
[ "$(jq -r .result v.json)" = trusted ] && [ "$(jq -r .release v.json)" = 0.1.0 ] && [ "$(jq '.reasons|length' v.json)" = 0 ] \
	&& t_ok "verify --json: result trusted, release 0.1.0, no reasons" || t_fail "verify --json: $(cat v.json)"

# ---------------- freshness and origin ----------------
N2=$("$RA" nonce)
t_exit "replayed quote (old nonce) rejected" 4 "nonce-mismatch.*replayed quote" \
	"$RA" verify --evidence ev1.json --nonce "$N2" "${V[@]}"
# evidence edited to claim the new nonce: the TPM-signed extraData still differs
jq --arg n "$N2" '.nonce = $n' ev1.json > ev1-n.json
t_exit "evidence nonce edited: the signed quote still says otherwise" 4 "nonce-mismatch.*TPM signed" \
	"$RA" verify --evidence ev1-n.json --nonce "$N2" "${V[@]}"
"$TOOL" extend "$(tcti B)" "$DATA/ovmf-sb.log" --booted
quote B stB "$N1" "$DATA/ovmf-sb.log" evB.json 2>/dev/null
t_exit "quote from another TPM (AK never enrolled) rejected" 4 "ak-unknown.*not registered" \
	"$RA" verify --evidence evB.json --nonce "$N1" "${V[@]}"
jq --slurpfile a ev1.json '.ak_name = $a[0].ak_name' evB.json > evB-claim.json
t_exit "quote from another TPM claiming the enrolled AK: signature rejected" 4 "signature-invalid.*another" \
	"$RA" verify --evidence evB-claim.json --nonce "$N1" "${V[@]}"
jq '.pcrs.values["7"] = "0000000000000000000000000000000000000000000000000000000000000000"' ev1.json > ev1-pcr.json
t_exit "PCR values edited after the quote rejected" 4 "pcr-values-mismatch" \
	"$RA" verify --evidence ev1-pcr.json --nonce "$N1" "${V[@]}"

# ---------------- event log attacks (the TPM saw the genuine boot) ----------------
"$TOOL" mutate "$DATA/ovmf-sb.log" forged.log forge-sb
quote A stA "$N1" forged.log ev-forged.json
t_exit "log with a forged event (SecureBoot data changed, digest kept) rejected" 4 \
	"eventlog-forged-event.*EV_EFI_VARIABLE_DRIVER_CONFIG, PCR 7.*forged" \
	"$RA" verify --evidence ev-forged.json --nonce "$N1" "${V[@]}"
"$TOOL" mutate "$DATA/ovmf-sb.log" removed.log drop 22
quote A stA "$N1" removed.log ev-removed.json
t_exit "log with a removed event (the db authority) rejected" 4 "eventlog-replay-mismatch.*PCR 7" \
	"$RA" verify --evidence ev-removed.json --nonce "$N1" "${V[@]}"
"$TOOL" mutate "$DATA/ovmf-sb.log" other.log app 1 "$(printf '%064d' 7)"
quote A stA "$N1" other.log ev-other.json
t_exit "log that does not replay to the quoted PCRs rejected" 4 "eventlog-replay-mismatch.*PCR 4" \
	"$RA" verify --evidence ev-other.json --nonce "$N1" "${V[@]}"
head -c 100 "$DATA/ovmf-sb.log" > trunc.log
quote A stA "$N1" trunc.log ev-trunc.json
t_exit "truncated log rejected" 4 "eventlog-malformed" "$RA" verify --evidence ev-trunc.json --nonce "$N1" "${V[@]}"
quote A stA "$N1" /nonexistent ev-nolog.json 2>/dev/null
t_exit "evidence without a log rejected" 4 "eventlog-missing" "$RA" verify --evidence ev-nolog.json --nonce "$N1" "${V[@]}"

# ---------------- measured deviations (authentic evidence, untrusted state) ----------------
"$TOOL" mutate "$DATA/ovmf-sb.log" sboff.log sb-off
boot A sboff.log
N3=$("$RA" nonce)
quote A stA "$N3" sboff.log ev-sboff.json
t_exit "boot with Secure Boot disabled: untrusted, Secure Boot disabled" 1 "secure-boot-disabled: Secure Boot disabled" \
	"$RA" verify --evidence ev-sboff.json --nonce "$N3" "${V[@]}"
"$TOOL" mutate "$DATA/ovmf-sb.log" uki.log app 1 "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
boot A uki.log
quote A stA "$N3" uki.log ev-uki.json
t_exit "UKI the release does not contain: untrusted, unknown UKI" 1 "unknown-uki: unknown UKI" \
	"$RA" verify --evidence ev-uki.json --nonce "$N3" "${V[@]}"
"$TOOL" mutate "$DATA/ovmf-sb.log" sdb.log app 0 "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
boot A sdb.log
quote A stA "$N3" sdb.log ev-sdb.json
t_exit "another boot loader: untrusted, unknown boot loader" 1 "unknown-boot-loader: unknown boot loader" \
	"$RA" verify --evidence ev-sdb.json --nonce "$N3" "${V[@]}"
boot A "$DATA/ovmf-sb.log"
quote A stA "$N3" "$DATA/ovmf-sb.log" ev-g.json
t_exit "release below the policy's minimum security version: untrusted with its reason" 1 \
	"below-minimum-security-version: release older than the policy minimum security version: 0.1.0 has security version 1, the policy requires 2" \
	"$RA" verify --evidence ev-g.json --nonce "$N3" "${V[@]}" --min-security-version 2
t_exit "same evidence at the policy minimum: trusted" 0 "^trusted" \
	"$RA" verify --evidence ev-g.json --nonce "$N3" "${V[@]}" --min-security-version 1
"$TOOL" pcr-extend "$(tcti A)" 11 "$(printf '%064d' 1)"
quote A stA "$N3" "$DATA/ovmf-sb.log" ev-p11.json
t_exit "PCR 11 extended by something else: untrusted, PCR 11 not the release's" 1 "pcr11-mismatch: PCR 11 not the release's" \
	"$RA" verify --evidence ev-p11.json --nonce "$N3" "${V[@]}"
jq '.reference.secure_boot.db = "00000000000000000000000000000000000000000000000000000000000000aa"' ref.json > ref-db.json
t_exit "db differing from the release's: PCR 7 differs: db changed" 1 "db-changed: PCR 7 differs: db changed" \
	"$RA" verify --evidence ev-g.json --nonce "$N3" --ak-registry "$REG" --reference ref-db.json --allow-unsigned-reference

# ---------------- the device's rempart-check report ----------------
printf '#!/bin/sh\necho "{\\"passed\\": false}"\nexit 1\n' > "$T_TMP/fakecheck"; chmod +x "$T_TMP/fakecheck"
boot A "$DATA/ovmf-sb.log"
"$RA" quote --tcti "$(tcti A)" --state-dir stA --nonce "$N3" --event-log "$DATA/ovmf-sb.log" --os-release os-release \
	--check-command "$T_TMP/fakecheck" -o ev-chk.json
[ "$(jq -r .check.exit_status ev-chk.json)" = 1 ] && [ "$(jq -r .check.output ev-chk.json | jq -r .passed)" = false ] &&
	t_ok "evidence carries the rempart-check report and its exit status" || t_fail "check in evidence: $(jq -c .check ev-chk.json)"
t_exit "a failing device check is a note by default (not TPM-bound)" 0 "note: rempart-check on the device exited 1" \
	"$RA" verify --evidence ev-chk.json --nonce "$N3" "${V[@]}"
t_exit "with --require-check it is a finding" 1 "check-failed: rempart-check on the device reported failures" \
	"$RA" verify --evidence ev-chk.json --nonce "$N3" "${V[@]}" --require-check

# ---------------- reference values must be the signed ones ----------------
t_exit "unsigned reference refused unless allowed" 2 "reference-key" \
	"$RA" verify --evidence ev-g.json --nonce "$N3" --ak-registry "$REG" --reference ref.json
cp ref-db.json ref-db2.json; cp ref.json.minisig ref-db2.json.minisig
t_exit "reference altered after signing refused" 2 "does not verify" \
	"$RA" verify --evidence ev-g.json --nonce "$N3" --ak-registry "$REG" --reference ref-db2.json --reference-key rel.pub

# ---------------- reference values through rempart-publish's signed manifest ----------------
PUB=$BUILD/src/update/rempart-publish
RV=$BUILD/src/verity/rempart-verity
. "$SRC/tests/lib/update-fixtures.sh"
if make_release rel 0.1.0 1 64 >/dev/null 2>&1; then
	jq --slurpfile r ref.json '. + {reference: $r[0].reference}' rel/release.json > rel/r.json && mv rel/r.json rel/release.json
	"$PUB" keygen --keys ukeys >/dev/null 2>&1
	t_run "rempart-publish accepts a release.json with reference values" \
		"$PUB" --keys ukeys --release rel --channel stable --repo repo --expires 7d
	M=repo/rempart/channels/stable.manifest
	[ "$(jq -c .reference "$M")" = "$(jq -c .reference ref.json)" ] && t_ok "the signed manifest carries the reference values unchanged" ||
		t_fail "manifest reference: $(jq -c .reference "$M")"
	t_exit "verify against the signed release manifest: trusted" 0 "^trusted \(release 0.1.0" \
		"$RA" verify --evidence ev-g.json --nonce "$N3" --ak-registry "$REG" --reference "$M" --reference-key ukeys/update.pub
	t_exit "a manifest signed by another key refused" 2 "does not verify" \
		"$RA" verify --evidence ev-g.json --nonce "$N3" --ak-registry "$REG" --reference "$M" --reference-key rel.pub
else
	t_fail "update fixture release (mksquashfs, rempart-verity)"
fi

# ---------------- a TPM reset does not change the enrolled AK ----------------
boot A "$DATA/ovmf-sb.log"
N4=$("$RA" nonce)
quote A stA "$N4" "$DATA/ovmf-sb.log" ev4.json
t_exit "after a reboot the same AK quotes, trusted" 0 "^trusted" "$RA" verify --evidence ev4.json --nonce "$N4" "${V[@]}"

t_done
