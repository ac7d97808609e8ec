# SPDX-License-Identifier: GPL-2.0-or-later
# The escape suite's expectation table, shared by tests/host/cage-escape.sh
# (cages on the development machine) and tests/vm/levels.sh (the image's
# own level cages). Source it; set before calling:
#   ESC_HOST_PID    a process outside the cage (ptrace, kill-host)
#   ESC_PORT        a TCP port listening on the outside's 127.0.0.1 (net-none)
#   ESC_OTHER_FILE  another level's file (other-level)
#   ESC_OUTBOX      the level's outbox inside the cage (diode-links)
#   ESC_LANDLOCK    Landlock ABI of the kernel, 0 without (mknod)
#   ESC_MEMORY      what bounds the cage's memory: rlimit (RLIMIT_AS, the
#                   default: malloc fails with ENOMEM) or cgroup (memory.max
#                   without RLIMIT_AS, the image's level profiles: the
#                   kernel's OOM killer stops the hog inside its cgroup)

# escape_args VECTOR: the vector's arguments.
escape_args() {
	case $1 in
	ptrace | kill-host) echo "$ESC_HOST_PID" ;;
	other-level) echo "$ESC_OTHER_FILE" ;;
	net-none) echo "$ESC_PORT" ;;
	diode-links) echo "${ESC_OUTBOX:-/home/user/outbox}" ;;
	# Landlock handles MAKE_CHAR and never grants it: EACCES before the
	# capability check's EPERM
	mknod) [ "${ESC_LANDLOCK:-0}" -gt 0 ] && echo EACCES || echo EPERM ;;
	esac
}

# escape_applies VECTOR NETWORK: does the vector apply to a cage whose
# profile has network NETWORK (none|level)? net-none and net-uplink (no
# arguments) expect no route out: a level with a network has one by design
# (its uplink has its own tests). setuid-bin needs a setuid-root copy the
# host suite makes (an image carries no setuid file at all).
escape_applies() {
	case $1 in
	net-none | net-uplink) [ "$2" = none ] ;;
	setuid-bin) return 1 ;;
	*) return 0 ;;
	esac
}

# escape_judge VECTOR STATUS OUTPUT: 0 when the vector's outcome is the
# expected one (it printed "blocked ..." and exited 0, nothing ESCAPE or
# UNEXPECTED; diode-links plants links for the diode instead).
escape_judge() {
	local v=$1 rc=$2 out=$3
	if [ "$v" = memory-hog ] && [ "${ESC_MEMORY:-rlimit}" = cgroup ]; then
		# SIGKILL (128 + 9 from rempart-cage), never an allocation beyond
		[ "$rc" = 137 ] && ! grep -q '^ESCAPE' <<<"$out"
	elif [ "$v" = diode-links ]; then
		grep -q '^blocked' <<<"$out" && grep -q planted <<<"$out" && [ "$rc" = 0 ]
	else
		[ "$rc" = 0 ] && grep -q '^blocked' <<<"$out" && ! grep -qE '^(ESCAPE|UNEXPECTED)' <<<"$out"
	fi
}
