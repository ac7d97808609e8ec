#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The sealed log store in the booted image: rempart-logd copies the journal
# (boot logs included) into /var/log/rempart on the encrypted state
# partition; its files carry the append-only/immutable inode flags; root
# cannot truncate, clear the flags or delete them (CAP_LINUX_IMMUTABLE is
# out of every service's bounding set but logd's); the store verifies with
# the verification key exported at first boot, across a reboot.
set -u
BUILD=$(realpath "${1:?build dir}")
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/lib.sh"

if ! vm_image; then t_fail "image build"; t_done; exit 1; fi
D=$T_TMP/disk.img; TPM=$T_TMP/tpm
vm_disk_copy "$D"
STORE=/var/log/rempart

vm_boot "$D" --tpm-state "$TPM"
vm_login 400 || { t_fail "boot"; t_done; exit 1; }
vm_cmd "for i in \$(seq 120); do systemctl -q is-active rempart-logd.service && test -s $STORE/seal.state && exit 0; sleep 1; done; systemctl status rempart-logd.service rempart-logd-init.service --no-pager | tail -15; exit 1" 180
[ $? -eq 0 ] && t_ok "rempart-logd runs; the store was created at first boot" || { t_fail "rempart-logd not running"; sed 's/^/#   /' <<<"$VM_OUT"; }
vm_cmd "findmnt -no SOURCE -T $STORE"
[[ "$VM_OUT" == /dev/mapper/state* ]] && t_ok "the store is on the encrypted state partition ($VM_OUT)" || t_fail "store on $VM_OUT"
vm_cmd "stat -c %a /run/rempart-logd/verification-key"
[ "$VM_OUT" = 400 ] && t_ok "the verification key is exported once, root-only (0400), in /run for the administrator" ||
	t_fail "verification key: $VM_OUT"

# boot logs reach the store; the key is kept by the "administrator" (this test)
vm_cmd "cat /run/rempart-logd/verification-key"
KEY=$(tr -d ' \n' <<<"$VM_OUT")
[[ "$KEY" == rlvk1-* ]] && t_ok "the administrator collects the verification key" || t_fail "key: $VM_OUT"
VERIFY="rempart-logverify --key-string $KEY"
vm_cmd "logger -t rempart-test MARKER-LOGD-1; sleep 3; $VERIFY --print $STORE 2>&1 | grep -c MARKER-LOGD-1" 120
[ "$VM_OUT" = 1 ] && t_ok "a new journal entry reaches the store within seconds" || t_fail "marker in the store: $VM_OUT"
vm_cmd "$VERIFY --json $STORE" 120
rc=$?
J=$(grep '^{' <<<"$VM_OUT" | tail -1)
if [ $rc -eq 0 ] && [ "$(jq -r .verified <<<"$J")" = true ] && [ "$(jq -r .entries <<<"$J")" -ge 200 ]; then
	t_ok "rempart-logverify: the store verifies with the key; it holds the boot's $(jq -r .entries <<<"$J") journal entries"
else
	t_fail "logverify exit $rc: $J"; tail -3 <<<"$VM_OUT" | sed 's/^/#   /'
fi

# append-only, even for root
vm_cmd "cd $STORE && ls -1 *.rlog 2>/dev/null | tail -1"
CUR=$STORE/$VM_OUT
vm_cmd "lsattr -d $CUR 2>&1 | cut -d' ' -f1"
[[ "$VM_OUT" == *a* ]] && t_ok "the current log file is append-only (lsattr: $VM_OUT)" || t_fail "flags of $CUR: $VM_OUT"
vm_cmd "truncate -s 0 $CUR"
[ $? -ne 0 ] && [[ "$VM_OUT" == *"not permitted"* ]] && t_ok "root cannot truncate the log: ${VM_OUT:0:90}" || t_fail "truncate: $VM_OUT"
vm_cmd "chattr -a $CUR"
[ $? -ne 0 ] && [[ "$VM_OUT" == *"not permitted"* ]] && t_ok "root cannot clear the append-only flag (no CAP_LINUX_IMMUTABLE)" || t_fail "chattr -a: $VM_OUT"
vm_cmd "rm -f $CUR"
[ $? -ne 0 ] && t_ok "root cannot delete the log file" || t_fail "rm: $VM_OUT"
vm_cmd "grep '^CapBnd' /proc/self/status | cut -f2"
CAPS=$VM_OUT
[ -n "$CAPS" ] && (( (0x$CAPS >> 9) & 1 )) && t_fail "CAP_LINUX_IMMUTABLE in the root shell's bounding set ($CAPS)" ||
	t_ok "CAP_LINUX_IMMUTABLE is not in the root shell's bounding set ($CAPS)"
vm_cmd "grep '^CapBnd' /proc/\$(systemctl show -p MainPID --value rempart-logd.service)/status | cut -f2"
[ "$VM_OUT" = 0000000000000200 ] && t_ok "rempart-logd's bounding set is CAP_LINUX_IMMUTABLE only" || t_fail "logd CapBnd: $VM_OUT"
vm_cmd "$VERIFY $STORE" 120
[ $? -eq 0 ] && t_ok "the store still verifies after the attempts" || t_fail "store damaged by refused attempts"
vm_poweroff

# across a reboot: the chain continues, old files become immutable
vm_boot "$D" --tpm-state "$TPM"
if vm_login 300; then
	vm_cmd "logger -t rempart-test MARKER-LOGD-2; sleep 3; $VERIFY --print $STORE 2>&1 | grep -c -e MARKER-LOGD-1 -e MARKER-LOGD-2" 120
	[ "$VM_OUT" = 2 ] 2>/dev/null && t_ok "after a reboot the store holds both boots' entries" || t_fail "entries across boots: $VM_OUT"
	vm_cmd "$VERIFY $STORE" 120
	[ $? -eq 0 ] && t_ok "the store verifies across the reboot with the collected key" || t_fail "verify after reboot: $VM_OUT"
	vm_cmd "test -e /run/rempart-logd/verification-key"
	[ $? -ne 0 ] && t_ok "the verification key is not on the device any more after the first boot" || t_fail "key still on the device"
	vm_poweroff
else
	t_fail "second boot"; vm_stop
fi
t_done
