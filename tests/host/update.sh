#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# rempart-publish and rempart-update on the host: signatures checked with the
# real minisign, TLS against a local nginx with a test CA (another CA, an
# expired certificate, a TLS 1.1-only server), every attack of the update
# issue refused before the ESP is touched, a full A -> B -> A cycle on a GPT
# disk image with the layout of ARCHITECTURE §2, boot counting states.
# Usage: update.sh BUILD_DIR
set -u
BUILD=$(realpath "${1:?build dir}")
HERE=$(cd "$(dirname "$0")" && pwd)
RV=$BUILD/src/verity/rempart-verity
PUB=$BUILD/src/update/rempart-publish
UPD=$BUILD/src/update/rempart-update
. "$HERE/../lib/tap.sh"
. "$HERE/../lib/update-fixtures.sh"
. "$HERE/../lib/update-tls.sh"
NGINX_PID= LOOP= HOLDER= SWTPM_PID=
cleanup() {
	[ -n "$SWTPM_PID" ] && kill "$SWTPM_PID" 2>/dev/null && wait "$SWTPM_PID" 2>/dev/null
	[ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
	[ -n "$HOLDER" ] && kill "$HOLDER" 2>/dev/null && wait "$HOLDER" 2>/dev/null
	[ -n "$LOOP" ] && losetup -d "$LOOP"
	rm -rf "$T_TMP"
}
trap cleanup EXIT
chmod 0755 "$T_TMP"  # nginx workers run unprivileged
cd "$T_TMP" || exit 1

NOW=$(date +%s)
# --- fixtures: three releases, keys, PKI, disk image ------------------------
make_release rel1 1.0.0 1 300
make_release rel2 1.1.0 2 400 office
make_release rel3 1.2.0 2 300
make_release rel4 1.3.0 1 200           # security version going down
jq '.product = "other"' rel2/release.json > r && mv r rel2/release.other.json
make_pki pki || { t_fail "test PKI"; t_done; exit 1; }
"$PUB" keygen --keys keys 2>/dev/null
minisign -G -W -p mkeys/update.pub -s mkeys/update.key >/dev/null 2>&1 </dev/null || mkdir -p mkeys
[ -f mkeys/update.key ] || { mkdir -p mkeys; minisign -G -W -p mkeys/update.pub -s mkeys/update.key >/dev/null </dev/null; }

make_disk disk.img 4
install_slot disk.img a rel1
mkdir -p esp/EFI/Linux www state envs
cp rel1/uki.efi esp/EFI/Linux/rempart_1.0.0.efi
RH1=$(jq -r .verity.roothash rel1/release.json)
RH2=$(jq -r .verity.roothash rel2/release.json)
RH3=$(jq -r .verity.roothash rel3/release.json)
echo "quiet roothash=$RH1 rw" > cmdline
echo 'IMAGE_VERSION="1.0.0"' > os-release
echo 0123456789abcdef0123456789abcdef > machine-id

P_GOOD=$(free_port); P_OTHER=$(free_port); P_EXP=$(free_port); P_OLD=$(free_port)
while [ "$P_OTHER" = "$P_GOOD" ]; do P_OTHER=$(free_port); done
while [ "$P_EXP" = "$P_GOOD" ] || [ "$P_EXP" = "$P_OTHER" ]; do P_EXP=$(free_port); done
while [ "$P_OLD" = "$P_GOOD" ] || [ "$P_OLD" = "$P_OTHER" ] || [ "$P_OLD" = "$P_EXP" ]; do P_OLD=$(free_port); done
P_SLOW=$(free_port)
while [ "$P_SLOW" = "$P_GOOD" ] || [ "$P_SLOW" = "$P_OTHER" ] || [ "$P_SLOW" = "$P_EXP" ] || [ "$P_SLOW" = "$P_OLD" ]; do
	P_SLOW=$(free_port); done
srv() { # port cert key protocols [ciphers]
	echo "server { listen 127.0.0.1:$1 ssl; ssl_certificate $T_TMP/pki/$2; ssl_certificate_key $T_TMP/pki/$3;
		ssl_protocols $4; ${5:+ssl_ciphers $5;} root $T_TMP/www; }"
}
start_nginx "$T_TMP/nginx" "$(srv $P_GOOD server.pem server.key 'TLSv1.2 TLSv1.3')
$(srv $P_OTHER other.pem other.key 'TLSv1.2 TLSv1.3')
$(srv $P_EXP expired.pem expired.key 'TLSv1.2 TLSv1.3')
$(srv $P_OLD server.pem server.key TLSv1.1 'DEFAULT:@SECLEVEL=0')
server { listen 127.0.0.1:$P_SLOW ssl; ssl_certificate $T_TMP/pki/server.pem; ssl_certificate_key $T_TMP/pki/server.key;
	ssl_protocols TLSv1.2 TLSv1.3; root $T_TMP/www; limit_rate 150k; }"
if wait_port $P_GOOD && wait_port $P_OLD; then t_ok "nginx with the test CA listens on loopback"; else
	t_fail "nginx did not start"; cat nginx/logs/stderr nginx/logs/error.log; t_done; exit 1; fi

conf() { # file port statedir [extra lines]
	cat > "$1" <<C
# rempart-update test configuration
product = rempart
channel = stable
server = https://127.0.0.1:$2/repo
ca = $T_TMP/pki/ca.pem
pubkey = $T_TMP/keys/update.pub
disk = $T_TMP/disk.img
esp = $T_TMP/esp
state_dir = $3
environments_dir = $T_TMP/envs
cmdline = $T_TMP/cmdline
os_release = $T_TMP/os-release
machine_id = $T_TMP/machine-id
security_version_store = state
health_failed_units = no
${4:-}
C
}
conf u.conf $P_GOOD "$T_TMP/state"
esp_sum() { (cd esp && find . -type f | sort | xargs -r sha256sum) ; }

# --- publishing -------------------------------------------------------------
t_run "publish 1.0.0 to stable (issued 20 days ago, 30-day validity)" \
	"$PUB" --keys keys --release rel1 --channel stable --repo www/repo --now $((NOW - 20 * 86400)) --expires 30d
t_run "minisign -V verifies the 1.0.0 manifest" minisign -V -p keys/update.pub -m www/repo/rempart/channels/stable.manifest
if minisign -V -p keys/update.pub -m www/repo/rempart/channels/stable.manifest 2>&1 |
	grep -q "Trusted comment: rempart-manifest product=rempart channel=stable version=1.0.0 security_version=1"; then
	t_ok "the trusted comment binds product, channel, version and security version"
else t_fail "trusted comment content"; fi
cp www/repo/rempart/channels/stable.manifest old-1.0.0.manifest
cp www/repo/rempart/channels/stable.manifest.minisig old-1.0.0.manifest.minisig
t_run "publish 1.1.0 (with an environment image) to stable" \
	"$PUB" --keys keys --release rel2 --channel stable --repo www/repo --now $((NOW - 60)) --expires 7d
t_run "minisign -V verifies the 1.1.0 manifest" minisign -V -p keys/update.pub -m www/repo/rempart/channels/stable.manifest
t_run "the previous release is kept, signed, for staged rollouts" \
	minisign -V -p keys/update.pub -m www/repo/rempart/channels/stable.previous.manifest
echo x > s; minisign -S -s keys/update.key -m s >/dev/null 2>&1 </dev/null
t_run "minisign signs with a key written by rempart-publish keygen" minisign -V -p keys/update.pub -m s
t_exit "publishing an older version onto the channel is refused" 1 "backwards" \
	"$PUB" --keys keys --release rel1 --channel stable --repo www/repo
t_exit "a release whose file does not match release.json is refused" 1 "differs from release.json|bytes, release.json" \
	bash -c "cp -r rel3 rel3x && printf x >> rel3x/uki.efi && '$PUB' --keys keys --release rel3x --channel stable --repo scratch"
t_exit "an encrypted or foreign key is refused" 2 "unencrypted|encrypted" \
	bash -c "mkdir -p enc && printf 'pw\npw\n' | minisign -G -p enc/update.pub -s enc/update.key >/dev/null 2>&1; \
		'$PUB' --keys enc --release rel3 --channel stable --repo scratch"

# --- client: status, check, dry run ----------------------------------------
t_run "status --json" "$UPD" -c u.conf status --json
if jq -e '.running_version == "1.0.0" and .running_slot == "a" and .boot_entries[0].state == "good"' "$T_TMP/out" >/dev/null
then t_ok "status: running 1.0.0 from slot a, entry good"; else t_fail "status content"; cat "$T_TMP/out"; fi
t_exit "check: update available" 0 "update available: 1.1.0" "$UPD" -c u.conf check
before_disk=$(sha256sum < disk.img); before_esp=$(esp_sum)
t_exit "apply --dry-run plans slot b" 0 "would stage 1.1.0 into slot b" "$UPD" -c u.conf --dry-run apply
if [ "$(sha256sum < disk.img)" = "$before_disk" ] && [ "$(esp_sum)" = "$before_esp" ]; then
	t_ok "dry run wrote nothing to the disk or the ESP"; else t_fail "dry run wrote something"; fi

# --- TLS ----------------------------------------------------------------------
conf tls-other.conf $P_OTHER "$T_TMP/st-tls"
conf tls-exp.conf $P_EXP "$T_TMP/st-tls"
conf tls-old.conf $P_OLD "$T_TMP/st-tls"
t_exit "TLS: certificate from another CA refused" 4 "not issued by the pinned CA" "$UPD" -c tls-other.conf check
# The default store pointed at the other CA (OpenSSL and curl environment
# variables): the client must still trust only its pinned CA.
t_exit "TLS: the system/default CA store is never consulted" 4 "not issued by the pinned CA" \
	env SSL_CERT_FILE="$T_TMP/pki/other-ca.pem" SSL_CERT_DIR="$T_TMP/pki" CURL_CA_BUNDLE="$T_TMP/pki/other-ca.pem" \
	"$UPD" -c tls-other.conf check
if curl -s -o /dev/null --cacert pki/other-ca.pem "https://127.0.0.1:$P_OTHER/repo/rempart/channels/stable.manifest"; then
	t_ok "(the other-CA server is valid for a client trusting the other CA)"; else t_fail "other-CA server setup"; fi
t_exit "TLS: expired certificate refused" 4 "certificate has expired" "$UPD" -c tls-exp.conf check
t_exit "TLS: TLS 1.1-only server refused" 4 "does not offer TLS 1.2 or later" "$UPD" -c tls-old.conf check
sed 's/^/#   /' "$T_TMP/err"
if curl -s --tlsv1.1 --tls-max 1.1 --ciphers 'DEFAULT:@SECLEVEL=0' --cacert pki/ca.pem -o /dev/null \
	"https://127.0.0.1:$P_OLD/repo/rempart/channels/stable.manifest"; then
	t_ok "(the TLS 1.1 server does serve TLS 1.1 clients)"
else t_ok "(TLS 1.1 client unavailable in this OpenSSL build: the server is TLS 1.1-only by configuration)"; fi
SPKI_OTHER=$(openssl x509 -in pki/other.pem -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)
conf tls-pin.conf $P_GOOD "$T_TMP/st-tls" "pin = sha256//$SPKI_OTHER"
t_exit "TLS: SPKI pin mismatch refused" 4 "does not match the SPKI pin" "$UPD" -c tls-pin.conf check
SPKI_GOOD=$(openssl x509 -in pki/server.pem -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)
conf tls-pin-ok.conf $P_GOOD "$T_TMP/st-tls" "pin = sha256//$SPKI_GOOD"
t_exit "TLS: matching SPKI pin accepted" 0 "update available" "$UPD" -c tls-pin-ok.conf check

# --- attacks: each refused with the check named, ESP untouched -------------
# Each runs against a copy of the repository served at /repo, and a fresh
# state directory unless the attack needs history.
cp -a www/repo good-repo
serve() { rm -rf www/repo && cp -a "$1" www/repo; }
attack() { # name check-regex conf [exit]
	local name=$1 re=$2 cf=$3 want=${4:-1} e0
	e0=$(esp_sum)
	t_exit "attack: $name -> refused" "$want" "check: $re" "$UPD" -c "$cf" apply
	grep -m1 "refused" "$T_TMP/err" | sed 's/^/#   /'
	if [ "$(esp_sum)" = "$e0" ]; then t_ok "attack: $name -> ESP untouched"; else t_fail "attack: $name -> ESP modified"; fi
}
n=0
fresh() { n=$((n + 1)); conf "a$n.conf" $P_GOOD "$T_TMP/st-a$n"; echo "a$n.conf"; }

serve good-repo; sed -i 's/"rollout_percent": 100/"rollout_percent": 99/' www/repo/rempart/channels/stable.manifest
attack "modified manifest (bad signature)" signature "$(fresh)"
serve good-repo; "$PUB" --keys mkeys --release rel2 --channel stable --repo other-key-repo >/dev/null 2>&1 ||
	{ mkdir -p other-key-repo; }
if [ -f other-key-repo/rempart/channels/stable.manifest ]; then
	serve other-key-repo; attack "manifest signed by another key" signature "$(fresh)"; fi
"$PUB" --keys keys --release rel2 --channel beta --repo beta-repo >/dev/null 2>&1
serve good-repo; cp beta-repo/rempart/channels/beta.manifest www/repo/rempart/channels/stable.manifest
cp beta-repo/rempart/channels/beta.manifest.minisig www/repo/rempart/channels/stable.manifest.minisig
attack "manifest of another channel" channel "$(fresh)"
mkdir -p other-rel && cp rel2/* other-rel/ && mv other-rel/release.other.json other-rel/release.json
"$PUB" --keys keys --release other-rel --channel stable --repo other-repo >/dev/null 2>&1
serve good-repo; cp other-repo/other/channels/stable.manifest* www/repo/rempart/channels/
attack "manifest of another product" product "$(fresh)"
"$PUB" --keys keys --release rel2 --channel stable --repo stale-repo --now $((NOW - 10 * 86400)) --expires 7d >/dev/null 2>&1
serve stale-repo; attack "expired manifest (freeze)" expiry "$(fresh)"
serve good-repo; cp rel3/uki.efi www/repo/rempart/releases/1.1.0/uki.efi
attack "artifact of another release (mix-and-match)" sha256 "$(fresh)"
serve good-repo; truncate -s -4096 www/repo/rempart/releases/1.1.0/root.squashfs
attack "truncated artifact" size "$(fresh)"
if grep -q "truncated" "$T_TMP/err"; then t_ok "truncation named as such"; else t_fail "truncation message"; fi
serve good-repo; head -c 1048576 /dev/zero >> www/repo/rempart/releases/1.1.0/root.squashfs
attack "artifact larger than declared (endless data)" size "$(fresh)"
if grep -q "more than the" "$T_TMP/err"; then t_ok "endless data named as such"; else t_fail "endless data message"; fi
serve good-repo; head -c 4096 /dev/urandom | dd of=www/repo/rempart/releases/1.1.0/root.verity bs=1 seek=4096 conv=notrunc status=none
sha=$(sha256sum < www/repo/rempart/releases/1.1.0/root.verity | cut -d' ' -f1)
attack "corrupted hash tree" sha256 "$(fresh)"
# A release whose files hash right but whose root hash is not theirs: only
# the dm-verity check of the written slot can catch it.
make_release relbad 1.4.0 2 200
jq '.verity.roothash |= (if .[0:1] == "0" then "1" else "0" end) + .[1:]' relbad/release.json > r && mv r relbad/release.json
"$PUB" --keys keys --release relbad --channel stable --repo bad-root-repo >/dev/null 2>&1
serve bad-root-repo; attack "written slot does not match the root hash" verity "$(fresh)"
# A release whose root image is not the one its hash tree describes (the
# manifest's sha256 of the root is the swapped file's): caught while
# streaming, at the first data block that differs from the tree's level 0.
make_release relmix 1.4.0 2 200
make_release relmix-other 1.4.0 2 200
cp relmix-other/root.squashfs relmix/root.squashfs
jq --arg s "$(stat -c %s relmix/root.squashfs)" --arg h "$(sha256sum < relmix/root.squashfs | cut -d' ' -f1)" \
	'.artifacts.root.size = ($s|tonumber) | .artifacts.root.sha256 = $h' relmix/release.json > r && mv r relmix/release.json
"$PUB" --keys keys --release relmix --channel stable --repo mixed-root-repo >/dev/null 2>&1
serve mixed-root-repo; attack "root image not described by the hash tree" verity "$(fresh)"
if grep -q "data block 0 does not match the hash tree" "$T_TMP/err"; then t_ok "the first bad data block is named"
else t_fail "data block message"; fi
conf otherca.conf $P_OTHER "$T_TMP/st-oca"
attack "server certificate from another CA" transport otherca.conf 4
serve good-repo

# --- killed mid-download (power cut): the running entry stays the only
# bootable one, the half-written slot is de-identified, a rerun completes --
conf slow.conf $P_SLOW "$T_TMP/st-slow"
e0=$(esp_sum)
"$UPD" -c slow.conf apply >/dev/null 2>slow.err &
KPID=$!
for _ in $(seq 1 100); do grep -q "downloading root" slow.err && break; sleep 0.05; done
sleep 0.8
kill -KILL $KPID 2>/dev/null; wait $KPID 2>/dev/null
if grep -q "downloading root" slow.err && ! grep -q staged slow.err; then t_ok "apply killed while writing the root"; else
	t_fail "could not interrupt apply mid-download"; cat slow.err; fi
[ "$(esp_sum)" = "$e0" ] && t_ok "after the kill: ESP unchanged (only the running entry boots)" || t_fail "ESP changed by the killed apply"
read -r U1 _ <<<"$(roothash_uuids "$RH2")"
read -r U1a _ <<<"$(roothash_uuids "$RH1")"
ub=$(sfdisk --part-uuid disk.img 4 | tr A-Z a-z)
[ "$ub" != "$U1" ] && [ "$ub" != "$U1a" ] && t_ok "after the kill: the half-written slot b carries no root-hash UUID" ||
	t_fail "half-written slot identifiable ($ub)"
t_exit "apply after the kill completes" 0 "staged 1.1.0 in slot b" "$UPD" -c slow.conf apply
rm -f esp/EFI/Linux/rempart_1.1.0+3.efi
sfdisk -q --part-uuid disk.img 4 "$(cat /proc/sys/kernel/random/uuid)"     # back to the pre-update state

# --- the real update: 1.0.0 (a) -> 1.1.0 (b) --------------------------------
e0=$(esp_sum)
t_exit "apply stages 1.1.0 into slot b" 0 "staged 1.1.0 in slot b" "$UPD" -c u.conf apply
if cmp -s esp/EFI/Linux/rempart_1.1.0+3.efi rel2/uki.efi; then t_ok "ESP: rempart_1.1.0+3.efi is the release's UKI"
else t_fail "ESP entry missing or different"; ls -la esp/EFI/Linux; fi
[ -f esp/EFI/Linux/rempart_1.0.0.efi ] && t_ok "ESP: the running entry stays (fallback)" || t_fail "running entry removed"
read -r U1 U2 <<<"$(roothash_uuids "$RH2")"
if [ "$(sfdisk --part-uuid disk.img 4 | tr A-Z a-z)" = "$U1" ] && [ "$(sfdisk --part-uuid disk.img 5 | tr A-Z a-z)" = "$U2" ]; then
	t_ok "slot b partition UUIDs derived from the root hash (first/last 128 bits)"
else t_fail "slot b UUIDs: $(sfdisk --part-uuid disk.img 4) $(sfdisk --part-uuid disk.img 5), wanted $U1 $U2"; fi
read -r U1a _ <<<"$(roothash_uuids "$RH1")"
[ "$(sfdisk --part-uuid disk.img 2 | tr A-Z a-z)" = "$U1a" ] && t_ok "slot a untouched" || t_fail "slot a UUID changed"
off() { sfdisk -J disk.img | jq ".partitiontable.partitions[$1].start"; }
dd if=disk.img of=b-root bs=512 skip="$(off 3)" count=$(( $(stat -c %s rel2/root.squashfs) / 512 )) status=none
dd if=disk.img of=b-verity bs=512 skip="$(off 4)" count=$(( $(stat -c %s rel2/root.verity) / 512 )) status=none
t_run "veritysetup verify accepts slot b as written" veritysetup verify b-root b-verity "$RH2"
ENVRH=$(jq -r .environments.office.verity.roothash rel2/release.json)
t_run "environment image installed and verifiable (veritysetup)" \
	veritysetup verify envs/office/1.1.0/image.squashfs envs/office/1.1.0/image.verity "$ENVRH"
t_exit "apply again: idempotent" 0 "already staged" "$UPD" -c u.conf apply
rm esp/EFI/Linux/rempart_1.1.0+3.efi
t_exit "apply after a crash before the ESP write resumes without rewriting the slot" 0 "staged 1.1.0" \
	"$UPD" -c u.conf apply
grep -q "not rewritten" "$T_TMP/err" && t_ok "resume: slot kept (verified, not downloaded again)" || t_fail "resume rewrote the slot"
t_exit "rollback: the older, previously valid 1.0.0 manifest is refused" 1 "check: issued-at" \
	bash -c "cp old-1.0.0.manifest www/repo/rempart/channels/stable.manifest && \
		cp old-1.0.0.manifest.minisig www/repo/rempart/channels/stable.manifest.minisig && '$UPD' -c u.conf apply"
serve good-repo

# --- boot of 1.1.0 from slot b, boot counting, mark-good, commit ------------
echo "roothash=$RH2" > cmdline; echo 'IMAGE_VERSION=1.1.0' > os-release
mv esp/EFI/Linux/rempart_1.1.0+3.efi esp/EFI/Linux/rempart_1.1.0+2-1.efi   # what systemd-boot does
t_run "status after the reboot" "$UPD" -c u.conf status --json
jq -e '.running_slot == "b" and (.boot_entries | map(select(.version == "1.1.0"))[0].state == "pending")' "$T_TMP/out" >/dev/null &&
	t_ok "status: 1.1.0 from slot b, entry pending" || { t_fail "status after reboot"; cat "$T_TMP/out"; }
t_run "mark-good: health check passes" "$UPD" -c u.conf mark-good
t_exit "commit before systemd-bless-boot: refused" 1 "not marked good" "$UPD" -c u.conf commit
mv esp/EFI/Linux/rempart_1.1.0+2-1.efi esp/EFI/Linux/rempart_1.1.0.efi            # systemd-bless-boot
t_run "commit after bless raises the security version" "$UPD" -c u.conf commit
"$UPD" -c u.conf status --json > st.json 2>/dev/null
jq -e '.security_version_floor == 2' st.json >/dev/null && t_ok "security version floor is now 2" || t_fail "floor not raised"
echo "roothash=$RH1" > cmdline.bad; conf bad.conf $P_GOOD "$T_TMP/state"; sed -i "s#cmdline = .*#cmdline = $T_TMP/cmdline.bad#" bad.conf
t_exit "mark-good fails when the running root hash is not the staged one" 1 "health check failed" "$UPD" -c bad.conf mark-good
t_exit "a newer-issued manifest of an older version is refused" 1 "check: version" \
	bash -c "'$PUB' --keys keys --release rel1 --channel stable --repo older-repo >/dev/null 2>&1; \
		rm -rf www/repo && cp -a older-repo www/repo && '$UPD' -c u.conf apply"
serve good-repo
"$PUB" --keys keys --release rel4 --channel stable --repo svdown-repo >/dev/null 2>&1
serve svdown-repo
attack "security version below the counter" security-version "u.conf"

# --- 1.1.0 (b) -> 1.2.0 (a), a failed update is reported --------------------
serve good-repo
"$PUB" --keys keys --release rel3 --channel stable --repo www/repo >/dev/null 2>&1
mkdir -p envs/office/0.9.0 && echo old > envs/office/0.9.0/image.squashfs
echo partial > "esp/EFI/Linux/.#rempart_1.2.0+3.efi.0badf00d"                # an interrupted earlier install
t_exit "apply 1.2.0 goes back to slot a" 0 "staged 1.2.0 in slot a" "$UPD" -c u.conf apply
[ ! -e envs/office/0.9.0 ] && [ -f envs/office/1.1.0/image.squashfs ] &&
	t_ok "environment images: older removed, the running release's kept" || t_fail "environment pruning"
[ ! -e "esp/EFI/Linux/.#rempart_1.2.0+3.efi.0badf00d" ] && t_ok "temporary files of an interrupted ESP write removed" ||
	t_fail "ESP temp left"
[ ! -e esp/EFI/Linux/rempart_1.0.0.efi ] && t_ok "the stale 1.0.0 entry (its slot was overwritten) is gone" ||
	t_fail "stale 1.0.0 entry left"
mv esp/EFI/Linux/rempart_1.2.0+3.efi esp/EFI/Linux/rempart_1.2.0+0-3.efi       # never reached boot-complete
"$UPD" -c u.conf status --json > st.json 2>/dev/null
jq -e '.failed_update == "1.2.0" and .running_version == "1.1.0"' st.json >/dev/null &&
	t_ok "status reports the failed update to 1.2.0 after its tries" || { t_fail "failed update not reported"; cat st.json; }
"$UPD" -c u.conf status > st.txt 2>/dev/null
grep -q "the update to this version failed" st.txt && t_ok "status (text) says the update failed" || t_fail "status text"

# --- refresh ------------------------------------------------------------------
t_run "refresh re-signs the channel with a new expiry" \
	"$PUB" refresh --keys keys --repo www/repo --product rempart --channel stable --expires 2d --json
jq -e '.version == "1.2.0" and .expires > .issued_at' "$T_TMP/out" >/dev/null && t_ok "refresh output" || t_fail "refresh output"
t_run "minisign -V verifies the refreshed manifest" minisign -V -p keys/update.pub -m www/repo/rempart/channels/stable.manifest
t_run "the client accepts the refreshed manifest" "$UPD" -c u.conf check --json

# --- a block device that is in use (as on the device: ESP mounted, running
# slot held by dm-verity): a loop device held open with O_EXCL ---------------
make_disk disk2.img 4
install_slot disk2.img a rel1
if LOOP=$(losetup --find --show disk2.img 2>/dev/null); then
	python3 -c 'import os,sys,time; fd=os.open(sys.argv[1], os.O_RDONLY|os.O_EXCL); time.sleep(120)' "$LOOP" &
	HOLDER=$!
	sleep 0.3
	echo "roothash=$RH1" > cmdline2; echo IMAGE_VERSION=1.0.0 > os-release2
	conf blk.conf $P_GOOD "$T_TMP/st-blk"
	sed -i "s#^disk = .*#disk = $LOOP#; s#^esp = .*#esp = $T_TMP/esp2#; s#^cmdline = .*#cmdline = $T_TMP/cmdline2#; s#^os_release = .*#os_release = $T_TMP/os-release2#" blk.conf
	serve good-repo
	t_exit "apply onto a block device held exclusively by another opener" 0 "staged 1.1.0 in slot b" "$UPD" -c blk.conf apply
	read -r U1 _ <<<"$(roothash_uuids "$RH2")"
	[ "$(sfdisk --part-uuid "$LOOP" 4 | tr A-Z a-z)" = "$U1" ] && t_ok "block device: slot b UUIDs set" ||
		t_fail "block device: slot b UUIDs"
	kill "$HOLDER"; wait "$HOLDER" 2>/dev/null; HOLDER=
	losetup -d "$LOOP"; LOOP=
else
	t_fail "cannot attach a loop device"
fi

# --- CLI ----------------------------------------------------------------------
t_exit "rempart-update --help documents the exit codes" 0 "Exit status" "$UPD" --help
t_exit "rempart-publish --help documents the exit codes" 0 "Exit status" "$PUB" --help
t_exit "unknown command" 2 "unknown command" "$UPD" -c u.conf frobnicate
"$UPD" -c u.conf apply --json > ap.json 2>/dev/null
jq -e '.action == "failed-before" and .manifest.version == "1.2.0" and .slot == "a"' ap.json >/dev/null &&
	t_ok "apply --json: a release whose boot tries were used up is not retried" || { t_fail "apply --json"; cat ap.json; }

# --- configuration errors -----------------------------------------------------
t_exit "the product's device configuration parses (fails later, on the absent release key)" 3 \
	"cannot load the release public key /usr/share/rempart/update/update.pub" \
	"$UPD" -c "$HERE/../../products/rempart/update/update.conf" status
conf badk.conf $P_GOOD "$T_TMP/st-x" "colour = blue"
t_exit "unknown configuration key refused" 2 "unknown key" "$UPD" -c badk.conf status
conf badu.conf $P_GOOD "$T_TMP/st-x"; sed -i 's#server = https#server = http#' badu.conf
t_exit "plain http server refused" 2 "not an https://" "$UPD" -c badu.conf status
# --- the TPM NV anti-rollback counter (src/tpm) on a software TPM -------------
RT=$BUILD/src/tpm/rempart-tpm
SOCK=$T_TMP/swtpm.sock
conf tpm.conf $P_GOOD "$T_TMP/st-tpm" "tpm_tcti = swtpm:path=$SOCK"
echo 'IMAGE_VERSION=0.9.0' > os-release-tpm
sed -i "s/security_version_store = state/security_version_store = tpm/; s#^os_release = .*#os_release = $T_TMP/os-release-tpm#" tpm.conf
t_exit "TPM counter store without a TPM: refused (fail closed)" 1 \
	"check: security-version.*cannot read the TPM NV anti-rollback counter" "$UPD" -c tpm.conf check
mkdir -p tpmstate
swtpm socket --tpm2 --tpmstate dir="$T_TMP/tpmstate" --server type=unixio,path="$SOCK" \
	--ctrl type=unixio,path="$SOCK.ctrl" --flags not-need-init,startup-clear --log file="$T_TMP/swtpm.log" &
SWTPM_PID=$!
for _ in $(seq 100); do [ -S "$SOCK" ] && [ -S "$SOCK.ctrl" ] && break; sleep 0.05; done
"$RT" keygen-policy --private tpol.key --public tpol.pub >/dev/null 2>&1 && : > own.auth &&
	"$RT" --tcti "swtpm:path=$SOCK" nv-define --key tpol.pub >/dev/null 2>&1 ||
	t_fail "cannot define the NV counter on swtpm: $(cat "$T_TMP/swtpm.log")"
t_exit "TPM counter at 1: the signed release (security version >= 1) passes every check" 0 \
	"update available" "$UPD" -c tpm.conf check
"$RT" --tcti "swtpm:path=$SOCK" nv-increment-to 9 --owner-auth own.auth >/dev/null 2>&1 || t_fail "nv-increment-to 9"
t_exit "TPM counter at 9: a release of security version below it is refused" 1 \
	"check: security-version.*below the anti-rollback counter 9" "$UPD" -c tpm.conf check
# --- fault injection (power-cut tests) is for development images only ------------
t_exit "REMPART_UPDATE_FAULT is ignored on a release image" 0 "ignored: not a development image" \
	env REMPART_UPDATE_FAULT=slot-ready "$UPD" -c u.conf status
# --- systemd units -------------------------------------------------------------
UNITS=$HERE/../../products/rempart/units
for u in rempart-update.service rempart-update.timer rempart-update-mark-good.service rempart-update-commit.service; do
	out=$(systemd-analyze verify --man=no "$UNITS/$u" 2>&1 | grep -v "/usr/bin/rempart-update is not executable")
	[ -z "$out" ] && t_ok "systemd-analyze verify $u" || { t_fail "systemd-analyze verify $u"; echo "$out" | sed 's/^/#   /'; }
done
t_run "rempart-update.service sandbox: systemd-analyze security exposure <= 3.0" \
	systemd-analyze security --offline=yes --threshold=30 "$UNITS/rempart-update.service"
grep -q "IOSchedulingClass=idle" "$UNITS/rempart-update.service" && t_ok "update service runs at idle I/O priority" ||
	t_fail "I/O priority"

[ -n "${KEEP:-}" ] && cp -a "$T_TMP" "$KEEP"
t_done
