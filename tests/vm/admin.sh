#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Roles in the booted image (docs/admin.md): the accounts exist with their
# groups, rempart-admind is socket-activated, rempartctl as admin, audit and
# user behaves per the role x verb matrix, created users resolve through
# nss-systemd, and root cannot log in (no password, no su, sshd refuses root).
set -u
BUILD=$(realpath "${1:?build dir}")
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/lib.sh"

if ! vm_image; then t_fail "image build"; t_done; exit 1; fi
vm_disk_copy "$T_TMP/disk.img"
vm_boot "$T_TMP/disk.img" --tpm-state "$T_TMP/tpm"
if vm_login; then t_ok "boots to a console login"; else t_fail "boots to a console login"; tail -30 "$VM_LOG"; t_done; exit 1; fi
vm_cmd "systemctl is-system-running --wait" 180

# --- accounts ------------------------------------------------------------------
vm_cmd "id -nG admin; id -nG audit; id -nG user"
[[ "$VM_OUT" == *rempart-admin* ]] && [[ "$VM_OUT" == *rempart-audit* ]] &&
	[ "$(sed -n 1p <<<"$VM_OUT" | grep -c rempart-audit)" = 0 ] &&
	[ "$(sed -n 2p <<<"$VM_OUT" | grep -c rempart-admin)" = 0 ] &&
	[ "$(sed -n 3p <<<"$VM_OUT" | grep -c 'rempart-admin\|rempart-audit')" = 0 ] &&
	t_ok "accounts admin, audit and user with exclusive role groups" || t_fail "accounts: $VM_OUT"
vm_cmd "for u in root admin audit user; do grep \"^\$u:\" /etc/shadow | cut -d: -f2; done | tr '\\n' ' '"
if [[ "$VM_OUT" =~ ^([!*][^\ ]*\ ){4}$ ]]; then t_ok "no account has a password (root, admin, audit, user locked: $VM_OUT)"
else t_fail "password fields: $VM_OUT"; fi
vm_cmd "command -v su sudo passwd pkexec || true"
[ -z "$VM_OUT" ] && t_ok "no su, sudo, passwd or pkexec in the image" || t_fail "identity tools present: $VM_OUT"
vm_cmd "mkdir -p /run/sshd; test -s /var/lib/rempart/ssh/ssh_host_ed25519_key || ssh-keygen -q -t ed25519 -N \"\" -f /var/lib/rempart/ssh/ssh_host_ed25519_key; sshd -T -C user=root,host=ws,addr=127.0.0.1 | grep -Ei '^(permitrootlogin|passwordauthentication|allowgroups|authenticationmethods) ' | sort | tr '\\n' ' '"
[[ "$VM_OUT" == *"permitrootlogin no"* ]] && [[ "$VM_OUT" == *"passwordauthentication no"* ]] &&
	[[ "$VM_OUT" == *"allowgroups rempart-admin"* ]] && [[ "$VM_OUT" == *"rempart-audit"* ]] &&
	t_ok "sshd: no root login, keys only, roles only ($VM_OUT)" || t_fail "sshd configuration: $VM_OUT"
vm_cmd "cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | grep -c ':0016 [0-9A-F:]* 0A' || true"
[ "$VM_OUT" = 0 ] && t_ok "nothing listens on port 22 in the root network namespace" || t_fail "port 22 listeners: $VM_OUT"
vm_cmd "systemctl is-active rempart-admind.socket; stat -c %a /run/rempart/admin.sock"
[ "$VM_OUT" = "$(printf 'active\n666')" ] && t_ok "rempart-admind.socket listens on /run/rempart/admin.sock" || t_fail "socket: $VM_OUT"

# --- the role x verb matrix ----------------------------------------------------
# Inputs typed into the guest: an SSH public key, IKE credentials.
ssh-keygen -q -t ed25519 -N '' -C vm@test -f "$T_TMP/id"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=ws1.test" \
	-keyout "$T_TMP/key.pem" -out "$T_TMP/cert.pem" 2>/dev/null
vm_cmd "mkdir -p /run/admintest && chmod 755 /run/admintest && printf '%s\\n' '$(cat "$T_TMP/id.pub")' > /run/admintest/id.pub"
for f in key cert; do # one line each: the serial console takes no here-documents
	vm_cmd "echo $(base64 -w0 "$T_TMP/$f.pem") | base64 -d > /run/admintest/$f.pem"
done
vm_cmd "cp /run/admintest/cert.pem /run/admintest/ca.pem; chmod 644 /run/admintest/*; ls /run/admintest | tr '\\n' ' '"
[ "$VM_OUT" = "ca.pem cert.pem id.pub key.pem " ] && t_ok "test inputs in the guest" || t_fail "test inputs: $VM_OUT"

# as ROLE ARGS: rempartctl as the account of that role, exit status returned.
as_role() { local u=$1; shift; vm_cmd "setpriv --reuid=$u --regid=\$(id -g $u) --init-groups rempartctl $*" "${AS_TIMEOUT:-120}"; }

# A: the role may call the verb (any answer but a refusal or a usage/protocol
# error: "done" or, for a service the product does not run, "failed");
# D: refused with exit 4 and the reason.
N=vmuser1
MATRIX=(
# verb              | arguments                                                           | admin | audit | user
"status             |                                                                     | A | A | A"
"network.get        |                                                                     | A | D | D"
"network.set        | mode=dhcp                                                           | A | D | D"
"ipsec.get          |                                                                     | A | D | D"
"ipsec.set          | gateway=192.0.2.1 remote_id=gw.test remote_ts=10.0.0.0/8            | A | D | D"
"ipsec.credentials  | cert=@/run/admintest/cert.pem key=@/run/admintest/key.pem ca=@/run/admintest/ca.pem | A | D | D"
"update.get         |                                                                     | A | D | D"
"update.set         | channel=beta                                                        | A | D | D"
"update.status      |                                                                     | A | D | D"
"user.list          |                                                                     | A | D | D"
"user.add           | name=$N ssh_key=@/run/admintest/id.pub                              | A | D | D"
"user.setkey        | name=$N ssh_key=@/run/admintest/id.pub                              | A | D | D"
"user.lock          | name=$N                                                             | A | D | D"
"user.unlock        | name=$N                                                             | A | D | D"
"escrow.collect     |                                                                     | A | D | D"
"logs.read          | max=5                                                               | D | A | D"
"check.run          |                                                                     | D | A | D"
"attest.quote       | nonce=00112233445566778899aabbccddeeff                              | D | A | D"
"update.trigger     |                                                                     | A | D | D"
)
trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; s=${s%"${s##*[![:space:]]}"}; printf '%s' "$s"; }
for row in "${MATRIX[@]}"; do
	IFS='|' read -r verb args e_adm e_aud e_usr <<<"$row"
	verb=$(trim "$verb") args=$(trim "$args")
	for role in admin audit user; do
		case $role in admin) want=$(trim "$e_adm") ;; audit) want=$(trim "$e_aud") ;; user) want=$(trim "$e_usr") ;; esac
		AS_TIMEOUT=600 as_role "$role" "$verb" "$args"
		rc=$?
		if [ "$want" = D ]; then
			[ "$rc" = 4 ] && [[ "$VM_OUT" == *"$verb refused: role $role may not call $verb"* ]] &&
				t_ok "$role $verb refused" || t_fail "$role $verb: exit $rc, wanted a refusal: $VM_OUT"
		else
			{ [ "$rc" = 0 ] || [ "$rc" = 1 ]; } && t_ok "$role $verb allowed (exit $rc)" ||
				t_fail "$role $verb: exit $rc: $VM_OUT"
			[ "$rc" = 1 ] && echo "$VM_OUT" | sed 's/^/#   /' | tail -2
		fi
	done
done
# the two that had to run, not only be allowed
as_role user status
[ $? = 0 ] && [[ "$VM_OUT" == *"version: 0.1.0"* ]] && t_ok "status answers the version" || t_fail "status: $VM_OUT"
AS_TIMEOUT=600 as_role audit --json check.run
[ $? = 0 ] && [[ "$VM_OUT" == *'"mode\":\"live\"'* ]] && t_ok "check.run runs rempart-check in the system" || t_fail "check.run: ${VM_OUT:0:300}"

# --- effects ---------------------------------------------------------------------
vm_cmd "cat /var/lib/rempart/config/network.conf /var/lib/rempart/config/update.conf | grep -v '^#' | tr '\\n' ' '"
[ "$VM_OUT" = "mode = dhcp channel = beta " ] && t_ok "network.conf and update.conf written on the state partition" || t_fail "config files: $VM_OUT"
vm_cmd "stat -c %a /var/lib/rempart/config/ipsec/key.pem"
[ "$VM_OUT" = 600 ] && t_ok "IKE key installed 0600" || t_fail "IKE key: $VM_OUT"
vm_cmd "getent passwd $N | cut -d: -f1,3,6"
[ "$VM_OUT" = "$N:20000:/home/$N" ] && t_ok "a created user resolves through nss-systemd ($VM_OUT)" || t_fail "getent $N: $VM_OUT"
vm_cmd "cat /var/lib/rempart/auth/users/$N/authorized_keys"
[ "$VM_OUT" = "$(cat "$T_TMP/id.pub")" ] && t_ok "the user's key is in the users' store" || t_fail "user key: $VM_OUT"
as_role admin user.remove name=$N
vm_cmd "getent passwd $N || echo gone"
[ "$VM_OUT" = gone ] && t_ok "a removed user no longer resolves" || t_fail "after user.remove: $VM_OUT"
as_role admin user.lock name=audit
[ $? = 1 ] && [[ "$VM_OUT" == *"not a regular user"* ]] && t_ok "the audit account cannot be managed by admin" || t_fail "user.lock audit: $VM_OUT"
# escrow: collect, then delete with the blob's sha256
as_role admin --json escrow.collect
sum=$(grep -o '"sha256":"[0-9a-f]*"' <<<"$VM_OUT" | cut -d'"' -f4)
if [ ${#sum} = 64 ]; then
	as_role admin escrow.delete sha256=$sum
	rc=$?
	vm_cmd "test -e /efi/rempart/escrow.bin && echo present || echo gone"
	[ "$rc" = 0 ] && [ "$VM_OUT" = gone ] && t_ok "escrow blob collected, then deleted with its sha256" || t_fail "escrow.delete: $rc $VM_OUT"
else
	t_fail "escrow.collect gave no blob: $VM_OUT"
fi

# --- root --------------------------------------------------------------------------
vm_cmd "rempartctl network.set mode=dhcp"
[ $? = 4 ] && [[ "$VM_OUT" == *"role user may not call network.set"* ]] && t_ok "root is not admin" || t_fail "root: $VM_OUT"
vm_cmd "journalctl -u rempart-admind.service --no-pager | grep -c 'outcome=denied'"
[ "${VM_OUT:-0}" -ge 1 ] 2>/dev/null && t_ok "refusals are in the journal" || t_fail "journal: $VM_OUT"

vm_poweroff
t_done
