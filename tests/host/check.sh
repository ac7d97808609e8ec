#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# rempart-check on this host (a non-hardened machine: what it lacks is
# reported), on crafted disk images (GPT via sfdisk, FAT ESP via mkfs.vfat
# and mtools, squashfs via mksquashfs, verity via rempart-verity, UKI via
# objcopy + sbsign) and trees, and on a live fixture (--sysroot): every
# planted weakness must be reported FAIL by name, and a clean image passes.
# Usage: check.sh BUILD_DIR
set -u
BUILD=$(realpath "${1:?build dir}")
RC=$BUILD/src/check/rempart-check
RV=$BUILD/src/verity/rempart-verity
SRC=$(cd "$(dirname "$0")/../.." && pwd)
PROD=$SRC/products/rempart
. "$(dirname "$0")/../lib/tap.sh"
cd "$T_TMP"

# row ID FILE: prints "STATUS" of a check in a JSON report
status() { jq -r --arg id "$1" '.checks[] | select(.id == $id) | .status' "$2"; }
# t_status NAME FILE ID WANT
t_status() {
	local got
	got=$(status "$3" "$2")
	if [ "$got" = "$4" ]; then t_ok "$1: $3 $4"; else t_fail "$1: $3 is '${got:-absent}', wanted $4"; fi
}
# t_detail NAME FILE ID REGEX: a detail line of the row matches
t_detail() {
	if jq -r --arg id "$3" '.checks[] | select(.id == $id) | .details[]?' "$2" | grep -Eq -- "$4"; then
		t_ok "$1: $3 names $4"; else t_fail "$1: $3 does not name $4"; fi
}
# rc_is NAME WANT CMD...: exit status, output kept in out.json / err
rc_is() {
	local name=$1 want=$2 rc=0; shift 2
	"$@" > out.json 2> err || rc=$?
	if [ "$rc" -eq "$want" ]; then t_ok "$name: exit $want"; else t_fail "$name: exit $rc, wanted $want"; sed 's/^/#   /' err | tail -5; fi
}

# ---------------------------------------------------------------- host
rc_is "host live run" 1 "$RC" --json --exclude /work --exclude /tmp --exclude /var/tmp --exclude /root --exclude /home
cp out.json host.json
if jq -e '.mode == "live" and .passed == false and (.checks | length) > 30' host.json >/dev/null; then
	t_ok "host: JSON report with every section"; else t_fail "host: JSON report"; fi
if [ -d /sys/firmware/efi ]; then
	t_ok "host: booted through UEFI (Secure Boot row depends on the firmware)"
else
	t_status host host.json boot.secureboot FAIL
	jq -r '.checks[] | select(.id=="boot.secureboot") | .found' host.json | grep -q "not booted through UEFI" &&
		t_ok "host: says it was not booted through UEFI" || t_fail "host: Secure Boot reason"
fi
SUID=$(find /usr/bin /usr/sbin -xdev -type f -perm -4000 2>/dev/null | head -1)
if [ -n "$SUID" ]; then
	t_status host host.json suid.none FAIL
	t_detail host host.json suid.none "^$SUID "
fi
grep -q '^NoNewPrivs:[[:space:]]*1' /proc/1/status || t_status host host.json pid1.nonewprivs FAIL
findmnt -n -o OPTIONS / | tr , '\n' | grep -qx rw && t_status host host.json mount:/ FAIL
t_status host host.json root.verity FAIL
if [ -e /proc/modules ] && [ "$(cat /proc/sys/kernel/modules_disabled)" != 1 ]; then
	t_status host host.json kernel.modules_disabled FAIL
fi
t_status host host.json expect.files FAIL  # no /usr/share/rempart/hardening on a plain host
rc_is "host table output" 1 "$RC" --no-scan
grep -Eq '^boot.secureboot +.*(FAIL|OK)' out.json && grep -Eq 'checks: [0-9]+ OK, [0-9]+ FAIL' out.json &&
	t_ok "host: table with a summary line" || t_fail "host: table output"

# ---------------------------------------------------------------- bad input
rc_is "missing image" 2 "$RC" --image /nonexistent.img
printf 'na platform.iommu\n' > bad.profile
rc_is "profile waiver without a reason" 2 "$RC" --profile bad.profile --no-scan
grep -q "line 1" err && t_ok "bad profile: line reported" || t_fail "bad profile: line reported"
head -c 1048576 /dev/zero > zero.img
rc_is "image without GPT" 1 "$RC" --image zero.img --json
t_status "no GPT" out.json gpt.table FAIL

# ---------------------------------------------------------------- build pieces
cat > good.c <<'C'
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) { char b[64]; strncpy(b, argc > 1 ? argv[1] : "x", sizeof(b) - 1); b[63] = 0; puts(b); return 0; }
C
cat > wx.c <<'C'
__attribute__((section(".wxcode,\"awx\",@progbits#"))) unsigned char wx_area[16] = { 0xc3 };
int main(void) { return wx_area[0] == 0xc3 ? 0 : 1; }
C
HARD="-O2 -fPIE -pie -fstack-protector-strong -D_FORTIFY_SOURCE=2 -Wl,-z,relro,-z,now -Wl,-z,noexecstack"
cc $HARD -o good good.c && cc $HARD -o wx wx.c 2>/dev/null && cc -O2 -no-pie -fno-pie -Wl,-z,norelro -Wl,-z,execstack -o weak good.c 2>/dev/null ||
	{ t_fail "cannot build test binaries"; t_done; exit; }

mktree() { # DIR KIND(good|bad)
	local d=$1
	mkdir -p "$d/usr/bin" "$d/etc" "$d/usr/lib/sysctl.d" "$d/usr/share/rempart/hardening" "$d/var" "$d/data"
	cp good "$d/usr/bin/good"
	cp "$PROD"/hardening/{cmdline,sysctl.conf,capabilities} "$d/usr/share/rempart/hardening/"
	echo "tmpfs /tmp tmpfs nosuid,nodev,noexec,mode=1777 0 0" > "$d/etc/fstab"
	if [ "$2" = good ]; then
		cp "$PROD/hardening/sysctl.conf" "$d/usr/lib/sysctl.d/99-rempart.conf"
	else
		grep -v '^kernel.kptr_restrict' "$PROD/hardening/sysctl.conf" > "$d/usr/lib/sysctl.d/99-rempart.conf"
		cp wx "$d/usr/bin/wx"
		cp weak "$d/usr/bin/weak"
		cp good "$d/usr/bin/suidprog" && chmod 4755 "$d/usr/bin/suidprog"
		echo "tmpfs /data tmpfs rw,nosuid,nodev 0 0" >> "$d/etc/fstab"
	fi
}

openssl req -x509 -newkey rsa:2048 -nodes -keyout db.key -out db.crt -subj /CN=rempart-test-db -days 1 >/dev/null 2>&1
sbsign --key db.key --cert db.crt --output bootx64.efi /usr/lib/systemd/boot/efi/systemd-bootx64.efi >/dev/null 2>&1
head -c 65536 /dev/urandom > linux.bin
printf 'ID=rempart\nVERSION_ID=1.0\n' > osrel

mib() { echo $(( ($1 + 1048575) / 1048576 )); }

# mkimage NAME TREE [unsigned] [editor] [baduuid]: builds NAME.img
mkimage() {
	local name=$1 tree=$2; shift 2
	local unsigned=0 editor=no baduuid=0 flip=0 opt
	for opt in "$@"; do case $opt in unsigned) unsigned=1 ;; editor) editor=yes ;; baduuid) baduuid=1 ;; flip) flip=1 ;; esac; done
	mksquashfs "$tree" "$name.sqfs" -quiet -no-progress -comp gzip -all-root -noappend >/dev/null 2>&1 || return 1
	# -all-root drops ownership, not the mode: the setuid bit stays
	"$RV" format "$name.sqfs" "$name.verity" > "$name.vout" 2>/dev/null || return 1
	local rh; rh=$(sed -n 's/^Root hash:[[:space:]]*//p' "$name.vout")
	{ echo -n "roothash=$rh"; grep -v '^#' "$PROD/hardening/cmdline" | grep . | sed 's/^/ /' | tr -d '\n'; } > "$name.cmdline"
	objcopy --add-section .osrel=osrel --change-section-vma .osrel=0x20000 \
		--add-section .cmdline="$name.cmdline" --change-section-vma .cmdline=0x30000 \
		--add-section .linux=linux.bin --change-section-vma .linux=0x2000000 \
		/usr/lib/systemd/boot/efi/linuxx64.efi.stub "$name.uki.unsigned" || return 1
	if [ $unsigned = 1 ]; then cp "$name.uki.unsigned" "$name.uki"
	else sbsign --key db.key --cert db.crt --output "$name.uki" "$name.uki.unsigned" >/dev/null 2>&1 || return 1; fi
	printf 'timeout 0\neditor %s\n' "$editor" > "$name.loader.conf"
	rm -f "$name.esp"
	mkfs.vfat -C -F 16 -n ESP "$name.esp" 20480 >/dev/null || return 1
	export MTOOLS_SKIP_CHECK=1
	mmd -i "$name.esp" ::/EFI ::/EFI/BOOT ::/EFI/Linux ::/loader &&
	mcopy -i "$name.esp" bootx64.efi ::/EFI/BOOT/BOOTX64.EFI &&
	mcopy -i "$name.esp" "$name.loader.conf" ::/loader/loader.conf &&
	mcopy -i "$name.esp" "$name.uki" ::/EFI/Linux/rempart_1.0+3.efi || return 1
	local du=${rh:0:8}-${rh:8:4}-${rh:12:4}-${rh:16:4}-${rh:20:12}
	local h=${rh: -32}; local hu=${h:0:8}-${h:8:4}-${h:12:4}-${h:16:4}-${h:20:12}
	[ $baduuid = 1 ] && du=$(cat /proc/sys/kernel/random/uuid)
	local rs vs; rs=$(mib "$(stat -c %s "$name.sqfs")"); vs=$(mib "$(stat -c %s "$name.verity")")
	local total=$(( 1 + 20 + rs + vs + rs + vs + 4 + 1 ))
	rm -f "$name.img"; truncate -s "${total}M" "$name.img"
	sfdisk -q "$name.img" >/dev/null 2>&1 <<EOS || return 1
label: gpt
start=2048, size=$((20 * 2048)), type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="esp"
size=$((rs * 2048)), type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, uuid=$du, name="root-a"
size=$((vs * 2048)), type=2C7357ED-EBD2-46D9-AEC1-23D437EC2BF5, uuid=$hu, name="root-a-verity"
size=$((rs * 2048)), type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, name="root-b"
size=$((vs * 2048)), type=2C7357ED-EBD2-46D9-AEC1-23D437EC2BF5, name="root-b-verity"
size=$((4 * 2048)), type=4D21B016-B534-45C2-A9FB-5C16E091FD2D, name="state"
EOS
	local s
	s=$(sfdisk -d "$name.img" | awk -F'[=,]' '/name="esp"/{print $2+0}'); dd if="$name.esp" of="$name.img" bs=512 seek="$s" conv=notrunc status=none
	s=$(sfdisk -d "$name.img" | awk -F'[=,]' '/name="root-a"/{print $2+0}'); dd if="$name.sqfs" of="$name.img" bs=512 seek="$s" conv=notrunc status=none
	# flip: one byte of data block 1 of root-a changes after the tree was built
	[ $flip = 1 ] && { printf '\x5a' | dd of="$name.img" bs=1 seek=$((s * 512 + 4096 + 17)) conv=notrunc status=none; }
	s=$(sfdisk -d "$name.img" | awk -F'[=,]' '/name="root-a-verity"/{print $2+0}'); dd if="$name.verity" of="$name.img" bs=512 seek="$s" conv=notrunc status=none
}

mktree good-tree good
mktree bad-tree bad
if mkimage good good-tree && mkimage bad bad-tree && mkimage tampered good-tree unsigned editor baduuid &&
	mkimage flipped good-tree flip; then
	t_ok "crafted images built (sfdisk, mkfs.vfat+mtools, mksquashfs, rempart-verity, objcopy+sbsign)"
else
	t_fail "cannot build the crafted images"; t_done; exit
fi

# ---------------------------------------------------------------- clean image passes
rc_is "clean image, vm profile" 0 "$RC" --image good.img --profile "$PROD/check/vm.profile" --json
cp out.json good.json
jq -e '.passed == true and .failures == 0' good.json >/dev/null && t_ok "clean image: passed" ||
	{ t_fail "clean image: passed"; jq -r '.checks[] | select(.status=="FAIL") | "#   \(.id): \(.found)"' good.json; }
for id in gpt:esp gpt:root-a gpt:root-a-verity gpt:root-b gpt:root-b-verity gpt:state esp.bootloader esp.loader esp.uki \
	esp.uki.cmdline root.verity.binding root.verity.tree root.verity.data root.squashfs cmdline.roothash cmdline:lockdown \
	cmdline:mds sysctl:kernel.kptr_restrict mount:/tmp suid.none elf.pie elf.wx elf.bindnow; do
	t_status "clean image" good.json "$id" OK
done
t_status "clean image" good.json boot.secureboot N/A
mkdir -p keys otherkeys && cp db.crt keys/ &&
	openssl req -x509 -newkey rsa:2048 -nodes -keyout otherkeys/db.key -out otherkeys/db.crt -subj /CN=not-ours -days 1 >/dev/null 2>&1
rc_is "clean image, --keys ours" 0 "$RC" --image good.img --profile "$PROD/check/vm.profile" --keys keys --json --no-scan
t_status "signed by our db key" out.json esp.uki.signer OK
t_status "signed by our db key" out.json esp.bootloader.signer OK
rc_is "clean image, --keys of someone else" 1 "$RC" --image good.img --profile "$PROD/check/vm.profile" --keys otherkeys --json --no-scan
t_status "signed by another key" out.json esp.uki.signer FAIL
t_status "signed by another key" out.json esp.bootloader.signer FAIL
t_status "clean image" good.json platform.iommu N/A

# ---------------------------------------------------------------- planted weaknesses, offline
rc_is "bad image" 1 "$RC" --image bad.img --profile "$PROD/check/vm.profile" --json
cp out.json bad.json
t_status "bad image (setuid file)" bad.json suid.none FAIL
t_detail "bad image" bad.json suid.none '^/usr/bin/suidprog \(setuid'
t_status "bad image (W+X ELF)" bad.json elf.wx FAIL
t_detail "bad image" bad.json elf.wx '^/usr/bin/wx$'
t_status "bad image (non-PIE)" bad.json elf.pie FAIL
t_detail "bad image" bad.json elf.pie '^/usr/bin/weak$'
t_status "bad image (executable stack)" bad.json elf.execstack FAIL
t_detail "bad image" bad.json elf.execstack '^/usr/bin/weak$'
t_status "bad image (no RELRO)" bad.json elf.relro FAIL
t_status "bad image (missing sysctl)" bad.json sysctl:kernel.kptr_restrict FAIL
jq -r '.checks[] | select(.id=="sysctl:kernel.kptr_restrict") | .found' bad.json | grep -q "not set" &&
	t_ok "bad image: missing sysctl says 'not set'" || t_fail "bad image: missing sysctl reason"
t_status "bad image (executable writable mount in fstab)" bad.json mount:/data FAIL
jq -r '.checks[] | select(.id=="mount:/data") | .found' bad.json | grep -q "lacks noexec" &&
	t_ok "bad image: mount:/data lacks noexec" || t_fail "bad image: mount reason"
t_status "bad image" bad.json sysctl:kernel.sysrq OK
rc_is "bad image table" 1 "$RC" --image bad.img --profile "$PROD/check/vm.profile"
for id in suid.none elf.wx sysctl:kernel.kptr_restrict mount:/data; do
	grep -Eq "^$id +.*FAIL" out.json && t_ok "bad image table: $id FAIL" || t_fail "bad image table: $id FAIL"
done
grep -q "required check(s) failed" err && t_ok "bad image: failure explained on stderr" || t_fail "bad image: stderr"

rc_is "tampered image" 1 "$RC" --image tampered.img --profile "$PROD/check/vm.profile" --json
cp out.json tampered.json
t_status "tampered image (unsigned UKI)" tampered.json esp.uki FAIL
t_status "tampered image (editor allowed)" tampered.json esp.loader FAIL
t_status "tampered image (root-a UUID not from the roothash)" tampered.json root.verity.binding FAIL
t_status "tampered image" tampered.json esp.bootloader OK

rc_is "root modified after the verity tree was built" 1 "$RC" --image flipped.img --profile "$PROD/check/vm.profile" --json
cp out.json flipped.json
t_status "flipped root byte" flipped.json root.verity.binding OK
t_status "flipped root byte" flipped.json root.verity.data FAIL
jq -r '.checks[] | select(.id=="root.verity.data") | .found' flipped.json | grep -q "block 1" &&
	t_ok "flipped root byte: data block 1 named" || t_fail "flipped root byte: block named"

# a hostile squashfs (found by fuzz-check_squashfs: inode block list of
# hundreds of TiB) as root-a: reported, not a crash nor a system error
truncate -s 4M hostile.img
printf 'label: gpt\nstart=2048, size=2048, type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, name="root-a"\n' |
	sfdisk -q hostile.img >/dev/null 2>&1
dd if="$SRC/tests/fuzz/corpus/check_squashfs/regress-huge-inode-blocklist" of=hostile.img bs=512 seek=2048 \
	conv=notrunc status=none
rc_is "hostile squashfs in root-a" 1 "$RC" --image hostile.img --json
t_status "hostile squashfs" out.json scan.complete FAIL

# ---------------------------------------------------------------- the builder's tree mode
rc_is "tree --only elf,suid (bad)" 1 "$RC" --tree bad-tree --only elf,suid --profile "$PROD/check/common.profile" --json
cp out.json tree.json
t_status "tree" tree.json elf.wx FAIL
t_status "tree" tree.json suid.none FAIL
jq -e '[.checks[].id | select(startswith("elf.") or . == "suid.none" | not)] | length == 0' tree.json >/dev/null &&
	t_ok "tree: --only keeps elf and suid rows only" || t_fail "tree: --only"
rc_is "tree --only with a misspelt check (a gate must not pass silently)" 2 "$RC" --tree good-tree --only elf,suidd
grep -q "suidd" err && t_ok "misspelt --only named" || t_fail "misspelt --only named"
rc_is "tree --only elf,suid (good)" 0 "$RC" --tree good-tree --only elf,suid --profile "$PROD/check/common.profile"

# ---------------------------------------------------------------- planted weaknesses, live (fixture)
F=fixture
mkdir -p $F/proc/1 $F/proc/self $F/proc/sys/kernel $F/proc/sys/fs $F/usr/bin $F/usr/share/rempart/hardening $F/sys/class/iommu
cp "$PROD"/hardening/{cmdline,sysctl.conf,capabilities} $F/usr/share/rempart/hardening/
printf '22 1 253:0 / / ro - squashfs /dev/mapper/root ro\n23 22 0:40 / /var rw,nosuid,nodev - ext4 /dev/mapper/state rw\n' > $F/proc/self/mountinfo
echo 2 > $F/proc/sys/kernel/kptr_restrict   # every other sysctl is missing
printf 'NoNewPrivs:\t1\nCapBnd:\t000001ffffffffff\n' > $F/proc/1/status
cp wx $F/usr/bin/wx && cp good $F/usr/bin/suidprog && chmod 4755 $F/usr/bin/suidprog
rc_is "live fixture" 1 "$RC" --sysroot $F --json
cp out.json live.json
t_status "live" live.json mount:/var FAIL
t_status "live" live.json sysctl:kernel.kptr_restrict OK
t_status "live (missing sysctl)" live.json sysctl:kernel.sysrq FAIL
t_status "live (setuid file)" live.json suid.none FAIL
t_detail "live" live.json suid.none '^/usr/bin/suidprog '
t_status "live (W+X ELF)" live.json elf.wx FAIL
t_status "live" live.json pid1.nonewprivs OK
t_status "live (bounding set still full)" live.json pid1.capbnd FAIL
jq -r '.checks[] | select(.id=="pid1.capbnd") | .found' live.json | grep -q CAP_SYS_MODULE &&
	t_ok "live: names CAP_SYS_MODULE still in CapBnd" || t_fail "live: capbnd detail"

t_done
