#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# rempart-netcfg against a real strongSwan gateway, in network namespaces
# created here (docs/net.md, "Tests"):
#   <P>gw     the gateway: charon as IKEv2 responder, a TCP echo service on
#             10.99.0.1:443 behind it (address on lo)
#   <P>ws     the workstation's outer namespace: charon as initiator,
#             configured by rempart-netcfg apply (run inside it)
#   <P>ipsec  the IPsec namespace rempart-netcfg creates, holding the
#             tunnel interface (its only route out)
# veth <P>w (ws, 192.0.2.2/24) <-> <P>g (gw, 192.0.2.1/24).
# The host kernel has neither XFRM interfaces nor ESP (see docs/net.md), so
# both charons use the kernel-libipsec plugin (userspace ESP-in-UDP on a TUN
# device) and rempart-netcfg runs with --datapath tun; the namespace, routes
# and nftables are the same as with the XFRM datapath of the image.
# Each charon has its own strongswan.conf (STRONGSWAN_CONF), vici socket, log,
# and a private /run (tmpfs, for charon.pid) in ip netns exec's own mount
# namespace. Usage: net-ipsec.sh BUILD_DIR
set -uo pipefail
BUILD=$(realpath "${1:?usage: $0 BUILD_DIR}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib/tap.sh"
. "$ROOT/tests/lib/ipsec-gw.sh"
NETCFG=$BUILD/src/net/rempart-netcfg
CHARON=/usr/lib/ipsec/charon
D=$T_TMP
P=rn$$
GW=${P}gw WS=${P}ws IN=${P}ipsec X=${P}x XF=${P}xf LV=t$$
PIDS=()

cleanup() {
	# NET_IPSEC_KEEP=1: leave everything in place for debugging.
	[ -n "${NET_IPSEC_KEEP:-}" ] && { echo "# kept: $D, namespaces $GW $WS $IN"; return; }
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	sleep 0.3
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	for n in "$GW" "$WS" "$IN" "$X" "${X}in" "$XF" "${XF}in" "rempart-$LV"; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$D"
}
trap cleanup EXIT

for t in "$CHARON" /usr/sbin/swanctl /usr/bin/socat /usr/bin/tcpdump /usr/sbin/nft; do
	[ -x "$t" ] || { t_fail "missing $t (strongswan-charon strongswan-swanctl libcharon-extra-plugins socat tcpdump nftables)"; t_done; exit 1; }
done
[ -e /usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so ] ||
	{ t_fail "missing strongSwan's kernel-libipsec plugin (libcharon-extra-plugins)"; t_done; exit 1; }

# --- throwaway PKI (ECDSA P-384) ---------------------------------------------
ipsec_pki && t_ok "throwaway CA, gateway and workstation certificates" ||
	{ t_fail "cannot make certificates"; t_done; exit 1; }

# --- namespaces and link -----------------------------------------------------
ip netns add "$GW" && ip netns add "$WS" &&
	ip link add "${P}w" netns "$WS" type veth peer name "${P}g" netns "$GW" &&
	ip -n "$GW" addr add 192.0.2.1/24 dev "${P}g" && ip -n "$GW" link set "${P}g" up &&
	ip -n "$GW" link set lo up && ip -n "$GW" addr add 10.99.0.1/32 dev lo &&
	ip -n "$WS" link set lo up &&
	ip netns exec "$GW" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 &&
	ip netns exec "$WS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 ||
	{ t_fail "cannot create the test namespaces"; t_done; exit 1; }

# --- charon instances --------------------------------------------------------
charon_conf() { # charon_conf NAME INSTALL_ROUTES
	# kernel-libipsec routes through its device's name with the virtual IP
	# as source: on the workstation, the black hole left in the outer
	# namespace gets it (the image's XFRM datapath needs none of this).
	ipsec_charon_conf "$1" "$2" "install_virtual_ip = yes
	retransmit_tries = 3
	retransmit_timeout = 1.0"
}
charon_start() { # charon_start NAME NETNS
	# /run/netns stays visible (charon's updown hook enters the ipsec
	# namespace): moved over the private /run.
	mkdir -p "$D/$1-netns"
	ip netns exec "$2" env -i STRONGSWAN_CONF="$D/$1-strongswan.conf" sh -c \
		'mount --rbind /run/netns "$0" && mount -t tmpfs -o mode=0755 tmpfs /run && mkdir /run/netns &&
		 mount --move "$0" /run/netns && exec '"$CHARON" "$D/$1-netns" >"$D/charon-$1.out" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 100); do [ -S "$D/$1.vici" ] && return 0; sleep 0.1; done
	return 1
}
# The workstation's routes are rempart-netcfg's (in the ipsec namespace).
charon_conf gw yes && charon_conf ws no
ipsec_gw_swanctl
charon_start gw "$GW" && swanctl --load-all --file "$GWS/swanctl.conf" --uri "unix://$D/gw.vici" >/dev/null 2>&1 &&
	t_ok "gateway charon started (responder), configuration loaded" ||
	{ t_fail "gateway charon did not start"; tail -n 5 "$D/charon-gw.log" "$D/charon-gw.out" | sed 's/^/#   /'; t_done; exit 1; }
ip netns exec "$GW" socat TCP-LISTEN:443,bind=10.99.0.1,fork,reuseaddr EXEC:/bin/cat </dev/null >/dev/null 2>&1 &
PIDS+=($!)
ip netns exec "$GW" socat TCP-LISTEN:8080,bind=10.99.0.1,fork,reuseaddr EXEC:/bin/cat </dev/null >/dev/null 2>&1 &
PIDS+=($!)

# --- the workstation's configuration (as rempart-admind writes it) ----------
C=$D/config
mkdir -p "$C/ipsec"
cp "$D/ws.pem" "$C/ipsec/cert.pem" && cp "$D/ws.key" "$C/ipsec/key.pem" && cp "$D/ca.pem" "$C/ipsec/ca.pem"
cat > "$C/network.conf" <<CONF
# written by rempart-admind
mode = static
interface = ${P}w
address = 192.0.2.2/24
gateway = 192.0.2.254
CONF
cat > "$C/ipsec.conf" <<CONF
gateway = 192.0.2.1
remote_id = gw.rempart.test
local_id = ws.rempart.test
remote_ts = 10.99.0.0/24
CONF
# systemd-networkd does not run here: the test applies the address the
# generated .network file asks for, after checking it.
ip -n "$WS" addr add 192.0.2.2/24 dev "${P}w" && ip -n "$WS" link set "${P}w" up
charon_start ws "$WS" && t_ok "workstation charon started" ||
	{ t_fail "workstation charon did not start"; tail -n 5 "$D/charon-ws.log" | sed 's/^/#   /'; t_done; exit 1; }

NC=(--config-dir "$C" --networkd-dir "$D/networkd" --swanctl-dir "$D/ws-swanctl" --netns "$IN"
    --datapath tun --vici "unix://$D/ws.vici" --networkctl none)
# nsenter --net, not ip netns exec: the namespace rempart-netcfg mounts in
# /run/netns must be seen from the host's mount namespace, as in the image.
t0=$(date +%s%N)
nsenter --net="/run/netns/$WS" "$NETCFG" apply --json "${NC[@]}" > "$D/apply.json" 2>"$D/apply.err"
rc=$?
if [ $rc -eq 0 ]; then t_ok "rempart-netcfg apply"; else
	t_fail "rempart-netcfg apply (exit $rc)"; sed 's/^/#   /' "$D/apply.err"; fi
grep -qx "Address=192.0.2.2/24" "$D/networkd/10-rempart.network" &&
	grep -qx "Name=${P}w" "$D/networkd/10-rempart.network" && t_ok "networkd file written" ||
	t_fail "networkd file"
# (The outer namespace keeps a persistent TUN of the same name that nobody
# reads: kernel-libipsec insists on routing through a device of that name.)
[ "$(ip netns exec "$IN" ip -o link show ipsec0 2>/dev/null | wc -l)" = 1 ] &&
	t_ok "tunnel interface moved into the ipsec namespace" || t_fail "tunnel interface placement"
ip -n "$IN" route | grep -q '^default' && t_fail "the ipsec namespace has a default route" ||
	t_ok "the ipsec namespace has no default route (only remote_ts through the tunnel)"

send() { # send NETNS PORT MARKER: prints what the echo service sent back
	echo "$3" | ip netns exec "$1" timeout 6 socat -t2 -T4 - "TCP:10.99.0.1:$2,connect-timeout=3" 2>/dev/null
}
# --- tunnel comes up by itself; the service is reached ------------------------
UP=0
for i in $(seq 40); do
	if [ "$(send "$IN" 443 "hello-$i")" = "hello-$i" ]; then UP=1; break; fi
	[ $(( ($(date +%s%N) - t0) / 1000000000 )) -ge 20 ] && break
	sleep 0.2
done
t1=$(date +%s%N)
if [ $UP = 1 ]; then
	t_ok "tunnel up by itself; service reached from the ipsec namespace ($(( (t1 - t0) / 1000000 )) ms after apply)"
else
	t_fail "service not reached through the tunnel"; tail -n 15 "$D/charon-ws.log" | sed 's/^/#   /'
fi
SAS=$(swanctl --list-sas --uri "unix://$D/ws.vici" 2>/dev/null)
grep -q "AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384" <<<"$SAS" && grep -q "INSTALLED.*ESP" <<<"$SAS" &&
	grep -q "AES_GCM_16-256" <<<"$(grep -A1 INSTALLED <<<"$SAS")" &&
	t_ok "IKE SA aes256gcm16-prfsha384-ecp384, CHILD SA aes256gcm16-ecp384" || t_fail "negotiated proposals"

# --- captures ----------------------------------------------------------------
capture_start() { # capture_start FILE
	ip netns exec "$GW" tcpdump --immediate-mode -U -n -i "${P}g" -w "$1" 2>"$1.err" &
	CAP=$!
	for _ in $(seq 50); do grep -q "listening on" "$1.err" 2>/dev/null && break; sleep 0.1; done
}
capture_stop() { sleep 1; kill "$CAP" 2>/dev/null; wait "$CAP" 2>/dev/null; }
marker_in() { tcpdump -r "$1" -A -n 2>/dev/null | grep -c "$2"; }
# Packets the workstation sent other than IKE, ESP-in-UDP and ESP (ARP aside).
others_in() { tcpdump -r "$1" -n 'not src host 192.0.2.1 and not (udp port 500 or udp port 4500 or ip proto 50 or arp)' 2>/dev/null | wc -l; }

M1=REMPART-MARK-UP-$$
capture_start "$D/up.pcap"
R=$(send "$IN" 443 "$M1")
capture_stop
[ "$R" = "$M1" ] && [ "$(marker_in "$D/up.pcap" "$M1")" = 0 ] && [ "$(others_in "$D/up.pcap")" = 0 ] &&
	[ "$(tcpdump -r "$D/up.pcap" -n 'udp port 4500' 2>/dev/null | wc -l)" -gt 0 ] &&
	t_ok "tunnel up: payload echoed, on the wire only ESP-in-UDP (marker never in clear)" ||
	t_fail "tunnel up capture (echo '$R', marker seen $(marker_in "$D/up.pcap" "$M1"), others $(others_in "$D/up.pcap"))"

# --- the ipsec namespace's rules: only the allowed ports ----------------------
R=$(send "$IN" 8080 "REMPART-MARK-8080-$$")
[ -z "$R" ] && t_ok "port 8080 refused by the ipsec namespace's nftables" || t_fail "port 8080 reached ($R)"

# --- outer namespace: no clear-text traffic to the service --------------------
ip -n "$WS" route add 10.99.0.0/24 via 192.0.2.1 dev "${P}w"
M2=REMPART-MARK-CLEAR-$$
capture_start "$D/clear.pcap"
R=$(send "$WS" 443 "$M2")
capture_stop
[ -z "$R" ] && [ "$(marker_in "$D/clear.pcap" "$M2")" = 0 ] && [ "$(others_in "$D/clear.pcap")" = 0 ] &&
	t_ok "plain TCP from the outer namespace to the service dropped by nftables (nothing on the wire)" ||
	t_fail "outer namespace leaked (reply '$R', marker $(marker_in "$D/clear.pcap" "$M2"), others $(others_in "$D/clear.pcap"))"
grep -q 'policy drop' <<<"$(ip netns exec "$WS" nft list chain inet rempart output)" &&
	grep -q 'policy drop' <<<"$(ip netns exec "$IN" nft list chain inet rempart output)" &&
	t_ok "default drop in both namespaces (libnftables)" || t_fail "rulesets missing"

# --- tunnel down: the gateway's charon dies (SIGKILL: no DELETE sent, the
# workstation still has its SA and keeps encrypting), then the workstation's
# SA is gone too (nothing to encrypt with: dropped) ----------------------------
kill -9 "${PIDS[0]}" 2>/dev/null; sleep 0.5
M3=REMPART-MARK-DOWN-$$
capture_start "$D/down.pcap"
R1=$(send "$IN" 443 "$M3-a")
swanctl --terminate --ike rempart --force --timeout 2 --uri "unix://$D/ws.vici" >/dev/null 2>&1
R2=$(send "$IN" 443 "$M3-b")
capture_stop
[ -z "$R1$R2" ] && [ "$(marker_in "$D/down.pcap" "$M3")" = 0 ] && [ "$(others_in "$D/down.pcap")" = 0 ] &&
	[ "$(tcpdump -r "$D/down.pcap" -n 'src host 192.0.2.2 and udp port 4500' 2>/dev/null | wc -l)" -gt 0 ] &&
	t_ok "tunnel down: traffic blocked, never in clear (only IKE/ESP-in-UDP on the wire)" ||
	t_fail "tunnel down leaked (replies '$R1$R2', marker $(marker_in "$D/down.pcap" "$M3"), others $(others_in "$D/down.pcap"))"
grep -q INSTALLED <<<"$(swanctl --list-sas --uri "unix://$D/ws.vici" 2>/dev/null)" &&
	t_fail "a CHILD SA is still installed" || t_ok "no CHILD SA left on the workstation"

# --- idempotence and strictness of the CLI -----------------------------------
nsenter --net="/run/netns/$WS" "$NETCFG" apply "${NC[@]}" --no-load >/dev/null 2>"$D/err2" &&
	t_ok "apply again (idempotent)" || { t_fail "apply again"; sed 's/^/#   /' "$D/err2"; }
echo "remote_ts = 10.99.0.1/24" >> "$C/ipsec.conf"
t_exit "duplicate key refused, file and line named" 2 'ipsec.conf:5' "$NETCFG" check --config-dir "$C"
sed -i '$d' "$C/ipsec.conf"; echo "remote_tss = 10.0.0.0/8" >> "$C/ipsec.conf"
t_exit "unknown key refused" 2 "ipsec.conf:5: unknown key 'remote_tss'" "$NETCFG" check --config-dir "$C"
sed -i '$d' "$C/ipsec.conf"
sed -i 's|^remote_ts = .*|remote_ts = 10.99.0.0/24,fd00::/8|' "$C/ipsec.conf"
t_exit "an IPv6 prefix (as rempart-admind accepts) is ignored with a warning" 0 'remote_ts fd00::/8 ignored' \
	"$NETCFG" check --config-dir "$C"
sed -i 's|^remote_ts = .*|remote_ts = 10.99.0.0/24|' "$C/ipsec.conf"

# --- DHCP and a virtual IP from the gateway's pool: charon's updown hook
# (rempart-netcfg updown) puts it on the tunnel interface in the namespace --
rm -f "$D/gw.vici"
ipsec_gw_swanctl 10.98.0.0/24
C3=$D/config-vip
cp -r "$C" "$C3"
printf 'mode = dhcp\ninterface = %s\n' "${P}w" > "$C3/network.conf"
echo "virtual_ip = yes" >> "$C3/ipsec.conf"
charon_start gw "$GW" && swanctl --load-all --file "$GWS/swanctl.conf" --uri "unix://$D/gw.vici" >/dev/null 2>&1 &&
	nsenter --net="/run/netns/$WS" "$NETCFG" apply "${NC[@]}" --config-dir "$C3" >/dev/null 2>"$D/err5" &&
	t_ok "virtual IP: gateway with an address pool, apply with DHCP and virtual_ip = yes" ||
	{ t_fail "virtual IP setup"; sed 's/^/#   /' "$D/err5"; }
UP=0
for i in $(seq 40); do
	if [ "$(send "$IN" 443 "vip-$i")" = "vip-$i" ]; then UP=1; break; fi
	sleep 0.2
done
VIP=$(ip -n "$IN" -4 -o addr show dev ipsec0 | awk '{print $4}')
[ $UP = 1 ] && [[ "$VIP" == 10.98.0.* ]] &&
	t_ok "virtual IP $VIP set in the ipsec namespace by the updown hook; service reached" ||
	{ t_fail "virtual IP (address '$VIP', reached $UP)"; tail -n 8 "$D/charon-ws.log" | sed 's/^/#   /'; }

t_exit "updown refuses a malformed virtual IP from its environment" 1 "is not an IPv4 address" \
	env PLUTO_VERB=up-client "PLUTO_MY_SOURCEIP=10.98.0.7;reboot" "$NETCFG" --netns "$IN" updown

# --- a cage level's namespace: default drop, forwarding only to its tunnel --
"$NETCFG" level-ns "$LV" --config-dir "$C" 2>"$D/err4"
RS=$(ip netns exec "rempart-$LV" nft list ruleset 2>/dev/null)
grep -q 'hook forward priority filter; policy drop' <<<"$RS" && grep -q 'oifname "ipsec-\*" ip daddr 10.99.0.0/24 accept' <<<"$RS" &&
	grep -q 'hook output priority filter; policy drop' <<<"$RS" &&
	t_ok "level-ns: /run/netns/rempart-$LV with its default-drop ruleset" ||
	{ t_fail "level-ns"; sed 's/^/#   /' "$D/err4"; echo "$RS" | head -20 | sed 's/^/#   /'; }
t_exit "level-ns refuses a bad level name" 2 "invalid level name" "$NETCFG" level-ns "../x" --config-dir "$C"

# --- the XFRM datapath (the image's): an XFRM interface with if_id 42 moved
# into the namespace where the kernel has them; a clear refusal, nothing
# left behind, where it does not (this development machine's kernel) ------
ip netns add "$XF"
nsenter --net="/run/netns/$XF" "$NETCFG" apply --config-dir "$C" --networkd-dir "$D/nd3" --swanctl-dir "$D/sw3" \
	--netns "${XF}in" --networkctl none --no-load >/dev/null 2>"$D/err6"
rc=$?
if ip -n "$XF" link add xprobe type xfrm if_id 9 2>/dev/null; then
	ip -n "$XF" link del xprobe
	[ $rc = 0 ] && grep -q 'xfrm if_id 0x2a' <<<"$(ip -n "${XF}in" -d link show ipsec0 2>/dev/null)" &&
		! ip -n "$XF" link show ipsec0 >/dev/null 2>&1 &&
		t_ok "XFRM datapath: ipsec0 (if_id 42) in the ipsec namespace only" ||
		{ t_fail "XFRM datapath (exit $rc)"; sed 's/^/#   /' "$D/err6"; }
else
	[ $rc = 1 ] && grep -q "CONFIG_XFRM_INTERFACE" "$D/err6" && ! ip -n "$XF" link show ipsec0 >/dev/null 2>&1 &&
		grep -q 'policy drop' <<<"$(ip netns exec "$XF" nft list chain inet rempart output 2>/dev/null)" &&
		t_ok "XFRM datapath on a kernel without XFRM interfaces: refused with the reason, outer drop in place" ||
		{ t_fail "XFRM datapath refusal (exit $rc)"; sed 's/^/#   /' "$D/err6"; }
fi

# --- no ipsec.conf yet: DHCP only, no IPsec namespace (fail closed) ----------
mkdir -p "$D/c2" && printf 'mode = dhcp\n' > "$D/c2/network.conf"
ip netns add "$X"
nsenter --net="/run/netns/$X" "$NETCFG" apply --config-dir "$D/c2" --networkd-dir "$D/nd2" --netns "${X}in" \
	--networkctl none 2>"$D/err3"
rc=$?
RS=$(ip netns exec "$X" nft list ruleset 2>/dev/null)
[ $rc = 0 ] && grep -q 'policy drop' <<<"$RS" && ! grep -q 'esp' <<<"$RS" && [ ! -e "/run/netns/${X}in" ] &&
	grep -q "no .*ipsec.conf" "$D/err3" && grep -qx "DHCP=ipv4" "$D/nd2/10-rempart.network" &&
	t_ok "without ipsec.conf: DHCP only, default drop, no IPsec namespace (reported)" ||
	{ t_fail "without ipsec.conf (exit $rc)"; sed 's/^/#   /' "$D/err3"; }
# --- first boot: no network.conf either: DHCP (the image's default) ----------
mkdir -p "$D/c0"
nsenter --net="/run/netns/$X" "$NETCFG" apply --config-dir "$D/c0" --networkd-dir "$D/nd0" --netns "${X}in" \
	--networkctl none 2>"$D/err0"
rc=$?
[ $rc = 0 ] && grep -q "network.conf absent: DHCP" "$D/err0" && grep -qx "DHCP=ipv4" "$D/nd0/10-rempart.network" &&
	[ ! -e "/run/netns/${X}in" ] && t_ok "without any configuration (first boot): DHCP, no IPsec namespace" ||
	{ t_fail "first boot (exit $rc)"; sed 's/^/#   /' "$D/err0"; }

# --- an invalid configuration resets the outer ruleset to DHCP only ----------
# (first an accepted one with the development direct path, --direct-tcp)
cp "$C/ipsec.conf" "$D/c2/ipsec.conf"; cp -r "$C/ipsec" "$D/c2/ipsec"
printf 'mode = static\naddress = 192.0.2.9/24\ngateway = 192.0.2.1\n' > "$D/c2/network.conf"
nsenter --net="/run/netns/$X" "$NETCFG" apply --config-dir "$D/c2" --networkd-dir "$D/nd2" --netns "${X}in" \
	--networkctl none --no-load --datapath tun --wait 0 --direct-tcp 10.0.2.100:443 >/dev/null 2>&1
RS=$(ip netns exec "$X" nft list chain inet rempart output 2>/dev/null)
grep -q 'ip daddr 10.0.2.100 tcp dport 443 accept' <<<"$RS" && grep -q 'ip daddr 192.0.2.1 udp' <<<"$RS" &&
	t_ok "--direct-tcp: one TCP path added to the outer ruleset" || t_fail "--direct-tcp ruleset: $RS"
printf 'mode = dhcp\n' > "$D/c2/network.conf"
t_exit "virtual_ip = no with DHCP refused" 2 "virtual_ip = no needs mode = static" \
	nsenter --net="/run/netns/$X" "$NETCFG" apply --config-dir "$D/c2" --networkd-dir "$D/nd2" --netns "${X}in" \
	--networkctl none --no-load
RS=$(ip netns exec "$X" nft list chain inet rempart output 2>/dev/null)
# (the only TCP lines: the refusals sent back to a level's veth, rl-*)
grep -q 'policy drop' <<<"$RS" && ! grep -q '192.0.2.1' <<<"$RS" && ! grep -v 'oifname "rl-\*"' <<<"$RS" | grep -q 'tcp' &&
	t_ok "after the refusal the outer namespace allows DHCP only (fail closed)" || t_fail "after the refusal: $RS"
t_exit "--direct-tcp refuses a malformed address" 2 "expected A.B.C.D:PORT" "$NETCFG" --direct-tcp 10.0.2.1000:443 apply
ip netns del "${X}in" 2>/dev/null
t_done
