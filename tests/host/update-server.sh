#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# rempart-updsrv: staged rollout by client-id hash, two instances give the
# same answers, the client (api = v1) updates through it over HTTPS, path
# traversal and unknown routes are refused.
# Usage: update-server.sh BUILD_DIR
set -u
BUILD=$(realpath "${1:?build dir}")
HERE=$(cd "$(dirname "$0")" && pwd)
RV=$BUILD/src/verity/rempart-verity
PUB=$BUILD/src/update/rempart-publish
UPD=$BUILD/src/update/rempart-update
SRV=$BUILD/src/update/rempart-updsrv
. "$HERE/../lib/tap.sh"
. "$HERE/../lib/update-fixtures.sh"
. "$HERE/../lib/update-tls.sh"
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	rm -rf "$T_TMP"
}
trap cleanup EXIT
cd "$T_TMP" || exit 1

make_release rel1 1.0.0 1 200
make_release rel2 1.1.0 1 200
make_pki pki || { t_fail "test PKI"; t_done; exit 1; }
"$PUB" keygen --keys keys 2>/dev/null
"$PUB" --keys keys --release rel1 --channel stable --repo repo >/dev/null
"$PUB" --keys keys --release rel2 --channel stable --repo repo --rollout 50 >/dev/null

P1=$(free_port); P2=$(free_port)
while [ "$P2" = "$P1" ]; do P2=$(free_port); done
"$SRV" --repo repo --listen 127.0.0.1:$P1 --tls-cert pki/server.pem --tls-key pki/server.key 2>srv1.log &
PIDS+=($!)
"$SRV" --repo repo --listen 127.0.0.1:$P2 --tls-cert pki/server.pem --tls-key pki/server.key 2>srv2.log &
PIDS+=($!)
if wait_port $P1 && wait_port $P2; then t_ok "two rempart-updsrv instances listen (HTTPS)"; else
	t_fail "updsrv did not start"; cat srv1.log; t_done; exit 1; fi

get() { # port client path
	curl -s --fail --cacert pki/ca.pem -H "X-Rempart-Client: $2" "https://127.0.0.1:$1$3"
}
bucket() { # client -> expected bucket for 1.1.0
	local h
	h=$(printf '%s|rempart|stable|1.1.0' "$1" | sha256sum | cut -c1-8)
	echo $(( 16#$h % 100 ))
}
agree=0 right=0 incur=0 total=40
for i in $(seq 1 $total); do
	id=$(printf '%032x' $((i * 7919)))
	v1=$(get $P1 "$id" /v1/rempart/stable/manifest | jq -r .version)
	v2=$(get $P2 "$id" /v1/rempart/stable/manifest | jq -r .version)
	[ "$v1" = "$v2" ] && agree=$((agree + 1))
	if [ "$(bucket "$id")" -lt 50 ]; then want=1.1.0; else want=1.0.0; fi
	[ "$v1" = "$want" ] && right=$((right + 1))
	[ "$v1" = 1.1.0 ] && incur=$((incur + 1))
	[ "$want" = 1.1.0 ] && IN_ID=$id || OUT_ID=$id
done
[ $agree -eq $total ] && t_ok "both instances give every client the same release" || t_fail "instances disagree ($agree/$total)"
[ $right -eq $total ] && t_ok "release chosen by hash bucket < rollout (50%): $incur of $total clients get 1.1.0" ||
	t_fail "selection wrong for $((total - right)) clients"
if [ $incur -gt 5 ] && [ $incur -lt 35 ]; then t_ok "rollout share plausible ($incur/$total)"; else t_fail "rollout share $incur/$total"; fi
v=$(get $P1 "" /v1/rempart/stable/manifest | jq -r .version)
[ "$v" = 1.0.0 ] && t_ok "a client without an id gets the previous release" || t_fail "no-id client got $v"
get $P1 "$IN_ID" /v1/rempart/stable/manifest > m; get $P1 "$IN_ID" /v1/rempart/stable/manifest.minisig > m.minisig
t_run "the served manifest and signature match (minisign -V)" minisign -V -p keys/update.pub -m m
get $P1 "$IN_ID" /rempart/channels/stable.manifest > m2
cmp -s m m2 && t_ok "static-layout path gives the same selection" || t_fail "static path differs"
get $P1 x /rempart/releases/1.1.0/uki.efi > uki && cmp -s uki repo/rempart/releases/1.1.0/uki.efi &&
	t_ok "artifacts served from the repository" || t_fail "artifact"
code=$(curl -s -o /dev/null -w '%{http_code}' --path-as-is --cacert pki/ca.pem "https://127.0.0.1:$P1/rempart/releases/../../../etc/passwd")
[ "$code" = 404 ] && t_ok "path traversal refused (404)" || t_fail "path traversal: HTTP $code"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert pki/ca.pem -X POST "https://127.0.0.1:$P1/v1/rempart/stable/manifest")
[ "$code" = 405 ] && t_ok "POST refused (405)" || t_fail "POST: HTTP $code"
if curl -s -o /dev/null --tlsv1.1 --tls-max 1.1 --ciphers 'DEFAULT:@SECLEVEL=0' --cacert pki/ca.pem \
	"https://127.0.0.1:$P1/v1/rempart/stable/manifest"; then t_fail "updsrv accepted TLS 1.1"; else
	t_ok "updsrv refuses TLS 1.1"; fi

# Widening the rollout: the same release published again at 100%.
"$PUB" --keys keys --release rel2 --channel stable --repo repo --rollout 100 >/dev/null
v=$(get $P2 "$OUT_ID" /v1/rempart/stable/manifest | jq -r .version)
[ "$v" = 1.1.0 ] && t_ok "rollout widened to 100%: a client outside the first 50% now gets 1.1.0" || t_fail "widened rollout: $v"
"$PUB" --keys keys --release rel2 --channel stable --repo repo --rollout 50 >/dev/null

# --- the client through updsrv ----------------------------------------------
make_disk disk.img 2
install_slot disk.img a rel1
mkdir -p esp/EFI/Linux && cp rel1/uki.efi esp/EFI/Linux/rempart_1.0.0.efi
echo "roothash=$(jq -r .verity.roothash rel1/release.json)" > cmdline
echo IMAGE_VERSION=1.0.0 > os-release
conf() { # file machine-id-file state
	cat > "$1" <<C
product = rempart
channel = stable
server = https://127.0.0.1:$P1
api = v1
ca = $T_TMP/pki/ca.pem
pubkey = $T_TMP/keys/update.pub
disk = $T_TMP/disk.img
esp = $T_TMP/esp
state_dir = $3
environments_dir = $T_TMP/envs
cmdline = $T_TMP/cmdline
os_release = $T_TMP/os-release
machine_id = $2
security_version_store = state
C
}
# Find machine ids whose app-specific client id falls in / out of the rollout.
for i in $(seq 1 60); do
	mid=$(printf '%032x' $((i * 104729)))
	cid=$(printf %s rempart-update | openssl dgst -sha256 -mac HMAC -macopt "key:$mid" -binary | head -c 16 | xxd -p)
	if [ "$(bucket "$cid")" -lt 50 ]; then echo "$mid" > mid-in; else echo "$mid" > mid-out; fi
done
conf in.conf "$T_TMP/mid-in" "$T_TMP/st-in"
conf out.conf "$T_TMP/mid-out" "$T_TMP/st-out"
t_exit "client outside the rollout: up to date (gets 1.0.0)" 0 "up to date" "$UPD" -c out.conf check
t_exit "client inside the rollout: 1.1.0 available" 0 "update available: 1.1.0" "$UPD" -c in.conf check
t_exit "client inside the rollout applies 1.1.0 through updsrv" 0 "staged 1.1.0 in slot b" "$UPD" -c in.conf apply
cmp -s esp/EFI/Linux/rempart_1.1.0+3.efi rel2/uki.efi && t_ok "boot entry written" || t_fail "boot entry"
t_done
