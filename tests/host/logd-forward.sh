#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# rempart-logd forward against a real rsyslog (rsyslog-gnutls) collector in
# TLS mode on loopback: mutual TLS with a pinned CA, 100,000 entries forwarded
# while the collector is restarted twice, 0 lost (count and sequence numbers
# checked on the collector side), collector-anchored truncation detection.
# Certificates are generated here (throwaway CA). Usage: logd-forward.sh BUILD_DIR
set -uo pipefail
BUILD=$(realpath "${1:?usage: $0 BUILD_DIR}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib/tap.sh"
LOGD=$BUILD/src/logd/rempart-logd
VERIFY=$BUILD/src/logd/rempart-logverify
TAMPER=$BUILD/tests/unit/logd/logd-tamper
MID=0123456789abcdef0123456789abcdef
N=100000
D=$T_TMP
PIDS=()
RSPID=

cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	[ -n "$RSPID" ] && kill "$RSPID" 2>/dev/null
	chattr -R -ia "$D" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT

command -v rsyslogd >/dev/null && [ -e /usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so ] ||
	{ t_fail "rsyslog and rsyslog-gnutls are required"; t_done; exit 1; }

# --- throwaway PKI -------------------------------------------------------------
cert() { # cert NAME CN EKU CA
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$D/$1.key" -out "$D/$1.csr" \
		-subj "/CN=$2" 2>/dev/null &&
	printf 'subjectAltName=DNS:%s\nextendedKeyUsage=%s\n' "$2" "$3" > "$D/$1.ext" &&
	openssl x509 -req -in "$D/$1.csr" -CA "$D/$4.pem" -CAkey "$D/$4.key" -CAcreateserial -out "$D/$1.pem" \
		-days 1 -extfile "$D/$1.ext" 2>/dev/null
}
for ca in ca rogueca; do
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$D/$ca.key" -out "$D/$ca.pem" \
		-days 1 -subj "/CN=rempart-test-$ca" 2>/dev/null
done
cert server collector.test serverAuth ca && cert client logd-client clientAuth ca &&
	cert intruder intruder clientAuth ca && t_ok "throwaway CA, collector and client certificates" ||
	{ t_fail "cannot make certificates"; t_done; exit 1; }

# --- collector ------------------------------------------------------------------
PORT=
for _ in $(seq 20); do
	p=$((20000 + RANDOM % 20000))
	ss -ltnH "sport = :$p" | grep -q . || { PORT=$p; break; }
done
mkdir -p "$D/work"
cat > "$D/rsyslog.conf" <<CONF
global(workDirectory="$D/work"
       DefaultNetstreamDriver="gtls"
       DefaultNetstreamDriverCAFile="$D/ca.pem"
       DefaultNetstreamDriverCertFile="$D/server.pem"
       DefaultNetstreamDriverKeyFile="$D/server.key")
module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="x509/name"
       PermittedPeer=["logd-client"])
input(type="imtcp" port="$PORT" address="127.0.0.1")
template(name="sd" type="string" string="%structured-data% %msg%\n")
action(type="omfile" file="$D/collected.log" template="sd")
CONF
start_collector() {
	rsyslogd -n -f "$D/rsyslog.conf" -i "$D/rsyslog.pid" >>"$D/rsyslog.out" 2>&1 &
	RSPID=$!
	for _ in $(seq 100); do
		ss -ltnH "sport = :$PORT" | grep -q . && return 0
		sleep 0.1
	done
	return 1
}
stop_collector() {
	kill -TERM "$RSPID" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$RSPID" 2>/dev/null || break; sleep 0.1; done
	wait "$RSPID" 2>/dev/null
	RSPID=
}
collected() { [ -f "$D/collected.log" ] && wc -l < "$D/collected.log" || echo 0; }
start_collector && t_ok "rsyslog TLS collector listening on 127.0.0.1:$PORT" ||
	{ t_fail "rsyslog did not start: $(tail -3 "$D/rsyslog.out")"; t_done; exit 1; }

S=$D/store
"$LOGD" init --store "$S" --machine-id $MID --export-key "$D/vkey" 2>/dev/null
fwd=(--store "$S" --server "127.0.0.1:$PORT" --server-name collector.test --ca "$D/ca.pem")

# --- TLS refusals (nothing is confirmed, the cursor stays) --------------------------
seq 1 10 | "$LOGD" run --store "$S" --stdin --ident pre 2>/dev/null
t_exit "a collector not signed by the pinned CA is refused" 124 "certificate verify failed" \
	timeout 3 "$LOGD" forward --store "$S" --server "127.0.0.1:$PORT" --server-name collector.test \
	--ca "$D/rogueca.pem" --cert "$D/client.pem" --key "$D/client.key"
t_exit "a collector with another name is refused" 124 "certificate verify failed|hostname mismatch" \
	timeout 3 "$LOGD" forward "${fwd[@]}" --server-name other.test --cert "$D/client.pem" --key "$D/client.key"
t_exit "a client the collector does not permit confirms nothing" 124 "closed the session after the TLS handshake|ended before the collector confirmed" \
	timeout 3 "$LOGD" forward "${fwd[@]}" --cert "$D/intruder.pem" --key "$D/intruder.key"
[ ! -e "$S/forward.cursor" ] && [ "$(collected)" = 0 ] && t_ok "no entry delivered or confirmed by refused sessions" ||
	t_fail "refused sessions: cursor $(cat "$S/forward.cursor" 2>/dev/null), collector $(collected)"
t_run "the 10 first entries are forwarded and confirmed" \
	"$LOGD" forward "${fwd[@]}" --cert "$D/client.pem" --key "$D/client.key" --exit-on-idle
for _ in $(seq 100); do [ "$(collected)" -ge 10 ] && break; sleep 0.05; done
[ "$(cat "$S/forward.cursor")" = 10 ] && [ "$(collected)" = 10 ] && t_ok "cursor at 10, collector has 10" ||
	t_fail "cursor $(cat "$S/forward.cursor" 2>/dev/null), collector $(collected)"
head -1 "$D/collected.log" | grep -Eq '^\[rempart@32473 seq="1" epoch="0" tag="[0-9a-f]{32}"\] 1$' &&
	t_ok "RFC 5424 structured data carries seq, epoch and tag" || t_fail "message: $(head -1 "$D/collected.log")"

# --- 100,000 entries across two collector restarts ----------------------------------
# Sessions of 30,000 entries; the collector is stopped (SIGTERM, as a
# service restart does) while a session is streaming, twice. More entries
# are produced while forwarding runs.
: > "$D/collected.log"
rm -f "$S/forward.cursor"   # forward everything again, from entry 1
awk 'BEGIN { for (i = 11; i <= 80010; i++) printf "entry %d\n", i }' |
	"$LOGD" run --store "$S" --stdin --max-file-size 2M 2>"$D/writer.err"
{ for b in $(seq 0 19); do
	awk -v a=$((80011 + b * 1000)) 'BEGIN { for (i = a; i < a + 1000; i++) printf "entry %d\n", i }'
	sleep 0.1
  done; } | "$LOGD" run --store "$S" --stdin --max-file-size 2M 2>>"$D/writer.err" &
wp=$!
PIDS+=("$wp")
TOTAL=$((N + 10))
"$LOGD" forward "${fwd[@]}" --cert "$D/client.pem" --key "$D/client.key" --batch 30000 --backoff-max 1s \
	--exit-at $TOTAL 2>"$D/fwd.err" &
fp=$!
PIDS+=("$fp")
restarts=0
for at in 10000 70000; do
	for _ in $(seq 600); do [ "$(collected)" -ge $at ] && break; sleep 0.02; done
	before=$(collected)
	stop_collector
	sleep 1
	start_collector && restarts=$((restarts + 1))
	echo "# collector restarted after $before lines"
done
rc=0
for _ in $(seq 1200); do kill -0 "$fp" 2>/dev/null || break; sleep 0.1; done
wait "$fp" || rc=$?
wait "$wp" 2>/dev/null
sleep 0.5
stop_collector
[ $rc = 0 ] && [ $restarts = 2 ] && t_ok "forwarder reached entry $TOTAL across $restarts collector restarts" ||
	t_fail "forwarder exit $rc, $restarts restarts: $(tail -3 "$D/fwd.err")"
grep -q 'ended before the collector confirmed' "$D/fwd.err" && grep -q 'reachable again' "$D/fwd.err" &&
	t_ok "a restart interrupted a streaming session; it was resent after backoff" ||
	t_fail "no interrupted session seen: $(cat "$D/fwd.err")"
grep -o 'seq="[0-9]*"' "$D/collected.log" | tr -dc '0-9\n' > "$D/seqs"
total=$(wc -l < "$D/seqs")
distinct=$(sort -un "$D/seqs" | wc -l)
range=$(sort -un "$D/seqs" | sed -n '1p;$p' | tr '\n' ' ')
echo "# collector received $total messages, $distinct distinct sequence numbers ($((total - distinct)) duplicates), range $range"
[ "$distinct" = $TOTAL ] && [ "$range" = "1 $TOTAL " ] && t_ok "collector has all $TOTAL sequence numbers: 0 lost" ||
	t_fail "collector has $distinct distinct of $TOTAL (range $range)"
awk '{ s = $2; sub(/seq="/, "", s); sub(/"/, "", s); m = $NF } s > 10 && m != s { bad++ } END { exit bad > 0 }' \
	"$D/collected.log" && t_ok "every message carries the entry its sequence number names" ||
	t_fail "message/sequence mismatch on the collector"

# --- the collector's copy anchors the store's tail -------------------------------------
last=$(grep -o 'seq="[0-9]*" epoch="[0-9]*" tag="[0-9a-f]*"' "$D/collected.log" | sort -t'"' -k2,2n | tail -1)
aseq=$(sed -E 's/seq="([0-9]+)".*/\1/' <<<"$last"); atag=$(sed -E 's/.*tag="([0-9a-f]+)"/\1/' <<<"$last")
t_run "the store verifies against the collector's last entry" \
	"$VERIFY" --key "$D/vkey" --anchor "$aseq:$atag" "$S"
cp -a "$S" "$D/cut"; chattr -R -ia "$D/cut"; "$TAMPER" truncate "$D/cut" $((TOTAL - 500)); rm "$D/cut/seal.state"
t_exit "truncation of the tail is detected from the collector's anchor" 1 "collector received entry $aseq" \
	"$VERIFY" --key "$D/vkey" --no-state --anchor "$aseq:$atag" "$D/cut"

t_done
