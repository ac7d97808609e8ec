# Level "low": untrusted documents and web browsing (docs/cage.md).
# Network through the level's own namespace (rempart-low), filtered by the
# rules below; everything else is refused at once (reject, not drop).
name = low
uid = 60100
gid = 60100
hostname = low

# The environment's tree, read-only (the image's /usr is dm-verity).
ro = /usr
symlink = usr/bin /bin
symlink = usr/sbin /sbin
symlink = usr/lib /lib
symlink = usr/lib64 /lib64
ro = /etc/ld.so.cache
ro = /etc/ssl /etc/ssl optional
ro = /etc/ca-certificates /etc/ca-certificates optional
ro = /etc/fonts /etc/fonts optional
ro = /etc/localtime /etc/localtime optional
# The level's own account and resolver, not the host's.
ro = /usr/share/rempart/levels/low/passwd /etc/passwd
ro = /usr/share/rempart/levels/low/group /etc/group
ro = /usr/share/rempart/levels/low/resolv.conf /etc/resolv.conf optional

# Writable home on the state partition (noexec, nosuid, nodev), holding
# the diode's outbox and inbox.
home = /var/lib/rempart/levels/low/home /home/user
tmpfs = /tmp
tmpfs = /run/user
tmpfs-size = 256M
cwd = /home/user
env = LANG=C.UTF-8
env = XDG_RUNTIME_DIR=/run/user
proc = pid-only

syscalls = @basic @network
seccomp-default = errno
landlock = required

memory-max = 2G
pids-max = 512
cpu-weight = 50
rlimit-nofile = 4096
rlimit-core = 0

network = level
net-level = low
net-address = 10.77.1.2/24
net-peer = 10.77.1.1/24
net-gateway = 10.77.1.1
# DNS through the level's gateway only; no private ranges; the web.
nft = ip daddr 10.77.1.1 udp dport 53 accept
nft = ip daddr 10.77.1.1 tcp dport 53 accept
nft = ip daddr 10.0.0.0/8 reject
nft = ip daddr 172.16.0.0/12 reject
nft = ip daddr 192.168.0.0/16 reject
nft = ip daddr 169.254.0.0/16 reject
nft = ip daddr 127.0.0.0/8 reject
nft = tcp dport 443 accept
nft = tcp dport 80 accept
# The level's uplink (rempart-netcfg level-ns low --profile this file, run
# by rempart-netns@low.service; docs/net.md): veth rl-low 10.77.0.1 in the
# host's namespace, "uplink" 10.77.0.2 in rempart-low, NAT to the outside.
# The same allow-list in both namespaces; the host itself, link-local,
# loopback, multicast and the other levels are always refused, and so are
# the private ranges below.
uplink = 10.77.0.1/30 10.77.0.2/30
uplink-allow = tcp 80 443 53
uplink-allow = udp 53
uplink-deny = 10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 100.64.0.0/10
