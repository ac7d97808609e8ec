#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# rempart-cage on the host: the cage's own behaviour, then every escape
# vector of tests/escape/ run inside a cage (each must fail with its
# expected errno and report it), then the side effects outside the cage
# (host mounts, hostname, processes, listener, files) must be unchanged.
# Needs root (namespaces, cgroup v2, mounts). Usage: cage-escape.sh BUILD_DIR
set -uo pipefail
BUILD=${1:?usage: cage-escape.sh BUILD_DIR}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T_NAME=cage-escape
. "$ROOT/tests/lib/tap.sh"
. "$ROOT/tests/lib/cage-profile.sh"

CAGE=$BUILD/src/cage/rempart-cage
DIODE=$BUILD/src/diode/rempart-diode
ESC=$BUILD/tests/unit/cage
CUID=60171 HUID=60172
NETNS=rempart-tesc

if [ "$(id -u)" != 0 ]; then t_fail "needs root"; t_done; exit; fi
if [ ! -x "$CAGE" ] || ! ls "$ESC"/escape-* >/dev/null 2>&1; then
	t_fail "build $BUILD first (rempart-cage and the escape vectors)"; t_done; exit
fi

W=$(mktemp -d /var/tmp/rempart-cage-escape.XXXXXX)
SLEEP_PID= LISTEN_PID=
cleanup() {
	[ -n "$SLEEP_PID" ] && kill "$SLEEP_PID" 2>/dev/null
	[ -n "$LISTEN_PID" ] && kill "$LISTEN_PID" 2>/dev/null
	ip netns del $NETNS 2>/dev/null
	rm -rf "$W" "$T_TMP"
}
trap cleanup EXIT

# The environment: a read-only tree with the vectors, a setuid-root copy
# of one of them, a writable home for the "low" level, and a "high"
# level's secret that must stay out of reach.
mkdir -p "$W/opt" "$W/suid" "$W/low/home/outbox" "$W/high/home" "$W/high/inbox"
for f in "$ESC"/escape-*; do [ -f "$f" ] && cp "$f" "$W/opt/"; done
cp "$ESC/escape-setuid-bin" "$W/suid/" && chown root:root "$W/suid/escape-setuid-bin" && chmod 4755 "$W/suid/escape-setuid-bin"
chown -R $CUID:$CUID "$W/low/home"
echo "high secret" > "$W/high/home/secret"; chown -R $HUID:$HUID "$W/high"; chmod 700 "$W/high/home"
echo "outside" > "$W/leak"

cat > "$W/low.profile" <<EOF
# escape-suite profile: the "low" level's shape with the test tree added
name = tesc
uid = $CUID
gid = $CUID
ro = /usr
symlink = usr/bin /bin
symlink = usr/lib /lib
symlink = usr/lib64 /lib64
symlink = usr/sbin /sbin
ro = /etc/ld.so.cache
ro = /etc/passwd
ro = $W/opt /opt/escape
ro = $W/suid /opt/suid
home = $W/low/home /home/user
tmpfs = /tmp
cwd = /home/user
syscalls = @basic @network
rlimit-nproc = 48
rlimit-as = 768M
rlimit-nofile = 1024
EOF

run_cage() { "$CAGE" run "$W/low.profile" -- "$@"; }

# --- the cage itself ---------------------------------------------------
t_run "check accepts the suite's profile" "$CAGE" check "$W/low.profile"
printf 'name = x\nuid = 0\n' > "$W/bad.profile"
t_exit "check refuses uid 0 and names the line" 2 'line 2: uid must be' "$CAGE" check "$W/bad.profile"
t_exit "run refuses an invalid profile before doing anything" 125 'invalid profile' \
	"$CAGE" run "$W/bad.profile" -- /bin/true
t_run "run /bin/true" run_cage /bin/true
run_cage /bin/sh -c 'exit 7'; rc=$?
[ $rc = 7 ] && t_ok "program's exit status passed through" || t_fail "exit status $rc, wanted 7"
t_exit "missing program: 127 and reported" 127 'cannot execute /nonexistent' run_cage /nonexistent
out=$(run_cage /bin/sh -c 'id -u; id -g; grep -E "^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):" /proc/self/status; hostname; cat /proc/self/cgroup | tail -1' 2>&1)
if grep -qx "$CUID" <<<"$out" && ! grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb):' <<<"$out" | grep -vq '0000000000000000' &&
	grep -q 'NoNewPrivs:.1' <<<"$out" && grep -q 'Seccomp:.2' <<<"$out" && grep -qx tesc <<<"$out" && grep -qx '0::/' <<<"$out"; then
	t_ok "unprivileged uid, every capability set empty, no_new_privs, seccomp, own hostname and cgroup namespace"
else
	t_fail "identity inside the cage"; sed 's/^/#   /' <<<"$out"
fi
out=$(run_cage /bin/sh -c 'ls /; ls /dev; ls /proc' 2>&1)
if grep -qx usr <<<"$out" && ! grep -qx sys <<<"$out" && ! grep -qx sda <<<"$out" && grep -qx urandom <<<"$out" &&
	[ "$(grep -cE '^[0-9]+$' <<<"$out")" -le 3 ]; then
	t_ok "tmpfs root with only the profile's tree, minimal /dev, /proc shows only the cage's processes"
else
	t_fail "cage file system view"; sed 's/^/#   /' <<<"$out" | head -20
fi
out=$(run_cage /bin/sh -c 'ip -o link | wc -l' 2>&1)
[ "$(tail -1 <<<"$out")" = 1 ] && t_ok "network none: only lo in the cage" || { t_fail "network none"; echo "# $out"; }

exec 7<"$W/leak" 8>>"$W/leak"
t_run "named descriptor --keep-fd 7 reaches the program" "$CAGE" run --keep-fd 7 "$W/low.profile" -- /bin/sh -c 'read l <&7 && [ "$l" = outside ]'
exec 7<&- 8>&-

# A home replaced by a symbolic link (the level owns what is inside its
# tree) is refused rather than followed.
mkdir -p "$W/elsewhere"; ln -s "$W/elsewhere" "$W/linkhome"
sed "s|^home = .*|home = $W/linkhome /home/user|" "$W/low.profile" > "$W/linkhome.profile"
t_exit "home given as a symbolic link: refused, reported" 125 'not a symbolic link' \
	"$CAGE" run "$W/linkhome.profile" -- /bin/true

# Dies with its launcher: SIGKILL the launcher, the whole cage must go.
"$CAGE" run "$W/low.profile" -- /bin/sleep 300 & LPID=$!
for _ in $(seq 50); do pgrep -u $CUID -x sleep >/dev/null && break; sleep 0.1; done
kill -9 $LPID; wait $LPID 2>/dev/null
for _ in $(seq 50); do pgrep -u $CUID >/dev/null || break; sleep 0.1; done
pgrep -u $CUID >/dev/null && t_fail "cage processes survived their launcher" || t_ok "cage dies with its launcher (SIGKILL)"
# SIGTERM to the launcher reaches the program (exit 143 = 128 + 15).
"$CAGE" run "$W/low.profile" -- /bin/sleep 300 & LPID=$!
for _ in $(seq 50); do pgrep -u $CUID -x sleep >/dev/null && break; sleep 0.1; done
kill -TERM $LPID; wait $LPID; rc=$?
[ $rc = 143 ] && t_ok "SIGTERM forwarded to the program (exit 143)" || t_fail "SIGTERM: launcher exit $rc"

# cgroup v2: the host may have its memory/pids controllers on cgroup v1
# (hybrid); a profile asking for those limits must then fail closed.
CG2=$(awk '$3=="cgroup2"{print $2; exit}' /proc/mounts)
cp "$W/low.profile" "$W/limits.profile"; printf 'memory-max = 256M\npids-max = 32\n' >> "$W/limits.profile"
if [ -n "$CG2" ] && grep -qw memory "$CG2/cgroup.controllers" && grep -qw pids "$CG2/cgroup.controllers"; then
	# Read the limits from outside while the cage runs, then let the
	# pids limit (not RLIMIT_NPROC, removed here) stop a fork bomb.
	"$CAGE" run "$W/limits.profile" -- /bin/sleep 5 & LPID=$!
	d=
	for _ in $(seq 50); do d=$(ls -d "$CG2"/rempart.slice/tesc.$LPID 2>/dev/null) && [ -n "$d" ] && break; sleep 0.1; done
	mem=$(cat "$d/memory.max" 2>/dev/null) pids=$(cat "$d/pids.max" 2>/dev/null)
	kill -TERM $LPID; wait $LPID 2>/dev/null
	[ "$mem" = 268435456 ] && [ "$pids" = 32 ] && t_ok "cgroup v2 limits applied (memory.max, pids.max read from outside)" ||
		t_fail "cgroup limits: memory.max '$mem', pids.max '$pids' in '$d'"
	sed -i '/^rlimit-nproc/d' "$W/limits.profile"
	out=$("$CAGE" run "$W/limits.profile" -- /opt/escape/escape-fork-bomb 2>&1); rc=$?
	[ $rc = 0 ] && grep -q 'blocked fork() beyond the limit: EAGAIN' <<<"$out" &&
		t_ok "fork bomb stopped by pids.max: $(head -1 <<<"$out")" || { t_fail "fork bomb under pids.max (exit $rc)"; echo "# $out"; }
else
	t_exit "memory/pids limits without a cgroup2 controller: fail closed, say why" 125 \
		'offers only .*(v1|unified)' "$CAGE" run "$W/limits.profile" -- /bin/true
fi
# The next start also removes the cgroup the SIGKILLed launcher above
# could not (once the kernel has emptied it).
for _ in $(seq 10); do
	run_cage /bin/true
	leftover=$(find "$CG2/rempart.slice" -mindepth 1 -maxdepth 1 -name 'tesc.*' 2>/dev/null | wc -l)
	[ "$leftover" = 0 ] && break
	sleep 0.3
done
[ "$leftover" = 0 ] && t_ok "cage cgroups removed after exit" || t_fail "$leftover cgroups left in $CG2/rempart.slice"

# --- escape vectors ----------------------------------------------------
LANDLOCK=$("$CAGE" check --json "$W/low.profile" | sed -n 's/.*"landlock_abi": *\([0-9]*\).*/\1/p')
sleep 300 & SLEEP_PID=$!
PORT=$((20000 + RANDOM % 20000))
python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); s.settimeout(120)
c, a = s.accept(); open(sys.argv[2], "w").write("connected\n")' "$PORT" "$W/listener-hit" &
LISTEN_PID=$!
HOST_HOST=$(hostname)
# The host's mounts that the vectors aim at (others on this shared machine
# may mount their own things meanwhile, so only these are compared).
host_mounts() { awk '$5=="/" || $5=="/usr" || $5=="/proc" || $5=="/tmp" || $5=="/sys" || $5=="/dev" {print $5, $6}' /proc/self/mountinfo | sort; }
MOUNTS_BEFORE=$(host_mounts)
exec 9>"$W/leak-w"

# The expectation table (arguments, applicability, verdict) is shared
# with tests/vm/levels.sh, which runs the same vectors in the image.
. "$ROOT/tests/escape/expect.sh"
ESC_HOST_PID=$SLEEP_PID ESC_PORT=$PORT ESC_OTHER_FILE=$W/high/home/secret ESC_OUTBOX=/home/user/outbox
ESC_LANDLOCK=${LANDLOCK:-0}

nvec=0
for exe in "$W"/opt/escape-*; do
	v=${exe##*/escape-}
	escape_applies "$v" none || continue
	nvec=$((nvec + 1))
	# shellcheck disable=SC2046
	out=$(timeout 60 "$CAGE" run "$W/low.profile" -- /opt/escape/escape-$v $(escape_args "$v") 2>&1); rc=$?
	if escape_judge "$v" $rc "$out"; then
		t_ok "vector $v: $(grep '^blocked' <<<"$out" | tr '\n' ';' | cut -c1-150)"
	else
		t_fail "vector $v (exit $rc)"; sed 's/^/#   /' <<<"$out"
	fi
done
nvec=$((nvec + 1))
out=$("$CAGE" run "$W/low.profile" -- /opt/suid/escape-setuid-bin 2>&1); rc=$?
[ $rc = 0 ] && grep -q '^blocked' <<<"$out" && t_ok "vector setuid-bin (setuid root on a nosuid bind): $out" ||
	{ t_fail "vector setuid-bin (exit $rc)"; echo "# $out"; }
exec 9>&-
[ $nvec -ge 30 ] && t_ok "$nvec escape vectors ran (at least 30)" || t_fail "only $nvec vectors"

# --- no side effect outside -------------------------------------------
kill -0 "$SLEEP_PID" 2>/dev/null && t_ok "host process survived kill/ptrace from the cage" || t_fail "host process killed"
[ "$(hostname)" = "$HOST_HOST" ] && t_ok "host hostname unchanged" || t_fail "hostname changed to $(hostname)"
if [ "$(host_mounts)" = "$MOUNTS_BEFORE" ] && ! grep -qE "cage-(root|tmp|dev|shm)|$W" /proc/self/mountinfo; then
	t_ok "host mount table unchanged (/, /usr, /proc, /tmp, /sys, /dev; no cage mount leaked)"
else
	t_fail "host mounts changed"; diff <(echo "$MOUNTS_BEFORE") <(host_mounts) | sed 's/^/#   /'
fi
[ ! -e "$W/listener-hit" ] && t_ok "host listener on 127.0.0.1:$PORT never reached" || t_fail "the cage reached the host listener"
[ "$(cat "$W/leak")" = outside ] && [ ! -s "$W/leak-w" ] && t_ok "files behind leaked descriptors untouched" || t_fail "leaked file modified"
sleep 0.2
left=$(pgrep -u $CUID | wc -l)
[ "$left" = 0 ] && t_ok "no process of the cage's uid left (fork bomb contained)" || t_fail "$left processes of uid $CUID left"
[ "$(cat "$W/high/home/secret")" = "high secret" ] && t_ok "other level's file intact" || t_fail "other level's file changed"

# TIOCSTI for real: the cage's stdin is a pty slave; after the vector ran,
# nothing may be waiting in that terminal's input queue (what the parent
# shell would have read and run, CVE-2017-5226).
out=$(python3 - "$CAGE" "$W/low.profile" <<'PY' 2>&1
import os, pty, select, subprocess, sys, termios
m, s = pty.openpty()
attrs = termios.tcgetattr(s); attrs[3] &= ~termios.ICANON; termios.tcsetattr(s, termios.TCSANOW, attrs)
r = subprocess.run([sys.argv[1], "run", sys.argv[2], "--", "/opt/escape/escape-tiocsti"], stdin=s, stdout=s, stderr=s)
out = b""
while select.select([m], [], [], 0.2)[0]:
    out += os.read(m, 4096)
pending = b""
os.set_blocking(s, False)
try:
    pending = os.read(s, 4096)
except BlockingIOError:
    pass
print("rc=%d pending=%r" % (r.returncode, pending))
print(out.decode(errors="replace"))
PY
)
grep -q "rc=0 pending=b''" <<<"$out" && grep -q 'blocked ioctl(0, TIOCSTI): EPERM' <<<"$out" &&
	t_ok "TIOCSTI on a real terminal: refused, nothing queued in the terminal's input" ||
	{ t_fail "TIOCSTI on a real terminal"; sed 's/^/#   /' <<<"$out"; }

# The diode-links vector planted a symlink to /etc/shadow, a hard link
# and a FIFO in the outbox: the diode must refuse all three, report each
# and deliver nothing.
if [ -x "$DIODE" ]; then
	out=$("$DIODE" pass --from "$W/low/home/outbox" --to "$W/high/inbox" --direction up --owner $HUID:$HUID 2>&1); rc=$?
	if [ $rc = 1 ] && grep -q "refused 'shadow': symbolic link" <<<"$out" && grep -q "refused 'hardlink': hard link" <<<"$out" &&
		grep -q "refused 'fifo': not a regular file" <<<"$out" && [ -z "$(ls -A "$W/high/inbox")" ]; then
		t_ok "diode refuses the symlink, hard link and FIFO planted from the cage, inbox empty"
	else
		t_fail "diode against planted links (exit $rc)"; sed 's/^/#   /' <<<"$out"
	fi
fi

# --- network = level: veth into the level's namespace + nftables -------
if ip netns add $NETNS 2>/dev/null; then
	ip netns exec $NETNS ip link set lo up
	{ level_net_profile tescnet "$CUID" tesc 10.231.7
	  echo "nft = ip daddr 10.231.7.1 tcp dport 8080 accept"; } > "$W/net.profile"
	ip netns exec $NETNS python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 8080)); s.listen(); s.settimeout(30)
c, a = s.accept(); open(sys.argv[1], "w").write(c.recv(64).decode())' "$W/level-hit" &
	LP=$!
	for _ in $(seq 50); do ip netns exec $NETNS ss -ltn 2>/dev/null | grep -q ':8080' && break; sleep 0.1; done
	out=$(timeout 30 "$CAGE" run "$W/net.profile" -- /bin/bash -c \
		'echo hello-level > /dev/tcp/10.231.7.1/8080 && echo allowed; echo x 2>/dev/null > /dev/tcp/10.231.7.1/8081 || echo refused-8081; echo x 2>/dev/null > /dev/udp/10.231.7.1/53 || echo refused-udp' 2>&1)
	wait $LP 2>/dev/null
	if grep -q allowed <<<"$out" && grep -q refused-8081 <<<"$out" && grep -q refused-udp <<<"$out" &&
		[ "$(cat "$W/level-hit" 2>/dev/null)" = "hello-level" ]; then
		t_ok "network level: veth reaches the level namespace, nft allows only the profile's rule"
	else
		t_fail "network level"; sed 's/^/#   /' <<<"$out"
	fi
	ip netns del $NETNS
else
	t_fail "cannot create network namespace $NETNS"
fi

# --- the shipped level profiles (products/rempart/cages) ---------------
# Paths of the image mapped onto the test tree; limits this host's cgroup2
# cannot enforce are dropped (their refusal is tested above).
for lvl in high low; do
	uid=$(sed -n 's/^uid = //p' "$ROOT/products/rempart/cages/$lvl.profile")
	mkdir -p "$W/levels/$lvl/home"; chown "$uid:$uid" "$W/levels/$lvl/home"
	sed -e "s|/usr/share/rempart/levels|$ROOT/products/rempart/levels|; s|/var/lib/rempart/levels|$W/levels|" \
		-e "s|^net-level = low|net-level = tesc|" "$ROOT/products/rempart/cages/$lvl.profile" > "$W/$lvl.profile"
	for c in memory pids cpu; do
		grep -qw $c "$CG2/cgroup.controllers" 2>/dev/null || sed -i "/^$c-/d" "$W/$lvl.profile"
	done
done
out=$("$CAGE" run "$W/high.profile" -- /bin/sh -c 'id -un; id -u; ip -o link | wc -l; touch ~/x && echo home-ok' 2>&1)
[ "$(tr '\n' ' ' <<<"$out")" = "user 60200 1 home-ok " ] && t_ok "shipped high profile: own account, no network, writable home" ||
	{ t_fail "shipped high profile"; sed 's/^/#   /' <<<"$out"; }
if ip netns add $NETNS 2>/dev/null; then
	ip netns exec $NETNS ip link set lo up
	out=$("$CAGE" run "$W/low.profile" -- /bin/sh -c 'id -u; ip -o -4 addr show eth0 | grep -o "inet [0-9./]*"; cat /etc/resolv.conf; echo x 2>/dev/null >/dev/tcp/10.77.1.1/22 || echo ssh-refused' 2>&1)
	ip netns del $NETNS
	if grep -qx 60100 <<<"$out" && grep -q 'inet 10.77.1.2/24' <<<"$out" && grep -q 'nameserver 10.77.1.1' <<<"$out"; then
		t_ok "shipped low profile: own account, eth0 10.77.1.2/24 in the level namespace, level resolver"
	else
		t_fail "shipped low profile"; sed 's/^/#   /' <<<"$out"
	fi
fi

t_done
