# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers for the update test suites and bench/update.sh: fixture releases
# in the format `rempart build` writes (out/release/<version>/release.json),
# and a GPT disk image with the layout of ARCHITECTURE §2.
# Needs: $RV (rempart-verity), mksquashfs, jq, sfdisk, sha256sum.

# make_release DIR VERSION SECVER SIZE_KIB [ENV_NAME]
make_release() {
	local dir=$1 ver=$2 sv=$3 kib=$4 env=${5:-}
	local tree="$dir.tree"
	mkdir -p "$dir" "$tree"
	echo "rempart $ver" > "$tree/version"
	head -c $((kib * 1024)) /dev/urandom > "$tree/payload"
	mksquashfs "$tree" "$dir/root.squashfs" -noappend -quiet -no-progress -comp gzip -noI -noD -noF >/dev/null
	rm -rf "$tree"
	"$RV" format --json "$dir/root.squashfs" "$dir/root.verity" > "$dir/verity.json"
	printf 'UKI for %s\n' "$ver" > "$dir/uki.efi"
	head -c 65536 /dev/urandom >> "$dir/uki.efi"
	local envjson='{}'
	if [ -n "$env" ]; then
		local etree="$dir.etree"
		mkdir -p "$etree"; echo "env $env $ver" > "$etree/id"
		mksquashfs "$etree" "$dir/env-$env.squashfs" -noappend -quiet -no-progress >/dev/null
		rm -rf "$etree"
		"$RV" format --json "$dir/env-$env.squashfs" "$dir/env-$env.verity" > "$dir/env.json"
		envjson=$(jq -n --arg n "$env" --argjson v "$(cat "$dir/env.json")" \
			--arg is "$(stat -c %s "$dir/env-$env.squashfs")" --arg ih "$(sha256sum < "$dir/env-$env.squashfs" | cut -d' ' -f1)" \
			--arg hs "$(stat -c %s "$dir/env-$env.verity")" --arg hh "$(sha256sum < "$dir/env-$env.verity" | cut -d' ' -f1)" \
			'{($n): {artifacts: {image: {file: ("env-" + $n + ".squashfs"), size: ($is|tonumber), sha256: $ih},
			                     verity: {file: ("env-" + $n + ".verity"), size: ($hs|tonumber), sha256: $hh}},
			         verity: {roothash: $v.root_hash, salt: $v.salt, hash: $v.hash_algorithm,
			                  data_block_size: $v.data_block_size, hash_block_size: $v.hash_block_size,
			                  data_blocks: $v.data_blocks, uuid: $v.uuid}}}')
	fi
	art() { jq -n --arg f "$1" --arg s "$(stat -c %s "$dir/$1")" --arg h "$(sha256sum < "$dir/$1" | cut -d' ' -f1)" \
		'{file: $f, size: ($s|tonumber), sha256: $h}'; }
	jq -n --arg ver "$ver" --argjson sv "$sv" --argjson v "$(cat "$dir/verity.json")" \
		--argjson root "$(art root.squashfs)" --argjson verity "$(art root.verity)" --argjson uki "$(art uki.efi)" \
		--argjson envs "$envjson" \
		'{product: "rempart", version: $ver, security_version: $sv, source_date_epoch: 1700000000,
		  artifacts: {root: $root, verity: $verity, uki: $uki},
		  verity: {roothash: $v.root_hash, salt: $v.salt, hash: $v.hash_algorithm, data_block_size: $v.data_block_size,
		           hash_block_size: $v.hash_block_size, data_blocks: $v.data_blocks, uuid: $v.uuid},
		  pcr11: {value: "11aa22bb33cc44dd55ee66ff778899001122334455667788990011223344ffee",
		          signature: "c2lnbmF0dXJlLW9mLXBjcjExLXBvbGljeQ==", policy_key_fingerprint: "0123456789abcdef0123456789abcdef"}}
		  + (if $envs == {} then {} else {environments: $envs} end)' > "$dir/release.json"
}

# roothash_uuids ROOTHASH -> "ROOT_UUID VERITY_UUID" (first and last 128 bits)
roothash_uuids() {
	local h=$1 a b
	a=${h:0:32}; b=${h: -32}
	fmt() { echo "${1:0:8}-${1:8:4}-${1:12:4}-${1:16:4}-${1:20:12}"; }
	echo "$(fmt "$a") $(fmt "$b")"
}

# make_disk IMAGE SLOT_MIB ; writes a GPT with esp, root-a, root-a-verity,
# root-b, root-b-verity, state (Discoverable Partitions types, x86-64)
make_disk() {
	local img=$1 mib=$2 vmib=$(( $2 / 8 + 1 ))
	rm -f "$img"
	truncate -s $(( 1 + 8 + 2 * (mib + vmib) + 4 + 1 ))M "$img"
	sfdisk -q "$img" <<SF
label: gpt
size=8M, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="esp"
size=${mib}M, type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, name="root-a"
size=${vmib}M, type=2C7357ED-EBD2-46D9-AEC1-23D437EC2BF5, name="root-a-verity"
size=${mib}M, type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, name="root-b"
size=${vmib}M, type=2C7357ED-EBD2-46D9-AEC1-23D437EC2BF5, name="root-b-verity"
size=4M, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="state"
SF
}

# install_slot IMAGE SLOT(a|b) RELEASE_DIR : factory-writes a release into a
# slot (dd at the partition offsets, UUIDs from the roothash via sfdisk).
install_slot() {
	local img=$1 slot=$2 rel=$3 n m rh u
	[ "$slot" = a ] && { n=2; m=3; } || { n=4; m=5; }
	local off
	off=$(sfdisk -J "$img" | jq ".partitiontable.partitions[$((n-1))].start")
	dd if="$rel/root.squashfs" of="$img" bs=512 seek="$off" conv=notrunc status=none
	off=$(sfdisk -J "$img" | jq ".partitiontable.partitions[$((m-1))].start")
	dd if="$rel/root.verity" of="$img" bs=512 seek="$off" conv=notrunc status=none
	rh=$(jq -r .verity.roothash "$rel/release.json")
	read -r u1 u2 <<<"$(roothash_uuids "$rh")"
	sfdisk -q --part-uuid "$img" $n "$u1"
	sfdisk -q --part-uuid "$img" $m "$u2"
}
