# Level "high": sensitive work, no network at all (an empty network
# namespace, loopback only). Files leave only through the diode, with a
# confirmation and encrypted to the recipient's key (docs/diode.md).
name = high
uid = 60200
gid = 60200
hostname = high

ro = /usr
symlink = usr/bin /bin
symlink = usr/sbin /sbin
symlink = usr/lib /lib
symlink = usr/lib64 /lib64
ro = /etc/ld.so.cache
ro = /etc/fonts /etc/fonts optional
ro = /etc/localtime /etc/localtime optional
ro = /usr/share/rempart/levels/high/passwd /etc/passwd
ro = /usr/share/rempart/levels/high/group /etc/group

home = /var/lib/rempart/levels/high/home /home/user
tmpfs = /tmp
tmpfs = /run/user
tmpfs-size = 256M
cwd = /home/user
env = LANG=C.UTF-8
env = XDG_RUNTIME_DIR=/run/user
proc = pid-only

# Local sockets (AF_UNIX) only matter here; the namespace has no route out.
syscalls = @basic @network
seccomp-default = errno
landlock = required

memory-max = 2G
pids-max = 512
cpu-weight = 100
rlimit-nofile = 4096
rlimit-core = 0

network = none
