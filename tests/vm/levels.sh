#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The levels in the booted image: rempart-level-low and rempart-level-high
# run their sessions in cages (own namespaces, unprivileged uid, no
# capabilities, no_new_privs, seccomp, cgroup limits of their slice); a new
# cage of the "high" profile has no network, a read-only /usr and a noexec
# home; the diode passes a file up and refuses links and an unconfirmed
# downward pass. The low level's uplink: through QEMU's restricted user
# network (the guest reaches only the guestfwd targets, here on the
# documentation range 192.0.2.0/24 so that the low profile's private-range
# refusals do not apply), a low cage reaches an allowed TCP service on the
# host's loopback and is refused a disallowed port, the guest's own
# addresses and a guest-local service; a high cage has no network. Then
# the escape vectors (tests/escape, shipped in development images under
# /usr/libexec/rempart/escape) run inside real low and high cages with the
# expectations of tests/escape/expect.sh.
set -u
BUILD=$(realpath "${1:?build dir}")
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/lib.sh"

if ! vm_image; then t_fail "image build"; t_done; exit 1; fi
. "$(dirname "$0")/../escape/expect.sh"
D=$T_TMP/disk.img; TPM=$T_TMP/tpm
vm_disk_copy "$D"
# Host-side TCP services behind guestfwd: 443 (allowed by the low level's
# uplink) and 8443 (not allowed). Each answers a marker and records the hit.
MARK=uplink-$RANDOM$RANDOM
PORT_OK=$((20000 + RANDOM % 20000)) PORT_NO=$((20000 + RANDOM % 20000 + 1))
python3 -c '
import socket, sys, threading
def serve(port, log):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port)); s.listen(8)
    while True:
        c, a = s.accept(); open(log, "a").write("hit\n"); c.sendall((sys.argv[1] + "\n").encode()); c.close()
threading.Thread(target=serve, args=(int(sys.argv[3]), sys.argv[4]), daemon=True).start()
serve(int(sys.argv[2]), sys.argv[5])' "$MARK" "$PORT_OK" "$PORT_NO" "$T_TMP/hit-no" "$T_TMP/hit-ok" &
SRV=$!
trap 'kill $SRV 2>/dev/null; vm_stop; rm -rf "$T_TMP"' EXIT
NET="user,id=net0,restrict=on,net=192.0.2.0/24,dhcpstart=192.0.2.15"
NET+=",guestfwd=tcp:192.0.2.100:443-cmd:socat - TCP:127.0.0.1:$PORT_OK"
NET+=",guestfwd=tcp:192.0.2.100:8443-cmd:socat - TCP:127.0.0.1:$PORT_NO"
# 3 GiB: the levels' memory.max (2G) is reached before the guest runs out.
# About 100 cages are started: more than the default 600 s under TCG on a
# loaded machine (QEMU is stopped at the timeout).
VM_TIMEOUT=${VM_TIMEOUT:-2400}
vm_boot "$D" --tpm-state "$TPM" --net "$NET" --memory 3072
vm_login 400 || { t_fail "boot"; t_done; exit 1; }

vm_cmd "for i in \$(seq 90); do systemctl -q is-active rempart-level-low.service rempart-level-high.service && exit 0; sleep 1; done; systemctl status rempart-level-low rempart-level-high --no-pager | tail -20; exit 1" 120
[ $? -eq 0 ] && t_ok "the levels low and high run as systemd services" || { t_fail "levels not running"; sed 's/^/#   /' <<<"$VM_OUT"; }

# the session process of each level (child of the launcher)
for lvl in low:60100 high:60200; do
	name=${lvl%:*} uid=${lvl#*:}
	vm_cmd "m=\$(systemctl show -p MainPID --value rempart-level-$name.service); [ \$m -gt 0 ] || exit 1; for p in \$(cat /proc/\$m/task/*/children); do for q in \$p \$(cat /proc/\$p/task/*/children 2>/dev/null); do grep -q \"^Uid:.$uid\" /proc/\$q/status && echo \$q; done; done | head -1"
	P=$(tr -d ' \r' <<<"$VM_OUT" | head -1)
	if ! [ "$P" -gt 1 ] 2>/dev/null; then t_fail "level $name: no running session of uid $uid"; continue; fi
	vm_cmd "grep -E '^(Uid|NoNewPrivs|Seccomp|CapEff|CapBnd|CapAmb):' /proc/$P/status | tr -s '\t ' ' '"
	st=$VM_OUT
	[[ "$st" == *"Uid: $uid $uid $uid $uid"* && "$st" == *"NoNewPrivs: 1"* && "$st" == *"Seccomp: 2"* &&
		"$st" == *"CapEff: 0000000000000000"* && "$st" == *"CapBnd: 0000000000000000"* ]] &&
		t_ok "level $name: session runs as uid $uid, no capabilities, no_new_privs, seccomp filter" ||
		t_fail "level $name credentials: $(tr '\n' ' ' <<<"$st")"
	vm_cmd "n=0; for ns in mnt pid net ipc uts cgroup; do [ \"\$(readlink /proc/$P/ns/\$ns)\" != \"\$(readlink /proc/1/ns/\$ns)\" ] && n=\$((n+1)); done; echo \$n"
	[ "$VM_OUT" = 6 ] && t_ok "level $name: own mount, pid, net, ipc, uts and cgroup namespaces" || t_fail "level $name namespaces: $VM_OUT of 6"
	vm_cmd "cg=\$(cut -d: -f3 /proc/$P/cgroup); cat /sys/fs/cgroup\$cg/memory.max /sys/fs/cgroup\$cg/pids.max"
	[[ "$(tr '\n' ' ' <<<"$VM_OUT")" == "2147483648 512 " ]] && t_ok "level $name: cgroup limits of its profile (memory 2G, 512 tasks)" ||
		t_fail "level $name cgroup limits: $VM_OUT"
done

# a fresh cage of the high profile
CAGE="rempart-cage run /usr/share/rempart/cages/high.profile --"
vm_cmd "$CAGE /bin/sh -c 'id -u; ls /sys/class/net 2>/dev/null | tr \"\\n\" \" \"; echo; touch /usr/x 2>&1; cp /bin/true ~/t && ~/t; echo rc=\$?'" 120
out=$VM_OUT
[[ "$out" == 60200* ]] && t_ok "a cage of the high profile runs as its level's uid" || t_fail "cage uid: $out"
grep -qx "lo *" <<<"$(sed -n 2p <<<"$out")" || [ -z "$(sed -n 2p <<<"$out" | tr -d ' ')" ] &&
	t_ok "the high profile has no network interface but lo" || t_fail "interfaces in the high cage: $(sed -n 2p <<<"$out")"
grep -q "Read-only file system\|Permission denied" <<<"$(sed -n 3p <<<"$out")" && t_ok "/usr is read-only in the cage" || t_fail "/usr writable: $out"
grep -q "rc=126\|Permission denied" <<<"$out" && t_ok "the writable home is noexec" || t_fail "exec from home: $out"

# the diode
LOWOUT=/var/lib/rempart/levels/low/home/outbox HIGHIN=/var/lib/rempart/levels/high/home/inbox
HIGHOUT=/var/lib/rempart/levels/high/home/outbox LOWIN=/var/lib/rempart/levels/low/home/inbox
vm_cmd "echo report > $LOWOUT/report.txt && ln -s /etc/shadow $LOWOUT/evil && rempart-diode pass --from $LOWOUT --to $HIGHIN --direction up --owner 60200:60200; echo rc=\$?; ls $HIGHIN; cat $HIGHIN/report.txt" 60
[[ "$VM_OUT" == *"report.txt"*"report" && "$VM_OUT" != *"evil"$'\n'* ]] && grep -q "symbolic link\|symlink" <<<"$VM_OUT" &&
	t_ok "the diode passes a file low -> high and refuses the symbolic link" || t_fail "diode up: $VM_OUT"
vm_cmd "install -o 60200 -g 60200 -m 0600 /dev/null $HIGHOUT/secret.txt && rempart-diode pass --from $HIGHOUT --to $LOWIN --direction down" 60
[ $? -ne 0 ] && [[ "$VM_OUT" == *"confirm"* ]] && t_ok "high -> low without a confirmation hook is refused" || t_fail "diode down: $VM_OUT"
# --- the low level's uplink ----------------------------------------------
E=/usr/libexec/rempart/escape
LOWP=/usr/share/rempart/cages/low.profile HIGHP=/usr/share/rempart/cages/high.profile
vm_cmd "for i in \$(seq 60); do ip -4 route show default | grep -q . && break; sleep 1; done; ip -o -4 addr show rl-low | grep -o 'inet [0-9./]*'; ip -n rempart-low -o -4 addr show uplink | grep -o 'inet [0-9./]*'; cat /proc/sys/net/ipv4/conf/all/forwarding; nft list table inet rempart-level-low | grep -c masquerade; ip -4 route get 192.0.2.100 | grep -o 'src [0-9.]*'" 90
out=$VM_OUT
GUEST=$(sed -n 's/^src //p' <<<"$out")
if grep -q 'inet 10.77.0.1/30' <<<"$out" && grep -q 'inet 10.77.0.2/30' <<<"$out" && [ "$(sed -n 3p <<<"$out")" = 1 ] &&
	[ "$(sed -n 4p <<<"$out")" = 1 ] && [ -n "$GUEST" ]; then
	t_ok "low's uplink in the image: rl-low 10.77.0.1/30, uplink 10.77.0.2/30 in rempart-low, forwarding, NAT rule (guest $GUEST)"
else
	t_fail "uplink in the image"; sed 's/^/#   /' <<<"$out"
fi
# a guest-local TCP service on every address of the guest's own namespace
vm_cmd "systemd-socket-activate -l 443 -a --inetd /bin/sh -c 'echo hit >> /run/guest-local-hit; echo guest-local' >/dev/null 2>&1 & sleep 2; $E/escape-net-uplink 127.0.0.1 443 ok; rm -f /run/guest-local-hit" 60
[[ "$VM_OUT" == *"reached connect(127.0.0.1:443): guest-local"* ]] && t_ok "guest-local service on :443 answers in the guest's own namespace" ||
	t_fail "guest-local service: $VM_OUT"
# levels = ipsec (network.conf's default): nothing of a level leaves in
# clear, and the refusal comes at once from the outer ruleset
vm_cmd "rempart-cage run $LOWP -- $E/escape-net-uplink 192.0.2.100 443 ECONNREFUSED" 120
[ $? = 0 ] && [[ "$VM_OUT" == *"blocked connect(192.0.2.100:443): ECONNREFUSED"* ]] && [ ! -s "$T_TMP/hit-ok" ] &&
	t_ok "by default (levels = ipsec) a low cage's traffic never leaves in clear: refused at once" ||
	t_fail "levels = ipsec: $VM_OUT"
# the administrator lets the levels' uplinks out in clear (rempart-admind)
vm_cmd "setpriv --reuid=admin --regid=\$(id -g admin) --init-groups rempartctl network.set mode=dhcp levels=clear && for i in \$(seq 60); do nft list chain inet rempart forward | grep -q 'ct state established' && exit 0; sleep 1; done; exit 1" 120
[ $? = 0 ] && t_ok "admin: rempartctl network.set levels=clear re-applies the outer ruleset without a reboot" ||
	t_fail "network.set levels=clear: $VM_OUT"
vm_cmd "rempart-cage run $LOWP -- $E/escape-net-uplink 192.0.2.100 443 ok" 120
[[ "$VM_OUT" == *"reached connect(192.0.2.100:443): $MARK"* ]] && [ "$(wc -l < "$T_TMP/hit-ok" 2>/dev/null)" = 1 ] &&
	t_ok "a low cage reaches the allowed TCP service on the host's loopback (uplink, NAT, QEMU user network)" ||
	t_fail "low cage to the allowed service: $VM_OUT"
for t in "192.0.2.100 8443:a disallowed port" "$GUEST 443:the guest's own address (allowed port)" \
	"10.77.0.1 443:the uplink's host side" "169.254.169.254 80:link-local metadata"; do
	dst=${t%%:*}
	vm_cmd "rempart-cage run $LOWP -- $E/escape-net-uplink $dst ECONNREFUSED" 120
	[ $? = 0 ] && [[ "$VM_OUT" == *"blocked connect("* ]] && t_ok "a low cage is refused ${t#*:} ($dst)" ||
		t_fail "low cage to $dst: $VM_OUT"
done
vm_cmd "test -e /run/guest-local-hit && echo reached || echo untouched"
[ ! -s "$T_TMP/hit-no" ] && [[ "$VM_OUT" == *untouched* ]] &&
	t_ok "neither the disallowed host service nor the guest-local one saw a connection" || t_fail "refused services reached: $VM_OUT"
vm_cmd "rempart-cage run $HIGHP -- $E/escape-net-uplink 192.0.2.100 443 ENETUNREACH" 120
[ $? = 0 ] && [[ "$VM_OUT" == *"blocked connect(192.0.2.100:443): ENETUNREACH"* ]] && t_ok "a high cage has no network (ENETUNREACH)" ||
	t_fail "high cage network: $VM_OUT"

# --- the escape vectors inside the image's own cages ------------------------
vm_cmd "ls $E | sed 's/^escape-//' | tr '\n' ' '; echo; sleep 3000 >/dev/null 2>&1 & echo pid=\$!; echo high > /var/lib/rempart/levels/high/home/secret; echo low > /var/lib/rempart/levels/low/home/secret; chmod 600 /var/lib/rempart/levels/*/home/secret" 60
VECTORS=$(head -1 <<<"$VM_OUT") ESC_HOST_PID=$(sed -n 's/^pid=//p' <<<"$VM_OUT")
ESC_PORT=443 ESC_LANDLOCK=1 ESC_MEMORY=cgroup
nvm=$(wc -w <<<"$VECTORS")
[ "$nvm" -ge 30 ] && t_ok "$nvm escape vectors in the development image ($E)" || t_fail "escape vectors in the image: $VECTORS"
for lvl in low:level:high high:none:low; do
	name=${lvl%%:*} net=${lvl#*:}; net=${net%%:*} other=${lvl##*:}
	ESC_OTHER_FILE=/var/lib/rempart/levels/$other/home/secret
	ran=0 bad=0 line=""
	run_chunk() {
		[ -n "$line" ] || return 0
		vm_cmd "$line" 900
		local out=$VM_OUT v
		for v in $chunk; do
			local o rc
			o=$(sed -n "/^@@V $v\$/,/^@@RC /p" <<<"$out" | sed '1d;$d')
			rc=$(sed -n "/^@@V $v\$/,/^@@RC /p" <<<"$out" | sed -n 's/^@@RC //p')
			ran=$((ran + 1))
			if escape_judge "$v" "$rc" "$o"; then
				t_ok "$name cage, vector $v: $(grep -m1 '^blocked' <<<"$o" | cut -c1-100)${rc:+ (exit $rc)}"
			else
				bad=$((bad + 1)); t_fail "$name cage, vector $v (exit ${rc:-none})"; sed 's/^/#   /' <<<"$o" | head -5
			fi
		done
		line="" chunk=""
	}
	chunk=""
	for v in $VECTORS; do
		escape_applies "$v" "$net" || continue
		# shellcheck disable=SC2046
		line+="echo @@V $v; rempart-cage run /usr/share/rempart/cages/$name.profile -- $E/escape-$v $(escape_args "$v") 2>&1; r=\$?; echo; echo @@RC \$r; "
		chunk+=" $v"
		[ ${#line} -gt 2500 ] && run_chunk
	done
	run_chunk
	vm_cmd "kill -0 $ESC_HOST_PID && cat /var/lib/rempart/levels/$other/home/secret && pgrep -u \$(sed -n 's/^uid = //p' /usr/share/rempart/cages/$name.profile) -c" 60
	[[ "$VM_OUT" == *"$other"* ]] && t_ok "$name cage: $ran vectors, host process alive, other level's file intact" ||
		t_fail "$name cage side effects: $VM_OUT"
done
# the memory hogs were stopped by their cage's memory.max, not by the
# guest running out of memory (memory.events is hierarchical)
vm_cmd "sed -n 's/^oom_kill //p' /sys/fs/cgroup/rempart.slice/memory.events; dmesg | grep -c 'Memory cgroup out of memory'"
[ "$(head -1 <<<"$VM_OUT")" -ge 2 ] 2>/dev/null && t_ok "memory-hog: OOM-killed inside the cages' cgroups (rempart.slice oom_kill $(head -1 <<<"$VM_OUT"))" ||
	t_fail "memory-hog OOM kills: $VM_OUT"
# the links the diode-links vector planted in low's outbox: refused by the diode
vm_cmd "rempart-diode pass --from $LOWOUT --to $HIGHIN --direction up --owner 60200:60200; echo rc=\$?" 60
grep -q "refused 'shadow': symbolic link" <<<"$VM_OUT" && grep -q "refused 'hardlink': hard link" <<<"$VM_OUT" &&
	grep -q "refused 'fifo': not a regular file" <<<"$VM_OUT" && t_ok "the diode refuses the links and FIFO planted from the low cage" ||
	t_fail "diode after diode-links: $VM_OUT"
vm_poweroff
t_done
