# SPDX-License-Identifier: GPL-2.0-or-later
# Cage profiles for the host suites (sourced).

# level_net_profile NAME UID LEVEL NET: a cage running as UID with /usr
# read-only and the network of level LEVEL: its address NET.2/24, the
# level's end NET.1 as peer and gateway. Callers append their nft and
# uplink lines.
level_net_profile() {
	cat <<EOF
name = $1
uid = $2
gid = $2
ro = /usr
symlink = usr/bin /bin
symlink = usr/lib /lib
symlink = usr/lib64 /lib64
ro = /etc/ld.so.cache
syscalls = @basic @network
network = level
net-level = $3
net-address = $4.2/24
net-peer = $4.1/24
net-gateway = $4.1
EOF
}
