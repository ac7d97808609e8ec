# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers for VM scenarios: build the test image once per run, boot copies
# of it, talk to the development console (root autologin on ttyS0) through
# a QEMU serial pipe, and read the serial log. Source after tests/lib/tap.sh.
#
# Environment (set by scripts/test.sh, or computed here when run alone):
#   REMPART_VM_DIR   directory holding keys/, out/ (version 0.1.0), cache/

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
REMPART=$BUILD/src/build/rempart
VM_DIR=${REMPART_VM_DIR:-$BUILD/vm}
VM_PID=
VM_LOG=
# Every test image follows the update server the VM tests serve from the
# host: QEMU's user network forwards 10.0.2.100:443 to a loopback port
# (vm_update_net). That network carries no IKE, so the test image keeps a
# direct path to that server outside the IPsec tunnel (development builds
# only: --dev-update-direct, docs/net.md); tests/vm/ipsec.sh checks the
# tunnel itself.
VM_UPDATE_URL=https://10.0.2.100/repo
VM_BUILD_ARGS=(--update-server "$VM_UPDATE_URL" --dev-update-direct 10.0.2.100:443)
# VM_NET2: opt-in second NIC for vm_boot (a QEMU -netdev spec with id=net1,
# guest MAC 52:54:00:52:50:02; rempart run --net2), e.g. a tap device.
VM_NET2=${VM_NET2:-}
VM_SEQ=0
VM_TPM_CA=$VM_DIR/keys/tpm-ca

# vm_image: builds keys and the version-0.1.0 image once (reused by every suite).
vm_image() {
	mkdir -p "$VM_DIR"
	[ -e "$VM_DIR/keys/db.key" ] || "$REMPART" keys init --dir "$VM_DIR/keys" >/dev/null || return 1
	if [ ! -e "$VM_DIR/out/.complete" ]; then
		"$REMPART" build --keys "$VM_DIR/keys" --out "$VM_DIR/out" --cache "$VM_DIR/cache" \
			--version 0.1.0 --source-date-epoch 1700000000 "${VM_BUILD_ARGS[@]}" || return 1
		touch "$VM_DIR/out/.complete"
	fi
}

# vm_build_other OUT VERSION [args]: another build with the same keys.
vm_build_other() {
	local out=$1 ver=$2; shift 2
	[ -e "$out/.complete" ] && return 0
	"$REMPART" build --keys "$VM_DIR/keys" --out "$out" --cache "$VM_DIR/cache" \
		--version "$ver" --source-date-epoch 1700000000 "${VM_BUILD_ARGS[@]}" "$@" || return 1
	touch "$out/.complete"
}

# vm_disk_copy DEST: a private copy of the built disk (sparse).
vm_disk_copy() { cp --sparse=always "$VM_DIR/out/disk.img" "$1"; }

# Partition start offset in bytes: vm_part_offset DISK LABEL
vm_part_offset() {
	sfdisk --json "$1" | jq -r --arg l "$2" '.partitiontable as $t | $t.partitions[] | select(.name == $l) | .start * ($t.sectorsize // 512)'
}

# vm_boot DISK [rempart run args...]: boots in the background with the
# serial console on a pipe; the log accumulates in $VM_LOG. A new TPM state
# is manufactured with EK certificates from the CA in $VM_TPM_CA (the
# verifier's trust store: its swtpm-localca-rootca-cert.pem, issuercert.pem).
vm_boot() {
	local disk=$1; shift
	local d
	d=$(mktemp -d "$T_TMP/vm.XXXX")
	mkfifo "$d/ser.in" "$d/ser.out"
	VM_LOG=$d/serial.log
	: > "$VM_LOG"
	cat "$d/ser.out" >> "$VM_LOG" &
	VM_CAT=$!
	"$REMPART" run --disk "$disk" --vars "${VM_VARS:-$VM_DIR/out/OVMF_VARS.fd}" --headless \
		--serial "pipe:$d/ser" --timeout "${VM_TIMEOUT:-600}" --tpm-ca "$VM_TPM_CA" ${VM_NET2:+--net2 "$VM_NET2"} "$@" > "$d/run.log" 2>&1 &
	VM_PID=$!
	exec {VM_IN}> "$d/ser.in"
}

# vm_wait REGEX SECONDS: waits for REGEX in the serial log.
vm_wait() {
	local re=$1 t=$2 i
	for ((i = 0; i < t * 5; i++)); do
		grep -Eq -- "$re" "$VM_LOG" 2>/dev/null && return 0
		kill -0 "$VM_PID" 2>/dev/null || { grep -Eq -- "$re" "$VM_LOG" && return 0; return 1; }
		sleep 0.2
	done
	return 1
}

# vm_cmd CMD [SECONDS]: runs CMD in the guest's root shell; its output
# (stdout+stderr) goes to $VM_OUT, its exit status is returned.
vm_cmd() {
	local cmd=$1 t=${2:-60} n
	VM_SEQ=$((VM_SEQ + 1)); n=$VM_SEQ
	# The typed line contains @@B''EG, the output @@BEG: echoed input never matches.
	printf '%s\n' "echo @@B''EG$n@@; ( $cmd ) 2>&1; rc=\$?; echo; echo @@E''ND$n@@ \$rc" >&"$VM_IN"
	if ! vm_wait "^@@END$n@@ [0-9]+" "$t"; then VM_OUT=""; return 255; fi
	VM_OUT=$(tr -d '\r' < "$VM_LOG" | awk -v b="@@BEG$n@@" -v e="@@END$n@@" 'index($0, b) && !on {on=1; next} index($0, e) == 1 {on=0} on')
	return "$(tr -d '\r' < "$VM_LOG" | grep -E "^@@END$n@@ [0-9]+" | tail -1 | awk '{print $2}')"
}

# vm_login: waits for the development console's root shell.
vm_login() {
	vm_wait "login: root \(automatic login\)" "${1:-240}" || return 1
	sleep 2
	# no echo, a short prompt, kernel messages off the console (they would
	# interleave with command output; dmesg still has them)
	printf 'stty -echo; PS1="# "; dmesg -n 1\n' >&"$VM_IN"
	vm_cmd "true" 60
}

# vm_update_net PORT: the --net spec giving the guest 10.0.2.100:443 ->
# host 127.0.0.1:PORT (one socat per connection) and nothing else.
vm_update_net() {
	echo "user,id=net0,restrict=on,guestfwd=tcp:10.0.2.100:443-cmd:socat - TCP:127.0.0.1:$1"
}

# vm_powercut: the machine loses power (QEMU killed, nothing flushed).
vm_powercut() {
	[ -n "$VM_PID" ] || return 0
	exec {VM_IN}>&- 2>/dev/null || true
	pkill -KILL -P "$VM_PID" 2>/dev/null
	kill -KILL "$VM_PID" 2>/dev/null
	wait "$VM_PID" 2>/dev/null
	kill "$VM_CAT" 2>/dev/null; wait "$VM_CAT" 2>/dev/null
	VM_PID=
}

vm_stop() {
	[ -n "$VM_PID" ] || return 0
	exec {VM_IN}>&- 2>/dev/null || true
	pkill -TERM -P "$VM_PID" 2>/dev/null
	kill "$VM_PID" 2>/dev/null
	wait "$VM_PID" 2>/dev/null
	kill "$VM_CAT" 2>/dev/null; wait "$VM_CAT" 2>/dev/null
	VM_PID=
}

vm_poweroff() {
	printf 'systemctl poweroff\n' >&"$VM_IN"
	local i
	for ((i = 0; i < 300; i++)); do kill -0 "$VM_PID" 2>/dev/null || break; sleep 0.2; done
	vm_stop
}

trap 'vm_stop; rm -rf "$T_TMP"' EXIT
