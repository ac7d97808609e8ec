#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Normal boot of the built image under Secure Boot with a TPM: multi-user,
# verified read-only root, Secure Boot on, setup mode off, lockdown.
set -u
BUILD=$(realpath "${1:?build dir}")
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/lib.sh"

if ! vm_image; then t_fail "image build"; t_done; exit 1; fi
t_ok "image builds (keys, rootfs, verity, UKI, GPT, enrolled OVMF variables)"
vm_disk_copy "$T_TMP/disk.img"
vm_boot "$T_TMP/disk.img" --tpm-state "$T_TMP/tpm"
if vm_login; then t_ok "boots to a console login"; else t_fail "boots to a console login"; tail -30 "$VM_LOG"; t_done; exit 1; fi
grep -q "EFI stub: UEFI Secure Boot is enabled" "$VM_LOG" && t_ok "EFI stub reports Secure Boot enabled" || t_fail "EFI stub reports Secure Boot enabled"
grep -q "rempart-init: root filesystem verified by dm-verity" "$VM_LOG" && t_ok "rempart-init verified the root" || t_fail "rempart-init verified the root"

vm_cmd "systemctl is-system-running --wait" 180
case "$VM_OUT" in running|degraded) t_ok "systemd reached multi-user ($VM_OUT)";; *) t_fail "system state: $VM_OUT";; esac
vm_cmd "systemctl is-active multi-user.target" && t_ok "multi-user.target active" || t_fail "multi-user.target active"
vm_cmd "findmnt -no SOURCE,FSTYPE,OPTIONS /"
if [[ "$VM_OUT" == /dev/mapper/root\ squashfs\ ro,* ]]; then t_ok "/ is /dev/mapper/root, squashfs, read-only"; else t_fail "/ mount: $VM_OUT"; fi
vm_cmd "dmsetup status root"
if [[ "$VM_OUT" =~ ^0\ [0-9]+\ verity\ V ]]; then t_ok "/ is dm-verity with status V (verified)"; else t_fail "verity status: $VM_OUT"; fi
vm_cmd "touch /usr/x" ; [ $? -ne 0 ] && [[ "$VM_OUT" == *Read-only* ]] && t_ok "root refuses writes" || t_fail "root refuses writes: $VM_OUT"
vm_cmd "od -An -tu1 /sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c | tr -s ' ' '\\n' | tail -1"
[ "$VM_OUT" = 1 ] && t_ok "SecureBoot=1 in efivars" || t_fail "SecureBoot=$VM_OUT"
vm_cmd "od -An -tu1 /sys/firmware/efi/efivars/SetupMode-8be4df61-93ca-11d2-aa0d-00e098032b8c | tr -s ' ' '\\n' | tail -1"
[ "$VM_OUT" = 0 ] && t_ok "SetupMode=0 in efivars" || t_fail "SetupMode=$VM_OUT"
vm_cmd "cat /sys/kernel/security/lockdown"
[[ "$VM_OUT" == *"[integrity]"* || "$VM_OUT" == *"[confidentiality]"* ]] && t_ok "kernel lockdown active ($VM_OUT)" || t_fail "lockdown: $VM_OUT"
vm_cmd "test -c /dev/tpmrm0 && cat /sys/class/tpm/tpm0/tpm_version_major"
[ "$VM_OUT" = 2 ] && t_ok "TPM 2.0 present" || t_fail "TPM 2.0: $VM_OUT"
vm_cmd "grep -E ' /(tmp|run|var|dev/shm) ' /proc/mounts | grep -vc 'nosuid,nodev,noexec' ; true"
[ "$VM_OUT" = 0 ] && t_ok "/tmp /run /var /dev/shm are nosuid,nodev,noexec" || t_fail "writable mounts without nosuid,nodev,noexec: $VM_OUT"
vm_cmd "find / -xdev -perm /6000 -type f | wc -l"
[ "$VM_OUT" = 0 ] && t_ok "no setuid/setgid file in the root" || t_fail "setuid/setgid files: $VM_OUT"
vm_cmd "grep -E '^(ID|VARIANT_ID|IMAGE_VERSION)=' /etc/os-release | sort | tr '\n' ' '"
[ "$VM_OUT" = "ID=rempart IMAGE_VERSION=0.1.0 VARIANT_ID=development " ] && t_ok "os-release marks a development build" || t_fail "os-release: $VM_OUT"
vm_cmd "grep -E '^(NoNewPrivs|CapBnd):' /proc/1/status | tr '\\n' ' '; cat /proc/sys/kernel/modules_disabled"
[[ "$VM_OUT" == *"NoNewPrivs:	1"* ]] && [[ "$VM_OUT" == *"CapBnd:	"* ]] && [[ "$VM_OUT" == *" 1" ]] &&
	! [[ "$VM_OUT" == *"CapBnd:	000001ffffffffff"* ]] &&
	t_ok "PID 1 has no_new_privs and a trimmed bounding set; modules_disabled=1" || t_fail "PID 1 lockdown: $VM_OUT"
vm_cmd "command -v bash perl awk python3 || true"
[ -z "$VM_OUT" ] && t_ok "no bash, perl, awk or python in the image" || t_fail "interpreters present: $VM_OUT"
# rempart-check inside the guest: every required check of the vm profile passes
vm_cmd "rempart-check --profile /usr/share/rempart/check/vm.profile --exclude /run/rempart/state > /run/check.txt; echo rc=\$?; cat /run/check.txt" 600
echo "$VM_OUT" | sed 's/^/#   /'
[[ "$VM_OUT" == rc=0* ]] && t_ok "rempart-check: every required check passes in the booted image" || t_fail "rempart-check in the guest"
vm_cmd "rempart-check --json --profile /usr/share/rempart/check/vm.profile --no-scan > /run/check.json; echo \$?"
[ "$VM_OUT" = 0 ] && t_ok "rempart-check --json exits 0" || t_fail "rempart-check --json: $VM_OUT"
vm_poweroff
t_done
