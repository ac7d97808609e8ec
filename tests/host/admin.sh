#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# rempart-admind / rempartctl on the host: the daemon on a temporary socket
# and state directory (--no-apply: files are checked, systemd is not
# touched), real accounts in real groups (created here, removed on exit),
# the full role x verb matrix as a table, malformed frames, the files each
# verb writes. Needs root (useradd, setpriv). Usage: tests/host/admin.sh BUILD_DIR
set -uo pipefail
BUILD=$(realpath "${1:?usage: $0 BUILD_DIR}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib/tap.sh"
ADMIND=$BUILD/src/admin/rempart-admind
CTL=$BUILD/src/admin/rempartctl
LOGD=$BUILD/src/logd/rempart-logd
CHECK=$BUILD/src/check/rempart-check
UPDATE=$BUILD/src/update/rempart-update

if [ "$(id -u)" != 0 ]; then
	t_fail "tests/host/admin.sh needs root (useradd, setpriv)"
	t_done
	exit 1
fi

# Unique names: several runs (or helpers) may share the machine.
S=rt$$
GADM=$S-admin GAUD=$S-audit
UADM=${S}adm UAUD=${S}aud UUSR=${S}usr UBOTH=${S}both
NEWU=${S}new
PID= SILENT=

cleanup() {
	[ -n "$SILENT" ] && kill "$SILENT" 2>/dev/null && wait "$SILENT" 2>/dev/null
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	for u in $UADM $UAUD $UUSR $UBOTH; do userdel "$u" 2>/dev/null; done
	for g in $GADM $GAUD; do groupdel "$g" 2>/dev/null; done
	chattr -R -ia "$T_TMP" 2>/dev/null
	rm -rf "$T_TMP"
}
trap cleanup EXIT

groupadd "$GADM" && groupadd "$GAUD" &&
	useradd -M -N -s /usr/sbin/nologin -G "$GADM" "$UADM" &&
	useradd -M -N -s /usr/sbin/nologin -G "$GAUD" "$UAUD" &&
	useradd -M -N -s /usr/sbin/nologin "$UUSR" &&
	useradd -M -N -s /usr/sbin/nologin -G "$GADM,$GAUD" "$UBOTH" ||
	{ t_fail "cannot create the test accounts"; t_done; exit 1; }

# Everything the test accounts must reach is world-readable; the state is not.
chmod 0711 "$T_TMP"
RUN=$T_TMP/run PUB=$T_TMP/pub STATE=$T_TMP/state ESP=$T_TMP/esp LOGS=$T_TMP/logs
mkdir -p "$RUN" "$PUB" "$STATE" "$T_TMP/home" "$ESP/rempart"
chmod 0755 "$RUN" "$PUB"
SOCK=$RUN/admin.sock

# Inputs: an SSH key, IKE credentials, an escrow blob, a log store.
ssh-keygen -q -t ed25519 -N '' -C "alice@test" -f "$PUB/id" && chmod 0644 "$PUB/id"
ssh-keygen -q -t rsa -b 2048 -N '' -f "$PUB/rsa"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=ws1.test" \
	-keyout "$PUB/key.pem" -out "$PUB/cert.pem" 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -days 2 -subj "/CN=Test CA" \
	-keyout "$PUB/cakey.pem" -out "$PUB/ca.pem" 2>/dev/null
chmod 0644 "$PUB"/*
head -c 118 /dev/urandom > "$ESP/rempart/escrow.bin"
ESCROW_SUM=$(sha256sum "$ESP/rempart/escrow.bin" | cut -d' ' -f1)
"$LOGD" init --store "$LOGS" --machine-id 0123456789abcdef0123456789abcdef --export-key "$T_TMP/vkey" 2>/dev/null &&
	for i in $(seq 1 20); do echo "audit test entry $i"; done | "$LOGD" run --store "$LOGS" --stdin 2>/dev/null ||
	t_fail "cannot create the log store"
# rempart-check without its filesystem scans (a full scan of the host takes a minute)
printf '#!/bin/sh\nexec %s --no-scan "$@"\n' "$CHECK" > "$T_TMP/check-noscan"
chmod 0755 "$T_TMP/check-noscan"

"$ADMIND" --socket "$SOCK" --state-dir "$STATE" --home-dir "$T_TMP/home" --escrow "$ESP/rempart/escrow.bin" \
	--log-store "$LOGS" --check "$T_TMP/check-noscan" --attest "$T_TMP/no-such-rempart-attest" \
	--update "$UPDATE" --no-apply --admin-group "$GADM" --audit-group "$GAUD" 2>"$T_TMP/admind.log" &
PID=$!
for ((i = 0; i < 50; i++)); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] && t_ok "rempart-admind listens on $SOCK" || { t_fail "rempart-admind did not start"; cat "$T_TMP/admind.log"; t_done; exit 1; }

# as USER CMD...: runs CMD with USER's uid, gid and supplementary groups.
as() { local u=$1; shift; setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups "$@"; }
ctl() { local u=$1; shift; as "$u" "$CTL" --socket "$SOCK" "$@"; }

# --- command line -----------------------------------------------------------
t_exit "rempart-admind --help documents the exit codes" 0 "Exit status" "$ADMIND" --help
t_exit "rempartctl --help documents the exit codes" 0 "Exit status" "$CTL" --help
t_exit "rempartctl without a verb is a usage error" 2 "no verb" "$CTL" --socket "$SOCK"
t_exit "rempartctl with a malformed argument is a usage error" 2 "KEY=VALUE" "$CTL" --socket "$SOCK" status foo
t_exit "no daemon: reported, exit 3" 3 "cannot connect" "$CTL" --socket "$T_TMP/none.sock" status
t_exit "rempart-admind without a socket refuses to start" 2 "no listening Unix stream socket" "$ADMIND"

# --- the role x verb matrix -------------------------------------------------
# One row per verb, in an order where each allowed call can succeed (user.add
# before user.setkey...). Columns: expected exit status of rempartctl for the
# admin, audit and user roles: 0 done, 4 refused (role), 1 failed (with the
# reason in the last column, matched against the message).
N=$NEWU
MATRIX=(
# verb              | arguments                                                             | admin | audit | user | failure reason
"status             |                                                                       | 0 | 0 | 0 |"
"network.get        |                                                                       | 0 | 4 | 4 |"
"network.set        | mode=static address=10.9.0.5/24 gateway=10.9.0.1 dns=9.9.9.9          | 0 | 4 | 4 |"
"ipsec.get          |                                                                       | 0 | 4 | 4 |"
"ipsec.set          | gateway=192.0.2.1 remote_id=gw.test remote_ts=10.0.0.0/8,fd00::/8     | 0 | 4 | 4 |"
"ipsec.credentials  | cert=@$PUB/cert.pem key=@$PUB/key.pem ca=@$PUB/ca.pem                 | 0 | 4 | 4 |"
"update.get         |                                                                       | 0 | 4 | 4 |"
"update.set         | server=https://mirror.test:8443/r channel=beta                        | 0 | 4 | 4 |"
"update.trigger     |                                                                       | 0 | 4 | 4 |"
"update.status      |                                                                       | 1 | 4 | 4 | update.status: .*rempart-update failed"
"user.list          |                                                                       | 0 | 4 | 4 |"
"user.add           | name=$N ssh_key=@$PUB/id.pub                                          | 0 | 4 | 4 |"
"user.setkey        | name=$N ssh_key=@$PUB/id.pub                                          | 0 | 4 | 4 |"
"user.lock          | name=$N                                                               | 0 | 4 | 4 |"
"user.unlock        | name=$N                                                               | 0 | 4 | 4 |"
"user.remove        | name=$N                                                               | 0 | 4 | 4 |"
"escrow.collect     |                                                                       | 0 | 4 | 4 |"
"escrow.delete      | sha256=$ESCROW_SUM                                                    | 0 | 4 | 4 |"
"logs.read          | max=5                                                                 | 4 | 0 | 4 |"
"check.run          |                                                                       | 4 | 0 | 4 |"
"attest.quote       | nonce=00112233445566778899aabbccddeeff                                | 4 | 1 | 4 | attest.quote: .* is not installed"
)
trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; s=${s%"${s##*[![:space:]]}"}; printf '%s' "$s"; }
for row in "${MATRIX[@]}"; do
	IFS='|' read -r verb args e_adm e_aud e_usr reason <<<"$row"
	verb=$(trim "$verb") e_adm=$(trim "$e_adm") e_aud=$(trim "$e_aud") e_usr=$(trim "$e_usr") reason=$(trim "$reason")
	read -r -a argv <<<"$args"
	for role in admin audit user; do
		case $role in
		admin) u=$UADM want=$e_adm ;;
		audit) u=$UAUD want=$e_aud ;;
		user) u=$UUSR want=$e_usr ;;
		esac
		case $want in
		0) re="." ;;
		4) re="$verb refused: role $role may not call $verb" ;;
		*) re=$reason ;;
		esac
		# escrow.collect writes the blob where the admin can write
		extra=()
		[ "$verb" = escrow.collect ] && [ "$want" = 0 ] && extra=(--out "$T_TMP/home/escrow-$role.bin")
		[ "$verb" = escrow.collect ] && install -d -o "$u" "$T_TMP/home"
		rc=0
		ctl "$u" "${extra[@]}" "$verb" "${argv[@]}" >"$T_TMP/out" 2>"$T_TMP/err" || rc=$?
		if [ "$rc" = "$want" ] && { [ "$want" = 0 ] || grep -Eq -- "$re" "$T_TMP/err"; }; then
			t_ok "$role $verb -> exit $want"
		else
			t_fail "$role $verb -> exit $rc, wanted $want matching /$re/"
			sed 's/^/#   /' "$T_TMP/err" | tail -3
		fi
	done
done

# Each refusal and each outcome is in the daemon's log with uid, role, verb.
grep -q "uid=$(id -u "$UUSR") pid=[0-9]* role=user verb=network.set outcome=denied" "$T_TMP/admind.log" &&
	grep -q "uid=$(id -u "$UADM") pid=[0-9]* role=admin verb=network.set outcome=ok" "$T_TMP/admind.log" &&
	grep -q "uid=$(id -u "$UAUD") pid=[0-9]* role=audit verb=attest.quote outcome=failed" "$T_TMP/admind.log" &&
	t_ok "every request is logged with uid, role, verb and outcome" || t_fail "request log lines"
KEYPART=$(sed -n 2p "$PUB/key.pem" | head -c 24)
BLOBPART=$(od -An -tx1 -N16 "$T_TMP/home/escrow-admin.bin" | tr -d ' \n')
[ ${#KEYPART} = 24 ] && [ ${#BLOBPART} = 32 ] && ! grep -qF -e "$KEYPART" -e "PRIVATE KEY" -e "$BLOBPART" "$T_TMP/admind.log" &&
	t_ok "no secret in the log" || t_fail "a secret reached the log"

for pair in "$UADM admin" "$UAUD audit" "$UUSR user" "$UBOTH user"; do
	set -- $pair
	[ "$(ctl "$1" status 2>/dev/null | grep '^role:')" = "role: $2" ] && t_ok "status tells $1 its role: $2" ||
		t_fail "status role of $1"
done
# --- roles outside the three -----------------------------------------------
t_exit "an account in both role groups is only a user" 4 "role user may not call network.get" ctl "$UBOTH" network.get
grep -q "in both role groups" "$T_TMP/admind.log" && t_ok "the conflicting groups are logged" || t_fail "conflict not logged"
t_exit "root is not admin (limited trust in root)" 4 "role user may not call network.set" \
	"$CTL" --socket "$SOCK" network.set mode=dhcp
t_exit "root may ask for status" 0 "" "$CTL" --socket "$SOCK" status

# --- what the allowed verbs wrote --------------------------------------------
C=$STATE/config
grep -qx "mode = static" "$C/network.conf" && grep -qx "address = 10.9.0.5/24" "$C/network.conf" &&
	grep -qx "gateway = 10.9.0.1" "$C/network.conf" && grep -qx "dns = 9.9.9.9" "$C/network.conf" &&
	t_ok "network.conf holds the static profile" || t_fail "network.conf"
grep -qx "gateway = 192.0.2.1" "$C/ipsec.conf" && grep -qx "remote_id = gw.test" "$C/ipsec.conf" &&
	grep -qx "remote_ts = 10.0.0.0/8,fd00::/8" "$C/ipsec.conf" && t_ok "ipsec.conf holds the gateway" || t_fail "ipsec.conf"
cmp -s "$C/ipsec/cert.pem" "$PUB/cert.pem" && cmp -s "$C/ipsec/key.pem" "$PUB/key.pem" && cmp -s "$C/ipsec/ca.pem" "$PUB/ca.pem" &&
	[ "$(stat -c %a "$C/ipsec/key.pem")" = 600 ] && [ -L "$C/ipsec" ] &&
	t_ok "IPsec credentials installed (key 0600, one symlinked set)" || t_fail "IPsec credentials"
openssl x509 -noout -in "$C/ipsec/cert.pem" && t_ok "installed certificate parses with openssl" || t_fail "cert"
[ "$(grep -v '^#' "$C/update.conf")" = "$(printf 'server = https://mirror.test:8443/r\nchannel = beta')" ] &&
	t_ok "update.conf override holds exactly server and channel" || t_fail "update.conf"
cmp -s "$T_TMP/home/escrow-admin.bin" "$ESP/rempart/escrow.bin.gone" 2>/dev/null
[ ! -e "$ESP/rempart/escrow.bin" ] && [ "$(sha256sum < "$T_TMP/home/escrow-admin.bin" | cut -d' ' -f1)" = "$ESCROW_SUM" ] &&
	t_ok "escrow blob collected intact, then deleted" || t_fail "escrow collect/delete"
[ ! -e "$STATE/userdb/$N.user" ] && [ ! -e "$STATE/auth/users/$N" ] && [ -d "$T_TMP/home/$N" ] &&
	t_ok "user.remove removed the record and keys, kept the home" || t_fail "user.remove"
[ ! -e "$STATE/auth/system" ] && t_ok "the system roles' key store was not written" || t_fail "auth/system written"

# --- user accounts in detail --------------------------------------------------
ctl "$UADM" user.add name="$N" ssh_key=@"$PUB/id.pub" >/dev/null 2>&1
U=$(id -u "$UADM")
uid=$(jq -r .uid "$STATE/userdb/$N.user" 2>/dev/null)
[ "$(jq -r .userName "$STATE/userdb/$N.user")" = "$N" ] && [ "$(readlink "$STATE/userdb/$uid.user")" = "$N.user" ] &&
	[ "$(jq -r .groupName "$STATE/userdb/$N.group")" = "$N" ] && [ "$(jq -r .disposition "$STATE/userdb/$N.user")" = regular ] &&
	t_ok "user.add wrote a systemd user record (uid $uid) and its group" || t_fail "user record"
cmp -s "$STATE/auth/users/$N/authorized_keys" "$PUB/id.pub" && t_ok "the user's key is in the users' store" || t_fail "user key"
ssh-keygen -l -f "$STATE/auth/users/$N/authorized_keys" >/dev/null && t_ok "ssh-keygen reads the stored key" || t_fail "stored key unreadable"
[ "$(stat -c %u "$T_TMP/home/$N")" = "$uid" ] && t_ok "the home directory belongs to the new user" || t_fail "home owner"
ctl "$UADM" user.lock name="$N" >/dev/null 2>&1
[ ! -e "$STATE/auth/users/$N/authorized_keys" ] && [ "$(jq -r .locked "$STATE/userdb/$N.user")" = true ] &&
	t_ok "user.lock: no usable key, record locked" || t_fail "user.lock"
t_exit "an RSA key is refused" 5 "ssh_key.* invalid value" ctl "$UADM" user.setkey name="$N" ssh_key=@"$PUB/rsa.pub"
t_exit "a second key line is refused" 5 "invalid value" ctl "$UADM" user.setkey name="$N" \
	"ssh_key=$(cat "$PUB/id.pub")
$(cat "$PUB/id.pub")"
t_exit "a key with options is refused" 5 "invalid value" ctl "$UADM" user.setkey name="$N" \
	"ssh_key=command=\"/bin/sh\" $(cat "$PUB/id.pub")"
t_exit "a role account cannot be managed" 1 "not a regular user" ctl "$UADM" user.lock name="$UAUD"
t_exit "root cannot be given a key" 1 "not a regular user" ctl "$UADM" user.setkey name=root ssh_key=@"$PUB/id.pub"
t_exit "an image account cannot be removed" 1 "not an account created" ctl "$UADM" user.remove name="$UUSR"
t_exit "a name that exists is refused" 1 "already exists" ctl "$UADM" user.add name="$UUSR"
t_exit "a name outside useradd's rules is refused" 5 "name" ctl "$UADM" user.add name="../etc"

# --- validation through the client ------------------------------------------
t_exit "update server must be https" 5 "server" ctl "$UADM" update.set server=http://mirror.test
t_exit "the update signing key cannot be set" 5 "unknown field \"pubkey\"" ctl "$UADM" update.set pubkey=/tmp/k.pub
t_exit "a path where a channel goes is refused" 5 "channel" ctl "$UADM" update.set channel=../../x
t_exit "static needs a gateway" 5 "needs address and gateway" ctl "$UADM" network.set mode=static address=10.0.0.2/24
t_exit "prefix out of range" 5 "address" ctl "$UADM" network.set mode=static address=10.0.0.2/33 gateway=10.0.0.1
t_exit "invalid IPv4 gateway" 5 "gateway" ctl "$UADM" network.set mode=static address=10.0.0.2/24 gateway=10.0.0.256
t_exit "traffic selector with host bits" 5 "remote_ts" ctl "$UADM" ipsec.set gateway=192.0.2.1 remote_id=gw remote_ts=10.0.0.1/8
t_exit "mismatched IKE key and certificate" 5 "does not match" ctl "$UADM" ipsec.credentials \
	cert=@"$PUB/cert.pem" key=@"$PUB/cakey.pem" ca=@"$PUB/ca.pem"
cmp -s "$C/ipsec/key.pem" "$PUB/key.pem" && t_ok "a refused credential set leaves the installed one" || t_fail "credentials replaced"
t_exit "escrow.delete with nothing to delete" 1 "no escrow blob" ctl "$UADM" escrow.delete sha256="$ESCROW_SUM"
head -c 118 /dev/urandom > "$ESP/rempart/escrow.bin"
t_exit "escrow.delete before escrow.collect is refused" 1 "never collected" ctl "$UADM" escrow.delete \
	sha256="$(sha256sum "$ESP/rempart/escrow.bin" | cut -d' ' -f1)"
[ -e "$ESP/rempart/escrow.bin" ] && t_ok "the uncollected blob is still there" || t_fail "uncollected blob deleted"
ctl "$UAUD" logs.read max=3 >"$T_TMP/logs.out" 2>&1
grep -q "audit test entry 20" "$T_TMP/logs.out" && grep -q "audit test entry 18" "$T_TMP/logs.out" &&
	! grep -q "audit test entry 17" "$T_TMP/logs.out" &&
	t_ok "logs.read returns the last entries of the store" || t_fail "logs.read"
ctl "$UAUD" --json check.run >"$T_TMP/check" 2>&1
jq -e '.result.output | fromjson | .mode == "live"' "$T_TMP/check" >/dev/null &&
	t_ok "check.run passes rempart-check --json through" || t_fail "check.run output"

# --- malformed frames: answered "invalid", connection closed, daemon alive ----
raw() { # raw USER PRINTF-FORMAT: sends the bytes, prints the answer's JSON body
	as "$1" socat -t 5 - UNIX-CONNECT:"$SOCK" < <(printf "$2") 2>/dev/null | tail -c +5
}
check_raw() { # check_raw NAME FORMAT REGEX
	local out
	out=$(timeout 15 bash -c "$(declare -f as raw); SOCK='$SOCK'; raw '$UUSR' '$2'")
	if grep -Eq -- "$3" <<<"$out" && kill -0 "$PID" 2>/dev/null; then t_ok "$1"; else t_fail "$1: $out"; fi
}
check_body() { # check_body NAME BODY REGEX: BODY framed with its exact length
	local n
	n=$(printf "$2" | wc -c)
	check_raw "$1" "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((n >> 24)) $(((n >> 16) & 255)) $(((n >> 8) & 255)) $((n & 255)))$2" "$3"
}
check_raw "frame longer than the maximum" '\xff\xff\xff\xff' '"status":"invalid".*larger than the maximum'
check_raw "zero-length frame" '\x00\x00\x00\x00' '"status":"invalid".*short or empty'
check_raw "truncated frame" '\x00\x00\x00\x40{"verb":' '"status":"invalid".*short or empty'
check_body "not JSON" 'not json' '"status":"invalid".*malformed request'
check_body "nested object" '{"verb":{"name":"status"}}' '"status":"invalid".*nested'
check_body "duplicate member" '{"verb":"status","verb":"network.set"}' '"status":"invalid".*duplicate key'
check_body "trailing bytes" '{"verb":"status"} x' '"status":"invalid".*trailing bytes'
check_body "NUL in a string" '{"verb":"sta\x00tus"}' '"status":"invalid".*control character'
check_body "invalid UTF-8" '{"verb":"st\xc0\xafatus"}' '"status":"invalid".*UTF-8'
check_body "a float" '{"verb":"logs.read","max":1.5}' '"status":"invalid".*integers'
check_body "unknown verb" '{"verb":"reboot"}' '"status":"invalid".*unknown verb'
check_body "a well-formed frame is answered" '{"verb":"status"}' '"status":"ok".*"role":"user"'
# a client that connects and sends nothing does not hold the others up
as "$UUSR" socat -t 20 - UNIX-CONNECT:"$SOCK" < <(sleep 12) >/dev/null 2>&1 &
SILENT=$!
sleep 0.5
start=$(date +%s)
t_exit "a silent client does not block the others" 0 "" ctl "$UUSR" status
[ $(( $(date +%s) - start )) -lt 5 ] && t_ok "answered while a silent client is connected" || t_fail "blocked by a silent client"
kill -0 "$PID" 2>/dev/null && t_exit "the daemon still serves after malformed frames" 0 "" ctl "$UUSR" status ||
	t_fail "rempart-admind died"
# the silent client is cut off by the daemon's 10 s request limit
for ((i = 0; i < 150; i++)); do kill -0 "$SILENT" 2>/dev/null || break; sleep 0.1; done
grep -q "no complete request within the time limit" "$T_TMP/admind.log" &&
	t_ok "the silent client was disconnected after the time limit" || t_fail "silent client not timed out"

t_done
