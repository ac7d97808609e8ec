#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Two builds from the same inputs and package versions give a byte-identical
# disk image (and identical release artifacts).
set -u
BUILD=$(realpath "${1:?build dir}")
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/lib.sh"

if ! vm_image; then t_fail "image build"; t_done; exit 1; fi
rm -rf "$VM_DIR/out-repro"
if ! vm_build_other "$VM_DIR/out-repro" 0.1.0 >"$T_TMP/b.log" 2>&1; then
	t_fail "second build"; tail -5 "$T_TMP/b.log"; t_done; exit 1
fi
for f in disk.img release/0.1.0/root.squashfs release/0.1.0/root.verity release/0.1.0/uki.efi release/0.1.0/release.json; do
	a=$(sha256sum < "$VM_DIR/out/$f" | cut -d' ' -f1); b=$(sha256sum < "$VM_DIR/out-repro/$f" | cut -d' ' -f1)
	[ "$a" = "$b" ] && t_ok "$f identical across builds ($a)" || t_fail "$f differs: $a vs $b"
done
# build.json: same content (file list with hashes and origins, packages)
if cmp -s "$VM_DIR/out/build.json" "$VM_DIR/out-repro/build.json"; then t_ok "build.json identical"; else t_fail "build.json differs"; fi
jq -e '(.files | length) > 1000 and (.packages | length) > 50 and ([.files[] | select(.origin == null)] | length) == 0' \
	"$VM_DIR/out/build.json" >/dev/null && t_ok "build.json lists files with origins and packages" || t_fail "build.json content"
jq -e '[.files[] | select(.path | startswith("/var/cache/apt/archives/")) | select(.path != "/var/cache/apt/archives/lock")] | length == 0' \
	"$VM_DIR/out/build.json" >/dev/null && t_ok "no build cache content in the image" || t_fail "build cache content leaked into the image"
jq -e '[.files[] | select(.path == "/usr/bin/dash")][0].origin == "package:dash"' "$VM_DIR/out/build.json" >/dev/null &&
	t_ok "build.json: /usr/bin/dash comes from package dash" || t_fail "build.json: origin of /usr/bin/dash"
jq -e '[.files[] | select(.path == "/usr/bin/rempart-verity")][0].origin == "product:programs"' "$VM_DIR/out/build.json" >/dev/null &&
	t_ok "build.json: our programs are marked product:programs" || t_fail "build.json: origin of rempart-verity"
t_done
