#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# rempart-tpm against a software TPM (swtpm, socket mode, started here) and
# the reference tools: systemd-measure for PCR 11, tpm2-tools trial sessions
# for every policy digest (independent computation by the TPM itself), then
# seal/unseal, the attacks the policy must stop, the NV security-version
# counter, provisioning and the escrow.
# Usage: tpm.sh BUILD_DIR
set -u
BUILD=$(realpath "${1:?build dir}")
RT=$BUILD/src/tpm/rempart-tpm
. "$(dirname "$0")/../lib/tap.sh"
cd "$T_TMP"

SWTPM_PID=
swtpm_stop() {
	if [ -n "$SWTPM_PID" ]; then
		kill "$SWTPM_PID" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$SWTPM_PID" 2>/dev/null || break; sleep 0.1; done
		SWTPM_PID=
	fi
}
cleanup() { swtpm_stop; rm -rf "$T_TMP"; }
trap cleanup EXIT

mkdir -p tpmstate
SOCK=$T_TMP/swtpm.sock
# (Re)starts swtpm on the same state: a TPM reset, PCRs back to zero, like a reboot.
swtpm_start() {
	swtpm_stop
	rm -f "$SOCK" "$SOCK.ctrl"
	swtpm socket --tpm2 --tpmstate dir="$T_TMP/tpmstate" --server type=unixio,path="$SOCK" \
		--ctrl type=unixio,path="$SOCK.ctrl" --flags not-need-init,startup-clear \
		--pid file="$T_TMP/swtpm.pid" --log file="$T_TMP/swtpm.log" &
	SWTPM_PID=$!
	for _ in $(seq 100); do [ -S "$SOCK" ] && [ -S "$SOCK.ctrl" ] && break; sleep 0.05; done
	[ -S "$SOCK" ] || { echo "swtpm did not start"; cat "$T_TMP/swtpm.log"; exit 1; }
}
T="--tcti swtpm:path=$SOCK"
export TPM2TOOLS_TCTI="swtpm:path=$SOCK"
hex2bin() { printf '%b' "$(sed 's/../\\x&/g' <<<"$1")"; }
bin2hex() { od -An -v -tx1 "$1" | tr -d ' \n'; }
pcr() { "$RT" $T pcrread "$1" | cut -d= -f2; }

# ---------------- PCR 11 prediction vs systemd-measure ----------------
MEASURE=/usr/lib/systemd/systemd-measure
head -c 300000 /dev/urandom > linux; head -c 123457 /dev/urandom > initrd
printf 'root=PARTUUID=x ro quiet' > cmdline; printf 'ID=rempart\nVERSION_ID=1\n' > osrel
head -c 999 /dev/urandom > splash; head -c 777 /dev/urandom > dtb; head -c 91 /dev/urandom > pcrpkey
check_pcr11() { # name, section options...
	local name=$1; shift
	local theirs ours_sections ours
	theirs=$("$MEASURE" calculate "$@" --bank=sha256 2>/dev/null | head -1 | sed 's/.*sha256=//')
	ours=$("$RT" pcr11 "$@" --phase enter-initrd 2>/dev/null)
	ours_sections=$("$RT" pcr11 "$@" 2>/dev/null)
	if [ -n "$theirs" ] && [ "$ours" = "$theirs" ] && [ ${#ours_sections} -eq 64 ] && [ "$ours_sections" != "$ours" ]; then
		t_ok "pcr11 ($name) equals systemd-measure calculate (enter-initrd phase)"
	else
		t_fail "pcr11 ($name): ours $ours, systemd-measure $theirs"
	fi
}
check_pcr11 "linux osrel cmdline initrd" --linux=linux --osrel=osrel --cmdline=cmdline --initrd=initrd
check_pcr11 "all seven sections" --linux=linux --osrel=osrel --cmdline=cmdline --initrd=initrd \
	--splash=splash --dtb=dtb --pcrpkey=pcrpkey
check_pcr11 "linux only" --linux=linux
printf 'root=PARTUUID=y ro quiet' > cmdline2
a=$("$RT" pcr11 --linux linux --osrel osrel --cmdline cmdline --initrd initrd)
b=$("$RT" pcr11 --linux linux --osrel osrel --cmdline cmdline2 --initrd initrd)
[ "$a" != "$b" ] && t_ok "pcr11 depends on the command line" || t_fail "pcr11 depends on the command line"
"$RT" pcr11 --linux linux --initrd initrd --cmdline cmdline --osrel osrel --json > p.json
jq -e --arg h "$a" '.pcr == 11 and .bank == "sha256" and .hash == $h' p.json >/dev/null && t_ok "pcr11 --json" || t_fail "pcr11 --json"
t_exit "pcr11 without --linux: usage error" 2 "needs --linux" "$RT" pcr11 --initrd initrd

# ---------------- keys and approvals (build host, no TPM) ----------------
"$RT" keygen-policy --private pol.pem --public pol.pub
"$RT" keygen-policy --private other.pem --public other.pub
[ "$(stat -c %a pol.pem)" = 600 ] && t_ok "policy private key is mode 0600" || t_fail "policy private key mode $(stat -c %a pol.pem)"
openssl pkey -in pol.pem -noout -text 2>/dev/null | grep -q "NIST CURVE: P-256" && t_ok "policy key is an OpenSSL-readable P-256 key" || t_fail "policy key readable by openssl"
Z=0000000000000000000000000000000000000000000000000000000000000000
"$RT" sign-pcr11 --key pol.pem --pcr11 $Z --out a0
t_run "verify-approval accepts a fresh approval" "$RT" verify-approval --approval a0 --key pol.pub
t_exit "verify-approval with another key: exit 1" 1 "does not verify" "$RT" verify-approval --approval a0 --key other.pub
t_exit "sign-pcr11 with a bad PCR value: exit 2" 2 "64 hex digits" "$RT" sign-pcr11 --key pol.pem --pcr11 abcd --out x

swtpm_start

# ---------------- policy digests vs tpm2-tools trial sessions ----------------
trial() { tpm2_startauthsession -S s.ctx >/dev/null 2>&1; }
trial_end() { tpm2_flushcontext s.ctx >/dev/null 2>&1; rm -f s.ctx; }
tpm2_loadexternal -C o -G ecc256:ecdsa-sha256:null -a "sign|userwithauth" -u pol.pub -c k.ctx -n k.name >/dev/null 2>&1
tpm2_flushcontext -t >/dev/null 2>&1
KEYNAME=$("$RT" key-name --key pol.pub)
[ "$KEYNAME" = "$(bin2hex k.name)" ] && t_ok "policy key name equals the TPM's (tpm2_loadexternal)" || t_fail "policy key name: ours $KEYNAME, TPM $(bin2hex k.name)"

PCR7V=5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a
hex2bin "$PCR7V" > pcr7.bin
printf 'rempart-unseal' > ref.unseal; printf 'rempart-nv-increment' > ref.nv
trial
tpm2_policyauthorize -S s.ctx -i /dev/null -q ref.unseal -n k.name >/dev/null 2>&1
tpm2_policypcr -S s.ctx -l sha256:7 -f pcr7.bin -L sealed.policy >/dev/null 2>&1
trial_end
ours=$("$RT" policy-digest sealed --key pol.pub --pcr7 $PCR7V)
[ -s sealed.policy ] && [ "$ours" = "$(bin2hex sealed.policy)" ] && t_ok "sealed authPolicy = tpm2 trial PolicyAuthorize+PolicyPCR(7)" \
	|| t_fail "sealed authPolicy: ours $ours, tpm2-tools $(bin2hex sealed.policy 2>/dev/null)"

PCR11V=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
hex2bin "$PCR11V" > pcr11.bin
trial
tpm2_policypcr -S s.ctx -l sha256:11 -f pcr11.bin -L release.policy >/dev/null 2>&1
trial_end
ours=$("$RT" policy-digest release --pcr11 $PCR11V)
[ -s release.policy ] && [ "$ours" = "$(bin2hex release.policy)" ] && t_ok "release policy (no svn) = tpm2 trial PolicyPCR(11)" \
	|| t_fail "release policy: ours $ours, tpm2-tools $(bin2hex release.policy 2>/dev/null)"

trial
tpm2_policyauthorize -S s.ctx -i /dev/null -q ref.nv -n k.name -L nv.policy >/dev/null 2>&1
trial_end
ours=$("$RT" policy-digest nv --key pol.pub)
[ -s nv.policy ] && [ "$ours" = "$(bin2hex nv.policy)" ] && t_ok "NV counter authPolicy = tpm2 trial PolicyAuthorize" \
	|| t_fail "NV authPolicy: ours $ours, tpm2-tools $(bin2hex nv.policy 2>/dev/null)"

# The NV index as the TPM names it (defined by us) in a trial PolicyNV.
t_run "srk-ensure creates the SRK" "$RT" $T srk-ensure
t_run "nv-define creates the security-version counter" "$RT" $T nv-define --key pol.pub
[ "$("$RT" $T nv-read)" = 1 ] && t_ok "counter starts at 1 on a fresh TPM" || t_fail "counter value $("$RT" $T nv-read)"
t_run "nv-define again is idempotent" "$RT" $T nv-define --key pol.pub
t_exit "nv-define with another key on the same index: refused" 1 "other attributes or another policy key" \
	"$RT" $T nv-define --key other.pub
tpm2_nvreadpublic 0x013e0001 > nvpub.txt 2>/dev/null
grep -qi "$(bin2hex nv.policy)" nvpub.txt && t_ok "counter's authPolicy in the TPM is the PolicyAuthorize digest" || t_fail "counter authPolicy"
printf '\0\0\0\0\0\0\0\x07' > svn7.bin
trial
tpm2_policypcr -S s.ctx -l sha256:11 -f pcr11.bin >/dev/null 2>&1
tpm2_policynv -S s.ctx -i svn7.bin -L releasenv.policy 0x013e0001 ule >/dev/null 2>&1
trial_end
ours=$("$RT" policy-digest release --pcr11 $PCR11V --key pol.pub --svn 7)
[ -s releasenv.policy ] && [ "$ours" = "$(bin2hex releasenv.policy)" ] && t_ok "release policy (svn 7) = tpm2 trial PolicyPCR(11)+PolicyNV(ule)" \
	|| t_fail "release+NV policy: ours $ours, tpm2-tools $(bin2hex releasenv.policy 2>/dev/null)"

# ---------------- seal / unseal ----------------
head -c 64 /dev/urandom > secret
t_run "seal a 64-byte secret" "$RT" $T seal --key pol.pub --in secret --out sealed
head -c 129 /dev/urandom > big
t_exit "seal 129 bytes: refused" 2 "1 to 128 bytes" "$RT" $T seal --key pol.pub --in big --out x
P11=$(pcr 11)
"$RT" sign-pcr11 --key pol.pem --pcr11 "$P11" --out rel1
if "$RT" $T unseal --sealed sealed --approval rel1 --out got 2>err && cmp -s got secret; then
	t_ok "unseal with the release approval returns the secret"; else t_fail "unseal"; sed 's/^/#   /' err; fi
[ "$(stat -c %a got)" = 600 ] && t_ok "unsealed file is mode 0600" || t_fail "unsealed file mode"
"$RT" $T explain --sealed sealed --approval rel1 --json > e.json
jq -e '.pcr7_differs == false and .pcr11_differs == false' e.json >/dev/null && t_ok "explain: nothing differs" || t_fail "explain clean state"

# A second release: the UKI changed (PCR 11 differs); the vendor signs the new value; no re-seal.
"$RT" $T extend 11 --data "uki of release 2"
t_exit "PCR 11 extended: unseal refused, PCR 11 named" 1 "PCR 11 \(UKI\) differs" \
	"$RT" $T unseal --sealed sealed --approval rel1 --out x
P11B=$(pcr 11)
"$RT" sign-pcr11 --key pol.pem --pcr11 "$P11B" --out rel2
if "$RT" $T unseal --sealed sealed --approval rel2 --out got2 2>err && cmp -s got2 secret; then
	t_ok "second release's approval unseals without re-sealing"; else t_fail "second release"; sed 's/^/#   /' err; fi

# Another key's approval for the right PCR 11.
"$RT" sign-pcr11 --key other.pem --pcr11 "$P11B" --out evil
t_exit "approval signed by another key: refused and named" 1 "another policy key" \
	"$RT" $T unseal --sealed sealed --approval evil --out x

# A genuine approval whose PCR 11 field is changed to the current value (signature kept).
base64 -d rel1 > forged.bin
hex2bin "$P11B" | dd of=forged.bin bs=1 seek=6 conv=notrunc status=none
base64 -w0 forged.bin > forged; echo >> forged
t_exit "forged approval (PCR 11 swapped, old signature): TPM rejects the signature" 1 "signature rejected" \
	"$RT" $T unseal --sealed sealed --approval forged --out x

# PCR 7 (Secure Boot state) changes.
"$RT" $T extend 7 --data "secure boot disabled"
t_exit "PCR 7 extended: unseal refused, PCR 7 named" 1 "PCR 7 \(Secure Boot policy\) differs" \
	"$RT" $T unseal --sealed sealed --approval rel2 --out x
"$RT" $T explain --sealed sealed --approval rel2 --json > e.json
jq -e '.pcr7_differs == true and .pcr11_differs == false' e.json >/dev/null && t_ok "explain --json names PCR 7 only" || t_fail "explain PCR 7"

# Reboot: PCRs back; the first release unlocks again; leaving the initramfs blocks it.
swtpm_start
t_run "after a TPM reset the first release unseals again" "$RT" $T unseal --sealed sealed --approval rel1 --out x
"$RT" $T extend 11 --data "rempart-leave-initramfs"  # = tpm_pcr11_leave_initramfs()
t_exit "after the leave-initramfs extend: refused" 1 "PCR 11 \(UKI\) differs" \
	"$RT" $T unseal --sealed sealed --approval rel1 --out x

# ---------------- NV security-version counter ----------------
swtpm_start
P11=$(pcr 11)
"$RT" sign-pcr11 --key pol.pem --pcr11 "$P11" --svn 2 --out s2
"$RT" sign-pcr11 --key pol.pem --pcr11 "$P11" --svn 3 --out s3
"$RT" sign-pcr11 --key other.pem --pcr11 "$P11" --svn 9 --out s9evil
t_run "approval with svn 2 unseals while the counter is 1" "$RT" $T unseal --sealed sealed --approval s2 --out x
t_exit "nv-increment-to 3 with the svn-2 approval: refused" 1 "to 2 at most" "$RT" $T nv-increment-to 3 --approval s2
t_exit "nv-increment-to 9 with another key's approval: refused" 1 "not the counter of approval .* policy key" "$RT" $T nv-increment-to 9 --approval s9evil
[ "$("$RT" $T nv-read)" = 1 ] && t_ok "counter unchanged by refused increments" || t_fail "counter changed"
if tpm2_nvincrement 0x013e0001 >/dev/null 2>&1; then t_fail "increment with the index's (empty) auth must fail"
else t_ok "increment with the index's empty auth: refused by the TPM"; fi
t_run "nv-increment-to 3 with the svn-3 approval" "$RT" $T nv-increment-to 3 --approval s3
[ "$("$RT" $T nv-read)" = 3 ] && t_ok "counter is 3" || t_fail "counter is $("$RT" $T nv-read)"
t_exit "old release (svn 2) below the counter: refused, counter named" 1 "security-version counter is 3, above this release's version 2" \
	"$RT" $T unseal --sealed sealed --approval s2 --out x
t_run "release with svn 3 still unseals" "$RT" $T unseal --sealed sealed --approval s3 --out x
t_exit "the counter never decreases" 2 "never decreases" "$RT" $T nv-increment-to 2 --approval s3

# ---------------- provisioning, DA protection ----------------
t_run "provision sets random owner and lockout auths" "$RT" $T provision --new-owner-auth own.auth --new-lockout-auth lock.auth
[ "$(stat -c %s own.auth)" = 32 ] && [ "$(stat -c %a lock.auth)" = 600 ] && ! cmp -s own.auth lock.auth \
	&& t_ok "auths are 32 distinct random bytes, mode 0600" || t_fail "auth files"
"$RT" $T da-status --json > da.json
jq -e '.owner_auth_set and .lockout_auth_set and .da_protection and .max_tries > 0' da.json >/dev/null \
	&& t_ok "DA protection on, owner and lockout auth set" || t_fail "da-status: $(cat da.json)"
if tpm2_clear -c l >/dev/null 2>&1; then t_fail "TPM clear with empty lockout auth must fail"
else t_ok "TPM clear with the empty lockout auth: refused"; fi
if tpm2_dictionarylockout -c >/dev/null 2>&1; then t_fail "DA reset with empty lockout auth must fail"
else t_ok "DA parameters/reset with empty lockout auth: refused"; fi
t_exit "re-provisioning with the old (empty) owner auth: refused" 1 "HierarchyChangeAuth\(owner\)" \
	"$RT" $T provision --new-owner-auth own2.auth --new-lockout-auth lock2.auth
[ ! -e own2.auth ] && t_ok "refused provisioning writes no auth file" || t_fail "own2.auth written"
t_run "unseal needs no owner auth after provisioning" "$RT" $T unseal --sealed sealed --approval s3 --out x
t_run "owner auth raises the counter (owner branch)" "$RT" $T nv-increment-to 4 --owner-auth own.auth
head -c 32 /dev/urandom > wrong.auth
t_exit "wrong owner auth: refused" 1 "NV_Increment\(owner\): .*authorization failure" "$RT" $T nv-increment-to 5 --owner-auth wrong.auth

# A sealed object taken to another TPM (fresh state: another SRK).
swtpm_stop; mv tpmstate tpmstate.1; mkdir tpmstate; swtpm_start
t_exit "sealed object on a TPM with no SRK: refused (SRK named)" 1 "storage root key" \
	"$RT" $T unseal --sealed sealed --approval rel1 --out x
"$RT" $T srk-ensure >/dev/null 2>&1
t_exit "sealed object on another TPM: refused (SRK differs)" 1 "storage root key differs" \
	"$RT" $T unseal --sealed sealed --approval rel1 --out x
"$RT" $T explain --sealed sealed --approval rel1 --json > e.json
jq -e '.srk_differs == true' e.json >/dev/null && t_ok "explain names the changed storage root key" || t_fail "explain SRK: $(cat e.json)"
printf 'garbage' > bad.sealed
t_exit "malformed sealed object: exit 2" 2 "malformed" "$RT" $T unseal --sealed bad.sealed --approval rel1 --out x

# ---------------- escrow ----------------
"$RT" escrow-keygen --secret esc.sec --public esc.pub
"$RT" escrow-keygen --secret esc2.sec --public esc2.pub
"$RT" escrow-seal --key esc.pub --out escrow.bin --secret-out pass.txt
[ "$(stat -c %s escrow.bin)" = 93 ] && t_ok "escrow.bin is 93 bytes" || t_fail "escrow.bin size"
if [ "$("$RT" escrow-open --key esc.sec escrow.bin)" = "$(cat pass.txt)" ]; then t_ok "escrow-open returns the recovery passphrase"
else t_fail "escrow-open"; fi
t_exit "escrow-open with another key: refused" 1 "another escrow key" "$RT" escrow-open --key esc2.sec escrow.bin
cp escrow.bin tampered.bin; printf '\x42' | dd of=tampered.bin bs=1 seek=60 conv=notrunc status=none
t_exit "escrow-open of a modified blob: refused" 1 "was modified" "$RT" escrow-open --key esc.sec tampered.bin
t_exit "escrow-open with a public key file: usage error" 2 "not a Rempart escrow secret key" "$RT" escrow-open --key esc.pub escrow.bin

# ---------------- CLI ----------------
t_run "--help exits 0" "$RT" --help
t_exit "unknown command: exit 2" 2 "unknown command" "$RT" frobnicate
t_exit "no TPM at the given device: exit 3, named" 3 "cannot open the TPM through TCTI 'device:/nonexistent/tpm'" \
	"$RT" --tcti device:/nonexistent/tpm pcrread

t_done
