#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# IPsec-only networking in the booted image (docs/net.md): the guest's
# second NIC is a tap device (QEMU -netdev tap, created by QEMU on the host,
# then moved by this test into a gateway network namespace it creates).
#   <P>gw  the gateway: charon as IKEv2 responder (kernel-libipsec: the host
#          kernel has no XFRM interfaces, as in tests/host/net-ipsec.sh), a
#          TCP service on 10.99.0.1:443 behind it (address on lo)
#   guest  192.0.2.2/24 on the second NIC, set by the administrator with
#          rempartctl (network.set, ipsec.credentials, ipsec.set); charon
#          (kernel XFRM, XFRM interface in the "ipsec" namespace)
# Checks: fail closed before any IPsec configuration; the tunnel comes up by
# itself; a service in the guest's ipsec namespace reaches the gateway's
# service and the gateway reaches the guest's sshd, both through the tunnel;
# a capture on the tap shows only IKE / ESP-in-UDP (payload markers never in
# clear); plain TCP from the outer namespace never reaches the wire; with the
# tunnel down nothing is sent in clear.
# Usage: ipsec.sh BUILD_DIR (root: namespaces, tap).
set -u
BUILD=$(realpath "${1:?build dir}")
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../lib/ipsec-gw.sh"
CHARON=/usr/lib/ipsec/charon
D=$T_TMP
P=rv$$
GW=${P}gw TAPDEV=${P}t
PIDS=()
cleanup() {
	# IPSEC_VM_KEEP=DIR: the gateway's log and the serial log are copied there
	[ -n "${IPSEC_VM_KEEP:-}" ] && { mkdir -p "$IPSEC_VM_KEEP"; cp "$D"/charon-gw.* "$D"/*.pcap "$VM_LOG" "$IPSEC_VM_KEEP"/ 2>/dev/null; }
	vm_stop
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	sleep 0.3
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	ip netns del "$GW" 2>/dev/null
	ip link del "$TAPDEV" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT

for t in "$CHARON" /usr/sbin/swanctl /usr/bin/socat /usr/bin/tcpdump; do
	[ -x "$t" ] || { t_fail "missing $t (strongswan-charon strongswan-swanctl libcharon-extra-plugins socat tcpdump)"; t_done; exit 1; }
done
[ -e /dev/net/tun ] || { t_fail "no /dev/net/tun (tap device for the guest's second NIC)"; t_done; exit 1; }

# --- throwaway PKI (ECDSA P-384) ---------------------------------------------
ipsec_pki ||
	{ t_fail "cannot make certificates"; t_done; exit 1; }

# --- the guest, its second NIC a tap device ------------------------------------
if ! vm_image; then t_fail "image build"; t_done; exit 1; fi
vm_disk_copy "$D/disk.img"
VM_NET2="tap,id=net1,ifname=$TAPDEV,script=no,downscript=no"
# The first NIC: QEMU's restricted user network with the VM update suite's
# forward (10.0.2.100:443 -> a loopback service saying DIRECT_MARK), to check
# the test image's documented direct path (--dev-update-direct).
. "$(dirname "$0")/../lib/update-tls.sh"
DPORT=$(free_port)
DIRECT_MARK=REMPART-DIRECT-$$
socat TCP-LISTEN:"$DPORT",bind=127.0.0.1,fork,reuseaddr SYSTEM:"echo $DIRECT_MARK; sleep 2" </dev/null >/dev/null 2>&1 &
PIDS+=($!)
vm_boot "$D/disk.img" --tpm-state "$D/tpm" --net "$(vm_update_net "$DPORT")"
for _ in $(seq 100); do ip link show "$TAPDEV" >/dev/null 2>&1 && break; sleep 0.1; done
ip netns add "$GW" && ip link set "$TAPDEV" netns "$GW" &&
	ip -n "$GW" addr add 192.0.2.1/24 dev "$TAPDEV" && ip -n "$GW" link set "$TAPDEV" up &&
	ip -n "$GW" link set lo up && ip -n "$GW" addr add 10.99.0.1/32 dev lo &&
	ip netns exec "$GW" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 &&
	t_ok "QEMU's tap device moved into the gateway namespace $GW (192.0.2.1/24)" ||
	{ t_fail "gateway namespace and tap ($(cat "$(dirname "$VM_LOG")/run.log" 2>/dev/null | tail -2))"; t_done; exit 1; }

# --- the gateway's charon (as in tests/host/net-ipsec.sh) ----------------------
ipsec_charon_conf gw yes
ipsec_gw_swanctl
gw_start() {
	rm -f "$D/gw.vici"
	ip netns exec "$GW" env -i STRONGSWAN_CONF="$D/gw-strongswan.conf" sh -c \
		'mount -t tmpfs -o mode=0755 tmpfs /run && exec '"$CHARON" >"$D/charon-gw.out" 2>&1 &
	GW_PID=$!
	PIDS+=("$GW_PID")
	for _ in $(seq 100); do [ -S "$D/gw.vici" ] && break; sleep 0.1; done
	swanctl --load-all --file "$GWS/swanctl.conf" --uri "unix://$D/gw.vici" >/dev/null 2>&1
}
gw_start && t_ok "gateway charon (responder) started, configuration loaded" ||
	{ t_fail "gateway charon"; tail -n 5 "$D/charon-gw.log" "$D/charon-gw.out" | sed 's/^/#   /'; t_done; exit 1; }
M_GW=REMPART-MARK-GW-$$
# The gateway's service: sends its marker, keeps what the client sent.
ip netns exec "$GW" socat TCP-LISTEN:443,bind=10.99.0.1,fork,reuseaddr \
	SYSTEM:"echo $M_GW; cat >> $D/received" </dev/null >/dev/null 2>&1 &
PIDS+=($!)

capture_start() { # capture_start FILE
	ip netns exec "$GW" tcpdump --immediate-mode -U -n -i "$TAPDEV" -w "$1" 2>"$1.err" &
	CAP=$!
	for _ in $(seq 50); do grep -q "listening on" "$1.err" 2>/dev/null && break; sleep 0.1; done
}
capture_stop() { sleep 1; kill "$CAP" 2>/dev/null; wait "$CAP" 2>/dev/null; }
marker_in() { tcpdump -r "$1" -A -n 2>/dev/null | grep -c "$2"; }
# What the guest sent other than IKE and ESP-in-UDP (ARP aside); with a
# second argument, DHCP requests are allowed too (the outer ruleset lets
# them out: the interface has DHCP until the administrator sets a profile).
others_in() {
	local f='not src host 192.0.2.1 and not (udp port 500 or udp port 4500 or arp)'
	[ -n "${2:-}" ] && f="$f and not (udp src port 68 and udp dst port 67)"
	tcpdump -r "$1" -n "$f" 2>/dev/null
}
capture_start "$D/all.pcap"
ALL_CAP=$CAP

if vm_login; then t_ok "boots to a console login"; else t_fail "boots to a console login"; tail -30 "$VM_LOG"; t_done; exit 1; fi
vm_cmd "systemctl is-system-running --wait" 180
SR=$VM_OUT
# (the update commit unit's own cycle, docs/update.md, is not this suite's)
vm_cmd "journalctl -b -o cat _PID=1 | grep -E 'ordering cycle|Found dependency' | grep -cE 'strongswan|timesyncd|rempart-network|ssh.service|logd-forward'"
[ "$VM_OUT" = 0 ] && t_ok "no ordering cycle involving the network units at boot" ||
	t_fail "ordering cycles at boot: $VM_OUT lines (journalctl -b _PID=1)"
[ "$SR" = running ] && t_ok "system running, no failed unit" ||
	{ t_fail "system state $SR"; vm_cmd "systemctl --failed --no-legend; journalctl -b -u rempart-network.service --no-pager | tail -8"; echo "$VM_OUT" | sed 's/^/#   /'; }

# --- the image carries it ------------------------------------------------------
vm_cmd "cat /proc/sys/kernel/modules_disabled; for m in xfrm_user xfrm_interface esp4 seqiv drbg nf_tables nft_ct nft_reject_inet; do grep -q \"^\$m \" /proc/modules && echo \$m; done | tr '\\n' ' '"
[ "$VM_OUT" = "$(printf '1\nxfrm_user xfrm_interface esp4 seqiv drbg nf_tables nft_ct nft_reject_inet ')" ] &&
	t_ok "XFRM, ESP and nftables modules loaded before module loading was disabled" || t_fail "modules: $VM_OUT"
vm_cmd "systemctl is-active strongswan.service rempart-network.service | tr '\\n' ' '; test -x /usr/sbin/swanctl && test -x /usr/sbin/charon-systemd && echo present"
[ "$VM_OUT" = "active active present" ] && t_ok "charon-systemd and rempart-network.service active" ||
	t_fail "services: $VM_OUT"
vm_cmd "for u in ssh systemd-timesyncd rempart-logd-forward rempart-update; do systemctl show -P NetworkNamespacePath \$u.service; done | tr '\\n' ' '"
[ "$VM_OUT" = "/run/netns/ipsec /run/netns/ipsec /run/netns/ipsec  " ] &&
	t_ok "sshd, timesyncd and log forwarding confined to the ipsec namespace (update: the test image's documented direct path)" ||
	t_fail "NetworkNamespacePath: '$VM_OUT'"

vm_cmd "nft list chain inet rempart output | grep -c 'ip daddr 10.0.2.100 tcp dport 443 accept'; ssh -v -o BatchMode=yes -o ConnectTimeout=10 -p 443 10.0.2.100 2>&1 | grep -c $DIRECT_MARK" 60
[ "$VM_OUT" = "$(printf '1\n1')" ] &&
	t_ok "test image: the update suite's direct path (TCP 10.0.2.100:443 from the outer namespace) works, and only it" ||
	t_fail "direct path: $VM_OUT"

# --- fail closed before any IPsec configuration --------------------------------
vm_cmd "test -e /run/netns/ipsec && echo ns; nft list chain inet rempart output | grep -c 'policy drop'; systemctl is-active ssh.service; grep -c ':0016 ' /proc/net/tcp"
[ "$VM_OUT" = "$(printf '1\ninactive\n0')" ] &&
	t_ok "no gateway yet: no ipsec namespace, outer default drop, sshd not started, nothing on port 22" ||
	t_fail "before configuration: $VM_OUT"

# --- the administrator configures the gateway ----------------------------------
vm_cmd "for i in /sys/class/net/*; do [ \"\$(cat \$i/address)\" = 52:54:00:52:50:02 ] && basename \$i; done"
IF=$VM_OUT
[ -n "$IF" ] && t_ok "second NIC in the guest: $IF" || t_fail "second NIC not found"
vm_cmd "mkdir -p /run/ipsectest && chmod 755 /run/ipsectest"
cp "$D/ws.pem" "$D/cert.pem"; cp "$D/ws.key" "$D/key.pem"
for f in cert key ca; do
	vm_cmd "echo $(base64 -w0 "$D/$f.pem") | base64 -d > /run/ipsectest/$f.pem && chmod 644 /run/ipsectest/$f.pem"
done
as_admin() { vm_cmd "setpriv --reuid=admin --regid=\$(id -g admin) --init-groups rempartctl $*" 180; }
as_admin network.set mode=static "interface=$IF" address=192.0.2.2/24 gateway=192.0.2.1; r1=$?
as_admin ipsec.credentials cert=@/run/ipsectest/cert.pem key=@/run/ipsectest/key.pem ca=@/run/ipsectest/ca.pem; r2=$?
t0=$(date +%s)
as_admin ipsec.set gateway=192.0.2.1 remote_id=gw.rempart.test local_id=ws.rempart.test remote_ts=10.99.0.0/24; r3=$?
[ "$r1$r2$r3" = 000 ] && t_ok "rempartctl as admin: network.set, ipsec.credentials, ipsec.set" ||
	t_fail "rempartctl: $r1 $r2 $r3: $VM_OUT"
vm_cmd "rm -rf /run/ipsectest"

vm_cmd "for i in \$(seq 40); do swanctl --list-sas 2>/dev/null | grep -q INSTALLED && break; sleep 1; done; swanctl --list-sas" 180
SAS=$VM_OUT
t1=$(date +%s)
grep -q INSTALLED <<<"$SAS" && t_ok "tunnel up by itself ($((t1 - t0)) s after ipsec.set, as seen from the host)" ||
	{ t_fail "no CHILD SA: $SAS"; vm_cmd "journalctl -b -u strongswan.service -u rempart-network.service --no-pager | grep -Eiv 'DPD|INFORMATIONAL|packet:' | tail -40"; echo "$VM_OUT" | sed 's/^/#   /'; grep -Ei 'child|fail|error|TS|ESP' "$D/charon-gw.log" | tail -15 | sed 's/^/#   /'; }
grep -q "AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384" <<<"$SAS" && grep -A1 INSTALLED <<<"$SAS" | grep -q AES_GCM_16-256 &&
	t_ok "IKE SA aes256gcm16-prfsha384-ecp384, CHILD SA aes256gcm16 (kernel ESP)" || t_fail "negotiated proposals"
# (counts: routes to remote_ts through ipsec0, other routes in the
# namespace, ipsec0 outside, routes to remote_ts outside)
vm_cmd "ip -n ipsec -d -o link show ipsec0; ip -n ipsec route | grep -c '^10.99.0.0/24 dev ipsec0 '; ip -n ipsec route | grep -vc '^10.99.0.0/24 dev ipsec0 '; ip -o link | grep -c ipsec0; ip route show table all | grep -c 10.99.0"
[[ "$VM_OUT" == *"xfrm if_id 0x2a"* ]] && [ "$(tail -4 <<<"$VM_OUT" | tr '\n' ' ')" = "1 0 0 0 " ] &&
	t_ok "XFRM interface ipsec0 (if_id 42) in the ipsec namespace, route to remote_ts only, none outside" ||
	t_fail "XFRM interface: $VM_OUT"
vm_cmd "ip netns exec ipsec nft list chain inet rempart output | grep -c 'policy drop'; nft list chain inet rempart output | grep -c 'policy drop'; nft list chain inet rempart output | grep -c 'ip daddr 192.0.2.1 udp sport { 500, 4500 }'"
[ "$VM_OUT" = "$(printf '1\n1\n1')" ] && t_ok "default drop in both namespaces; outside only IKE/ESP with the gateway" ||
	t_fail "rulesets: $VM_OUT"

# --- services through the tunnel ------------------------------------------------
vm_cmd "for i in \$(seq 30); do systemctl -q is-active ssh.service && break; sleep 1; done; systemctl is-active ssh.service; ip netns exec ipsec ss -Hltn 'sport = :22' | grep -c .; grep -c ':0016 [0-9A-F:]* 0A' /proc/net/tcp" 60
[[ "$VM_OUT" =~ ^active.[12].0$ ]] && t_ok "sshd started by the IPsec configuration, listening only in the ipsec namespace" ||
	t_fail "sshd: $VM_OUT"
capture_start "$D/up.pcap"
# a transient service in the ipsec namespace: the OpenSSH client sends its
# banner (the guest's marker) and logs the gateway's line (its marker)
vm_cmd "systemd-run -q --wait --pipe -p NetworkNamespacePath=/run/netns/ipsec ssh -v -o BatchMode=yes -o ConnectTimeout=10 -p 443 10.99.0.1 2>&1 | grep -E 'banner line|Connection established' | head -3" 60
UPOUT=$VM_OUT
BANNER=$(ip netns exec "$GW" timeout 40 socat -t20 -T30 - TCP:192.0.2.2:22,connect-timeout=20 </dev/null 2>/dev/null | head -1 | tr -d '\r')
capture_stop
[[ "$UPOUT" == *"$M_GW"* ]] && grep -q "^SSH-2.0-OpenSSH" "$D/received" 2>/dev/null &&
	t_ok "a service in the ipsec namespace reaches the gateway's service through the tunnel (both markers crossed)" ||
	t_fail "through the tunnel: guest saw '$UPOUT', gateway received '$(head -c 60 "$D/received" 2>/dev/null)'"
[[ "$BANNER" == SSH-2.0-OpenSSH* ]] && t_ok "the gateway side reaches the guest's sshd through the tunnel ($BANNER)" ||
	t_fail "sshd through the tunnel: '$BANNER'"
O=$(others_in "$D/up.pcap")
[ "$(marker_in "$D/up.pcap" "$M_GW")" = 0 ] && [ "$(marker_in "$D/up.pcap" SSH-2.0)" = 0 ] && [ -z "$O" ] &&
	[ "$(tcpdump -r "$D/up.pcap" -n 'src host 192.0.2.2 and udp port 4500' 2>/dev/null | wc -l)" -gt 0 ] &&
	t_ok "on the tap only ESP-in-UDP: markers never in clear" ||
	t_fail "tunnel capture: markers $(marker_in "$D/up.pcap" "$M_GW")/$(marker_in "$D/up.pcap" SSH-2.0), others: $(head -3 <<<"$O")"

# --- the outer namespace cannot send clear text ----------------------------------
capture_start "$D/clear.pcap"
vm_cmd "ip route get 10.99.0.1 | head -1; ssh -o BatchMode=yes -o ConnectTimeout=5 -p 443 10.99.0.1 2>&1 | tail -1"
CLEAR=$VM_OUT
capture_stop
[[ "$CLEAR" == *"via 192.0.2.1"* ]] && [ -z "$(others_in "$D/clear.pcap")" ] && [ "$(marker_in "$D/clear.pcap" SSH-2.0)" = 0 ] &&
	t_ok "plain TCP from the outer namespace (default route via the gateway) dropped: nothing on the wire" ||
	t_fail "outer namespace: $CLEAR; others: $(others_in "$D/clear.pcap" | head -3)"

# --- tunnel down: nothing in clear -------------------------------------------------
{ kill -9 "$GW_PID"; wait "$GW_PID"; } 2>/dev/null; sleep 0.5
: > "$D/received"
capture_start "$D/down.pcap"
vm_cmd "systemd-run -q --wait --pipe -p NetworkNamespacePath=/run/netns/ipsec ssh -o BatchMode=yes -o ConnectTimeout=5 -p 443 10.99.0.1 2>&1 | tail -1; swanctl --terminate --ike rempart --force --timeout 3 >/dev/null 2>&1; systemd-run -q --wait --pipe -p NetworkNamespacePath=/run/netns/ipsec ssh -o BatchMode=yes -o ConnectTimeout=5 -p 443 10.99.0.1 2>&1 | tail -1" 90
DOWN=$VM_OUT
capture_stop
O=$(others_in "$D/down.pcap")
[ ! -s "$D/received" ] && [ "$(marker_in "$D/down.pcap" SSH-2.0)" = 0 ] && [ -z "$O" ] &&
	[ "$(tcpdump -r "$D/down.pcap" -n 'src host 192.0.2.2 and (udp port 500 or udp port 4500)' 2>/dev/null | wc -l)" -gt 0 ] &&
	t_ok "tunnel down: connections fail ($(tail -1 <<<"$DOWN" | cut -c1-60)), only IKE/ESP-in-UDP on the wire" ||
	t_fail "tunnel down: received '$(head -c 60 "$D/received")', marker $(marker_in "$D/down.pcap" SSH-2.0), others: $(head -3 <<<"$O")"

# the whole run, boot included: nothing but DHCP, IKE / ESP-in-UDP, ARP from the guest
kill "$ALL_CAP" 2>/dev/null; wait "$ALL_CAP" 2>/dev/null
O=$(others_in "$D/all.pcap" dhcp)
[ -z "$O" ] && [ "$(marker_in "$D/all.pcap" SSH-2.0)" = 0 ] && [ "$(marker_in "$D/all.pcap" "$M_GW")" = 0 ] &&
	t_ok "from boot to the end the guest sent nothing on that NIC but DHCP requests, IKE and ESP-in-UDP ($(tcpdump -r "$D/all.pcap" -n 2>/dev/null | wc -l) packets)" ||
	t_fail "whole-run capture: $(head -5 <<<"$O")"

vm_poweroff
t_done
