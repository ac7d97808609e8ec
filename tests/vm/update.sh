#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A/B updates end to end in the VM: versions 0.2.0, 0.3.0 and a broken 0.4.0
# built with the test keys and published with rempart-publish into a static
# repository served by nginx (TLS, certificate from the image's pinned
# update CA) on the host's loopback; the guest reaches it only through
# QEMU's restricted user network (10.0.2.100:443 forwarded).
#   - attacks refused by the device before anything is written to the ESP
#     (server certificate of another CA, expired manifest, bad signature;
#     later an artifact of another release);
#   - power cuts at five points of apply (mid-download, mid-write, slot
#     written, mid boot-entry write, right after it): every next boot runs
#     a complete, verified slot;
#   - 0.1.0 (slot a) -> 0.2.0 (slot b) through the real rempart-update.service,
#     marked good by boot counting, TPM NV counter raised; -> 0.3.0 back in slot a;
#   - rollback to an older signed manifest refused;
#   - 0.4.0 never reaches boot-complete.target: after its three tries
#     systemd-boot runs 0.3.0 again, which reports the failed update.
set -u
BUILD=$(realpath "${1:?build dir}")
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../lib/update-tls.sh"
NGINX_PID=
trap 'vm_stop; [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null; rm -rf "$T_TMP"' EXIT
PUB=$BUILD/src/update/rempart-publish

if ! vm_image; then t_fail "image build"; t_done; exit 1; fi
K=$VM_DIR/keys
U2=$VM_DIR/out-u2 U3=$VM_DIR/out-u3 U4=$VM_DIR/out-u4
vm_build_other "$U2" 0.2.0 --security-version 2 >/dev/null &&
	vm_build_other "$U3" 0.3.0 --security-version 3 >/dev/null &&
	vm_build_other "$U4" 0.4.0 --security-version 4 --cmdline-extra systemd.wants=rempart-netns@broken.service >/dev/null ||
	{ t_fail "builds of 0.2.0, 0.3.0 and 0.4.0"; t_done; exit 1; }
# 0.4.0 is a release with a unit that fails at every boot (a level namespace
# without a profile): its health check fails, so boot-complete.target is
# never reached. (Masking the health check does not do it: systemd drops a
# masked unit from boot-complete.target's Requires= and reaches the target.)
t_ok "releases 0.2.0, 0.3.0 and 0.4.0 (never reaches boot-complete) built with the same keys"

# --- the update server on the host ------------------------------------------
chmod 0755 "$T_TMP"
cd "$T_TMP" || exit 1
mkdir -p pk pki
ln -s "$K/release.key" pk/update.key; ln -s "$K/release.pub" pk/update.pub
(
	cd pki || exit 1
	printf 'subjectAltName=IP:10.0.2.100\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > ext.cnf
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr -subj "/CN=10.0.2.100" &&
		openssl x509 -req -in server.csr -CA "$K/update-ca.pem" -CAkey "$K/update-ca.key" -CAcreateserial \
			-out server.pem -days 2 -extfile ext.cnf &&
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other-ca.key -out other-ca.pem \
			-days 2 -subj "/CN=Some other CA" &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other.key -out other.csr -subj "/CN=10.0.2.100" &&
		openssl x509 -req -in other.csr -CA other-ca.pem -CAkey other-ca.key -CAcreateserial -out other.pem -days 2 \
			-extfile ext.cnf
) >/dev/null 2>&1 || { t_fail "test PKI from the image's update CA"; t_done; exit 1; }
PORT=$(free_port)
NET=$(vm_update_net "$PORT")
# serve DIR [CERT]: nginx serves DIR (a repository tree) with CERT (server|other).
serve() {
	[ -n "$NGINX_PID" ] && { kill "$NGINX_PID"; wait "$NGINX_PID" 2>/dev/null; NGINX_PID=; }
	start_nginx "$T_TMP/nginx" "server { listen 127.0.0.1:$PORT ssl; ssl_protocols TLSv1.2 TLSv1.3;
		ssl_certificate $T_TMP/pki/${2:-server}.pem; ssl_certificate_key $T_TMP/pki/${2:-server}.key;
		location /repo/ { alias $1/; } }"
	wait_port "$PORT" || t_fail "nginx did not start: $(cat "$T_TMP/nginx/logs/stderr")"
}
NOW=$(date +%s)
publish() { # REPO RELEASE_OUT VERSION [args]
	local repo=$1 out=$2 v=$3; shift 3
	"$PUB" --keys pk --release "$out/release/$v" --channel stable --repo "$repo" "$@" >/dev/null
}
publish www2 "$U2" 0.2.0 --now $((NOW - 3600)) --expires 7d || t_fail "publish 0.2.0"
# expired: the same release, signed 10 days ago for 1 day
publish www-expired "$U2" 0.2.0 --now $((NOW - 10 * 86400)) --expires 1d || t_fail "publish expired"
# bad signature: one byte of the signature changed
cp -a www2 www-badsig
m=www-badsig/rempart/channels/stable.manifest.minisig
sig=$(sed -n 2p "$m"); c=${sig:40:1}; [ "$c" = A ] && r=B || r=A
sed -i "2s/^\(.\{40\}\)./\1$r/" "$m"

# --- guest helpers -------------------------------------------------------------
ESPSUM="find /efi -type f | sort | xargs sha256sum"
booted() { # VERSION SLOT: the guest runs VERSION from SLOT, on a verified root
	vm_cmd "rempart-update status --json" 60
	local j=$VM_OUT
	vm_cmd "dmsetup status root | cut -d' ' -f3,4; findmnt -no SOURCE /" 30
	[ "$(jq -r .running_version <<<"$j" 2>/dev/null)" = "$1" ] && [ "$(jq -r .running_slot <<<"$j")" = "$2" ] &&
		[[ "$VM_OUT" == "verity V"*"/dev/mapper/root"* ]]
}
boot_up() { # waits for the console and the network (wait-online)
	vm_boot "$D" --tpm-state "$TPM" --net "$NET"
	vm_login 400 || return 1
	vm_cmd "for i in \$(seq 60); do networkctl --no-legend | grep -q routable && exit 0; sleep 1; done; exit 1" 90
}
wait_complete() { # SECONDS: the boot finished (no jobs left) and boot-complete.target was reached
	vm_cmd "timeout $1 systemctl is-system-running --wait >/dev/null; systemctl -q is-active boot-complete.target" $(($1 + 30))
}
wait_committed() { # SECONDS: systemd-bless-boot marked the entry good and the commit unit ran
	vm_cmd "for i in \$(seq $1); do systemctl -q is-active systemd-bless-boot.service && systemctl -q is-active rempart-update-commit.service && exit 0; sleep 1; done; exit 1" $(($1 + 30))
}
refused() { # NAME REGEX: apply refused with REGEX, exit 1 or 4, ESP untouched
	vm_cmd "$ESPSUM" 60; local before=$VM_OUT
	vm_cmd "rempart-update apply" 300; local rc=$? out=$VM_OUT
	vm_cmd "$ESPSUM" 60
	if { [ $rc -eq 1 ] || [ $rc -eq 4 ]; } && grep -Eq -- "$2" <<<"$out" && [ "$VM_OUT" = "$before" ]; then
		t_ok "attack: $1 -> refused ($(grep -Eo -- "$2.{0,60}" <<<"$out" | head -1)), ESP untouched"
	else
		t_fail "attack: $1 (exit $rc)"; sed 's/^/#   /' <<<"$out" | tail -4
	fi
}

D=$T_TMP/disk.img; TPM=$T_TMP/tpm
vm_disk_copy "$D"

# --- boot 0.1.0 ------------------------------------------------------------------
if boot_up && wait_complete 120 && booted 0.1.0 a; then
	t_ok "0.1.0 runs from slot a (dm-verity), network up through the restricted user network"
else
	t_fail "boot 0.1.0"; tail -20 "$VM_LOG" | sed 's/^/#   /'; t_done; exit 1
fi
vm_cmd "grep -E '^(server|ca|pubkey|security_version_store) ' /etc/rempart/update.conf"
[[ "$VM_OUT" == *"server = $VM_UPDATE_URL"* && "$VM_OUT" == *"security_version_store = tpm"* ]] &&
	t_ok "the image carries its update server, pinned CA and release key; TPM anti-rollback" || t_fail "update.conf: $VM_OUT"

serve "$T_TMP/www2" other
refused "server certificate from another CA" "check: transport.*pinned CA"
serve "$T_TMP/www-expired"
refused "expired manifest (freeze)" "check: expiry"
serve "$T_TMP/www-badsig"
refused "bad signature" "check: signature"

# --- power cuts -------------------------------------------------------------------
serve "$T_TMP/www2"
for point in uki-download root-write slot-ready esp-write esp-done; do
	# one line: the serial console runs what it is typed line by line
	vm_cmd "systemctl set-environment REMPART_UPDATE_FAULT=$point && systemctl start --no-block rempart-update.service && for i in \$(seq 300); do journalctl -b -q -o cat -u rempart-update.service | grep -q 'stopped at $point' && exit 0; sleep 1; done; exit 1" 600
	if [ $? -ne 0 ]; then
		t_fail "apply did not reach $point"; vm_cmd "journalctl -b -u rempart-update.service --no-pager | tail -5"
		sed 's/^/#   /' <<<"$VM_OUT"; break
	fi
	vm_powercut
	if [ $point = esp-done ]; then want="0.2.0 b"; else want="0.1.0 a"; fi
	# shellcheck disable=SC2086
	if boot_up && booted $want; then
		t_ok "power cut at $point: the next boot runs ${want% *} from slot ${want#* }, verified"
	else
		t_fail "power cut at $point: expected ${want% *} from slot ${want#* }"; tail -15 "$VM_LOG" | sed 's/^/#   /'
		t_done; exit 1
	fi
done

# --- 0.2.0 is marked good, the counter follows --------------------------------------
wait_complete 180
wait_committed 120 || t_fail "systemd-bless-boot and rempart-update-commit did not both run: $VM_OUT"
vm_cmd "ls -1 /efi/EFI/Linux; rempart-update status --json" 60
ls_out=$VM_OUT
grep -q "^rempart_0.2.0.efi$" <<<"$ls_out" && t_ok "0.2.0 reached boot-complete.target: systemd-bless-boot marked its entry good" ||
	t_fail "0.2.0 not marked good: $(head -3 <<<"$ls_out")"
vm_cmd "systemctl is-active rempart-update-commit.service; rempart-tpm nv-read" 60
[[ "$VM_OUT" == *"2" ]] && t_ok "after the good boot the TPM NV security-version counter is 2" || t_fail "NV counter: $VM_OUT"

# --- mix-and-match (0.3.0's manifest, 0.2.0's root image), then 0.3.0 for real
publish www2 "$U3" 0.3.0 --now $((NOW - 1800)) --expires 7d || t_fail "publish 0.3.0"
cp -a www2 www-mix
cp "$U2/release/0.2.0/root.squashfs" www-mix/rempart/releases/0.3.0/root.squashfs
serve "$T_TMP/www-mix"
# the tree (0.3.0's, checked against the manifest's root hash) comes first,
# then each block of the streamed root is checked against it
refused "artifact of another release (mix-and-match)" "check: (sha256|size|verity)"
serve "$T_TMP/www2"
# --- 0.3.0 through the real service, back into slot a -------------------------------------
vm_cmd "systemctl unset-environment REMPART_UPDATE_FAULT; systemctl start rempart-update.service; journalctl -b -q -o cat -u rempart-update.service | grep -E '^staged|refused' | tail -1" 600
[[ "$VM_OUT" == *"staged 0.3.0 in slot a"* ]] && t_ok "rempart-update.service stages 0.3.0 into slot a" ||
	t_fail "stage 0.3.0: $(tail -3 <<<"$VM_OUT")"
vm_poweroff
if boot_up && booted 0.3.0 a; then t_ok "0.3.0 runs from slot a"; else t_fail "boot 0.3.0"; fi
wait_complete 180
wait_committed 120 || t_fail "systemd-bless-boot and rempart-update-commit did not both run after 0.3.0: $VM_OUT"
vm_cmd "rempart-tpm nv-read" 30
[ "$VM_OUT" = 3 ] && t_ok "counter raised to 3 after 0.3.0's good boot" || t_fail "NV counter after 0.3.0: $VM_OUT"

# --- rollback ---------------------------------------------------------------------------
mkdir -p www-old && publish www-old "$U2" 0.2.0 --now $((NOW - 7200)) --expires 7d
serve "$T_TMP/www-old"
refused "older signed manifest (rollback)" "check: (issued-at|version|security-version)"

# --- 0.4.0 never reaches boot-complete: fallback ------------------------------------------
serve "$T_TMP/www2"
publish www2 "$U4" 0.4.0 --now $((NOW - 600)) --expires 7d || t_fail "publish 0.4.0"
vm_cmd "rempart-update apply" 600 || t_fail "apply 0.4.0: $(tail -3 <<<"$VM_OUT")"
vm_poweroff
for try in 1 2 3; do
	if boot_up && booted 0.4.0 b && ! wait_complete 60; then
		t_ok "0.4.0 try $try: boots but never reaches boot-complete.target (entry not blessed)"
	else
		t_fail "0.4.0 try $try"
	fi
	vm_poweroff
done
if boot_up && booted 0.3.0 a; then
	t_ok "after three failed tries systemd-boot runs 0.3.0 again by itself"
else
	t_fail "fallback to 0.3.0"
fi
vm_cmd "rempart-update status --json" 60
[ "$(jq -r .failed_update <<<"$VM_OUT" 2>/dev/null)" = 0.4.0 ] && t_ok "0.3.0 reports the failed update to 0.4.0" ||
	t_fail "failed update report: $VM_OUT"
vm_cmd "rempart-tpm nv-read" 30
[ "$VM_OUT" = 3 ] && t_ok "the counter stayed at 3 (0.4.0 never committed)" || t_fail "NV counter: $VM_OUT"
vm_poweroff
t_done
