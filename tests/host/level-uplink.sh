#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A level's uplink (rempart-netcfg level-ns --profile, docs/net.md), in
# network namespaces this test creates: "lu-host" plays the host's own
# namespace (where the level's veth rl-<level> ends, forwarding and NAT),
# "lu-world" the outside (TCP services on an allowed and a disallowed port,
# a link-local "metadata" address, a refused private range). Cages of the
# level run with rempart-cage (their own output chain allows every TCP and
# UDP packet, so what refuses is the uplink's rules). Checks: the allowed
# service answers (source NATed to the host's address), the disallowed
# port, the host's own addresses and services, link-local, the refused
# range and the other level are refused at once; nothing from the outside
# enters the level; two cages of one level at once each get their own
# address and their replies; re-applying is idempotent; level-ns-down
# removes everything. Needs root. Usage: level-uplink.sh BUILD_DIR
set -uo pipefail
BUILD=${1:?usage: level-uplink.sh BUILD_DIR}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T_NAME=level-uplink
. "$ROOT/tests/lib/tap.sh"
. "$ROOT/tests/lib/cage-profile.sh"

CAGE=$BUILD/src/cage/rempart-cage
NETCFG=$BUILD/src/net/rempart-netcfg
L1=tup1 L2=tup2 H=lu-host WN=lu-world
CUID=60173

if [ "$(id -u)" != 0 ]; then t_fail "needs root"; t_done; exit; fi
W=$(mktemp -d /var/tmp/rempart-level-uplink.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	HX "$NETCFG" level-ns-down $L1 >/dev/null 2>&1
	HX "$NETCFG" level-ns-down $L2 >/dev/null 2>&1
	for n in $H $WN rempart-$L1 rempart-$L2; do ip netns del $n 2>/dev/null; done
	rm -rf "$W" "$T_TMP"
}
trap cleanup EXIT
# In the "host" namespace but the real mount namespace (ip netns exec would
# make a private one: /run/netns mounts made there would not be seen, and
# its /sys has no cgroup2 for the cages).
HX() { nsenter --net=/run/netns/$H "$@"; }
for n in $H $WN rempart-$L1 rempart-$L2; do ip netns del $n 2>/dev/null; done

ip netns add $H && ip netns add $WN || { t_fail "cannot create namespaces"; t_done; exit; }
ip -n $H link set lo up; ip -n $WN link set lo up
ip link add lu-w0 netns $H type veth peer name lu-w1 netns $WN
ip -n $H addr add 198.51.100.1/24 dev lu-w0; ip -n $H link set lu-w0 up
ip -n $H route add default via 198.51.100.2
ip -n $WN addr add 198.51.100.2/24 dev lu-w1
for a in 169.254.169.254/32 10.99.0.1/32; do ip -n $WN addr add $a dev lu-w1; done
ip -n $WN link set lu-w1 up
# the outside knows a way back to the levels' cages (an attacker on the
# host's network would set it): nothing may enter that way
ip -n $WN route add 10.231.0.0/16 via 198.51.100.1

# TCP services: each answers "PORT from PEER" and records the connection.
serve() { # NS ADDR PORT
	ip netns exec "$1" python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(8); s.settimeout(170)
while True:
    c, a = s.accept()
    open(sys.argv[3], "a").write("%s\n" % a[0])
    c.sendall(("%s from %s\n" % (sys.argv[2], a[0])).encode()); c.close()' "$2" "$3" "$W/hit-$1-$2-$3" &
	PIDS+=($!)
}
serve $WN 198.51.100.2 443; serve $WN 198.51.100.2 8080
serve $WN 169.254.169.254 80; serve $WN 10.99.0.1 443
serve $H 0.0.0.0 443; serve $H 0.0.0.0 22
for _ in $(seq 50); do
	[ "$(ip netns exec $WN ss -Hltn | wc -l)" -ge 4 ] && [ "$(HX ss -Hltn | wc -l)" -ge 2 ] && break
	sleep 0.1
done

profile() { # LEVEL N (10.231+N)
	local net=$((230 + $2))
	level_net_profile "$1" "$CUID" "$1" "10.$net.1"
	cat <<EOF
# the cage lets everything out: the uplink's rules are under test
nft = meta l4proto tcp accept
nft = meta l4proto udp accept
uplink = 10.$net.0.1/30 10.$net.0.2/30
uplink-allow = tcp 443 80
uplink-allow = udp 53
uplink-deny = 10.99.0.0/16
EOF
}
profile $L1 1 > "$W/$L1.profile"
profile $L2 2 > "$W/$L2.profile"

# --- rule generation and setup --------------------------------------------
t_run "show nft-uplink prints the host side's table" bash -c \
	"'$NETCFG' show nft-uplink --profile '$W/$L1.profile' | grep -q 'table inet rempart-level-$L1'"
printf 'name = x\nuid = 1000\ngid = 1000\nsyscalls = @basic\nnetwork = level\nnet-level = x\nnet-address = 10.9.1.2/24\nnet-peer = 10.9.1.1/24\nuplink = 10.9.1.5/30 10.9.1.6/30\n' > "$W/bad.profile"
t_exit "an uplink inside the cages' subnet is refused" 2 "overlaps the cages" \
	"$NETCFG" show nft-uplink --profile "$W/bad.profile" --level x
t_exit "level-ns refuses a profile of another level" 2 "is for level $L1, not $L2" \
	HX "$NETCFG" level-ns $L2 --profile "$W/$L1.profile" --config-dir "$W/none"
t0=$(date +%s%N)
if HX "$NETCFG" level-ns $L1 --profile "$W/$L1.profile" --config-dir "$W/none" 2>"$W/err1" &&
	HX "$NETCFG" level-ns $L2 --profile "$W/$L2.profile" --config-dir "$W/none" 2>>"$W/err1"; then
	ms=$((($(date +%s%N) - t0) / 1000000))
	t_ok "level-ns with uplinks for two levels (${ms} ms for both)"
else
	t_fail "level-ns"; sed 's/^/#   /' "$W/err1"
fi
out=$(HX sh -c "ip -o -4 addr show rl-$L1; ip route show 10.231.1.0/24; cat /proc/sys/net/ipv4/conf/all/forwarding; nft list table inet rempart-level-$L1 | grep -c masquerade")
if grep -q 'inet 10.231.0.1/30' <<<"$out" && grep -q 'via 10.231.0.2 dev rl-tup1' <<<"$out" && [ "$(sed -n 3p <<<"$out")" = 1 ] &&
	[ "$(tail -1 <<<"$out")" = 1 ]; then
	t_ok "host side: rl-$L1 10.231.0.1/30, route to the cages, forwarding on, masquerade rule"
else
	t_fail "host side"; sed 's/^/#   /' <<<"$out"
fi
out=$(ip -n rempart-$L1 -o -4 addr show uplink; ip -n rempart-$L1 route show default)
grep -q 'inet 10.231.0.2/30' <<<"$out" && grep -q 'via 10.231.0.1 dev uplink' <<<"$out" &&
	t_ok "level side: uplink 10.231.0.2/30, default route via the host" || { t_fail "level side"; sed 's/^/#   /' <<<"$out"; }

# --- from a cage of the level ---------------------------------------------
# tcp HOST PORT: prints the answer, or "refused"/"timeout" (2 s)
TRY='try() { r=$(timeout 3 bash -c "exec 3<>/dev/tcp/$1/$2 && head -1 <&3" 2>/dev/null); rc=$?; if [ -n "$r" ]; then echo "$1:$2 $r"; elif [ $rc = 124 ]; then echo "$1:$2 timeout"; else echo "$1:$2 refused"; fi; }'
out=$(HX timeout 60 "$CAGE" run "$W/$L1.profile" -- /bin/bash -c "$TRY"'
	s=$(date +%s%N); try 198.51.100.2 443; echo ms=$((($(date +%s%N) - s) / 1000000))
	try 198.51.100.2 8080; try 198.51.100.1 443; try 198.51.100.1 22; try 10.231.0.1 443
	try 169.254.169.254 80; try 10.99.0.1 443; try 10.232.0.2 443; try 10.232.1.2 443
	s=$(date +%s%N); try 198.51.100.2 8080 >/dev/null; echo refused_ms=$((($(date +%s%N) - s) / 1000000))' 2>&1)
echo "$out" | sed 's/^/# cage: /'
grep -q '^198.51.100.2:443 443 from 198.51.100.1$' <<<"$out" &&
	t_ok "allowed TCP 443 outside reached, source NATed to the host's address ($(grep '^ms=' <<<"$out"))" ||
	t_fail "allowed service not reached"
for d in "198.51.100.2:8080 disallowed port" "198.51.100.1:443 the host's own address (allowed port)" \
	"198.51.100.1:22 the host's sshd port" "10.231.0.1:443 the host side of the uplink" \
	"169.254.169.254:80 link-local metadata address (allowed port)" "10.99.0.1:443 the profile's uplink-deny range" \
	"10.232.0.2:443 the other level's uplink" "10.232.1.2:443 the other level's cages"; do
	a=${d%% *}
	grep -qx "$a refused" <<<"$out" && t_ok "refused at once: ${d#* }" || t_fail "$a: $(grep "^$a " <<<"$out")"
done
rms=$(sed -n 's/^refused_ms=//p' <<<"$out")
[ -n "$rms" ] && [ "$rms" -lt 1000 ] && t_ok "a refusal is immediate (${rms} ms, a reset, not a timeout)" || t_fail "refusal took ${rms:-?} ms"
hits=$(cat "$W"/hit-$WN-198.51.100.2-8080 "$W"/hit-$WN-169.254.169.254-80 "$W"/hit-$WN-10.99.0.1-443 \
	"$W"/hit-$H-0.0.0.0-443 "$W"/hit-$H-0.0.0.0-22 2>/dev/null | wc -l)
[ "$hits" = 0 ] && t_ok "no refused service saw a connection" || t_fail "$hits connections reached refused services"
# two cages of the level at once: each its own address, each its replies
HX timeout 60 "$CAGE" run "$W/$L1.profile" -- /bin/bash -c "$TRY"'
	ip -o -4 addr show eth0 | grep -o "inet [0-9./]*"; sleep 3; try 198.51.100.2 443' > "$W/cageA" 2>&1 &
A=$!
sleep 1.5
outB=$(HX timeout 60 "$CAGE" run "$W/$L1.profile" -- /bin/bash -c "$TRY"'
	ip -o -4 addr show eth0 | grep -o "inet [0-9./]*"; try 198.51.100.2 443' 2>&1)
wait $A
outA=$(cat "$W/cageA")
addrA=$(grep -o 'inet [0-9./]*' <<<"$outA") addrB=$(grep -o 'inet [0-9./]*' <<<"$outB")
if [ -n "$addrA" ] && [ -n "$addrB" ] && [ "$addrA" != "$addrB" ] && grep -q '443 from 198.51.100.1' <<<"$outA" &&
	grep -q '443 from 198.51.100.1' <<<"$outB"; then
	t_ok "two cages of one level at once: $addrA and $addrB, both reach the service"
else
	t_fail "two cages at once"; { echo "$outA"; echo "$outB"; } | sed 's/^/#   /'
fi

# nothing from the outside enters the level, nothing else is forwarded
out=$(ip netns exec $WN timeout 3 bash -c 'exec 3<>/dev/tcp/10.231.0.2/443' 2>&1; echo rc=$?)
grep -q 'rc=0' <<<"$out" && t_fail "the outside opened a connection into the level's namespace" ||
	t_ok "the outside cannot connect into the level ($(tail -1 <<<"$out"))"
n0=$(HX nft list table inet rempart-level-$L1 | grep -c 'iifname != "rl-\*" oifname != "rl-\*" drop')
[ "$n0" = 1 ] && t_ok "forwarding confined to the levels' veths (drop rule in place)" || t_fail "confining rule missing"

# --- idempotence, removal -------------------------------------------------
HX "$NETCFG" level-ns $L1 --profile "$W/$L1.profile" --config-dir "$W/none" 2>"$W/err2"; rc=$?
out=$(HX timeout 30 "$CAGE" run "$W/$L1.profile" -- /bin/bash -c "$TRY"'; try 198.51.100.2 443' 2>&1)
[ $rc = 0 ] && [ "$(HX ip -o link show | grep -c "rl-$L1")" = 1 ] && grep -q '443 from' <<<"$out" &&
	t_ok "level-ns again: idempotent, still one veth, still working" || { t_fail "re-apply (exit $rc)"; sed 's/^/#   /' "$W/err2"; }
HX "$NETCFG" level-ns-down $L2 && HX "$NETCFG" level-ns-down $L1; rc=$?
out=$(HX sh -c "ip -o link show | grep -c 'rl-'; cat /proc/sys/net/ipv4/conf/all/forwarding; nft list tables | grep -c rempart-level")
[ $rc = 0 ] && [ "$(tr '\n' ' ' <<<"$out")" = "0 0 0 " ] && [ ! -e /run/netns/rempart-$L1 ] &&
	t_ok "level-ns-down: veths, tables and namespaces gone, forwarding off again" || t_fail "level-ns-down (exit $rc): $out"
t_done
