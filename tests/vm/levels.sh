#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The levels in the booted image: rempart-level-low and rempart-level-high
# run their sessions in cages (own namespaces, unprivileged uid, no
# capabilities, no_new_privs, seccomp, cgroup limits of their slice); a new
# cage of the "high" profile has no network, a read-only /usr and a noexec
# home; the diode passes a file up and refuses links and an unconfirmed
# downward pass.
set -u
BUILD=$(realpath "${1:?build dir}")
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/lib.sh"

if ! vm_image; then t_fail "image build"; t_done; exit 1; fi
D=$T_TMP/disk.img; TPM=$T_TMP/tpm
vm_disk_copy "$D"
vm_boot "$D" --tpm-state "$TPM"
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
vm_poweroff
t_done
