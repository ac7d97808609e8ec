#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# rempart-verity against cryptsetup's veritysetup, both ways, plus bad input.
# Usage: verity-interop.sh BUILD_DIR
set -u
BUILD=$(realpath "${1:?build dir}")
RV=$BUILD/src/verity/rempart-verity
. "$(dirname "$0")/../lib/tap.sh"
cd "$T_TMP"

SALT=5a5b5c5d00112233445566778899aabbccddeeff
UUID=0badc0de-1234-4567-89ab-cdef01234567
head -c $((4096 * 3000 + 0)) /dev/urandom > data
head -c $((512 * 777)) /dev/urandom > data512

roothash() { sed -n 's/^Root hash:[[:space:]]*//p' "$1"; }

# --- byte-identical trees, several parameter sets
check_identical() {
	local name=$1 data=$2; shift 2
	rm -f ours theirs
	if ! "$RV" format "$@" "$data" ours >ours.out 2>ours.err; then t_fail "$name: ours failed"; cat ours.err; return; fi
	if ! veritysetup format "$@" "$data" theirs >theirs.out 2>&1; then t_fail "$name: veritysetup failed"; return; fi
	if cmp -s ours theirs && [ "$(roothash ours.out)" = "$(roothash theirs.out)" ]; then
		t_ok "$name: hash file byte-identical to veritysetup, same root hash"
	else
		t_fail "$name: differs from veritysetup"
	fi
}
check_identical "sha256/4096" data --salt $SALT --uuid $UUID
check_identical "sha512/512/1024" data512 --salt $SALT --uuid $UUID --hash sha512 --data-block-size 512 --hash-block-size 1024
check_identical "no-superblock" data --salt $SALT --no-superblock
check_identical "empty salt (--salt -)" data --salt - --uuid $UUID
"$RV" format --no-salt --uuid $UUID data nosalt >/dev/null 2>&1 && cmp -s nosalt ours && t_ok "--no-salt equals --salt -" || t_fail "--no-salt equals --salt -"
check_identical "sha1 hash-block 512" data --salt $SALT --uuid $UUID --hash sha1 --hash-block-size 512
check_identical "data-blocks subset" data --salt $SALT --uuid $UUID --data-blocks 1234

# --- veritysetup accepts our trees
"$RV" format data ours >ours.out 2>/dev/null
R=$(roothash ours.out)
t_run "veritysetup verify accepts our tree (random salt/uuid)" veritysetup verify data ours "$R"
"$RV" format --no-superblock --salt $SALT data ours-nosb >nosb.out 2>/dev/null
t_run "veritysetup verify accepts our superblock-less tree" \
	veritysetup verify --no-superblock --salt $SALT --data-blocks 3000 data ours-nosb "$(roothash nosb.out)"

# --- we accept veritysetup's trees
veritysetup format data theirs >theirs.out 2>&1
t_run "rempart-verity verify accepts veritysetup's tree" "$RV" verify data theirs "$(roothash theirs.out)"
veritysetup format --hash sha512 --data-block-size 512 data512 theirs512 >theirs512.out 2>&1
t_run "rempart-verity verify accepts veritysetup's sha512/512 tree" "$RV" verify data512 theirs512 "$(roothash theirs512.out)"
"$RV" verify --json data theirs "$(roothash theirs.out)" > v.json 2>/dev/null
if jq -e '.verified == true and .data_blocks == 3000' v.json >/dev/null; then t_ok "verify --json"; else t_fail "verify --json"; fi
"$RV" format --json --salt $SALT --uuid $UUID data j.hash > f.json 2>/dev/null
if jq -e --arg s $SALT --arg u $UUID '.salt == $s and .uuid == $u and (.root_hash|length) == 64 and .data_blocks == 3000' f.json >/dev/null; then
	t_ok "format --json"; else t_fail "format --json"; fi

# --- corruption: both tools refuse, we name the block
cp data bad; printf '\xff' | dd of=bad bs=1 seek=$((4096 * 2500 + 17)) conv=notrunc status=none
t_exit "flipped data byte: exit 1 naming data block 2500" 1 "data block 2500" "$RV" verify bad theirs "$(roothash theirs.out)"
if veritysetup verify bad theirs "$(roothash theirs.out)" >/dev/null 2>&1; then t_fail "veritysetup agrees data is bad"; else t_ok "veritysetup agrees data is bad"; fi
cp theirs badhash; printf '\x00' | dd of=badhash bs=1 seek=$((4096 * 5 + 3)) conv=notrunc status=none
t_exit "flipped hash byte: exit 1 naming hash block" 1 "hash block 5 " "$RV" verify data badhash "$(roothash theirs.out)"
t_exit "wrong root hash: exit 1" 1 "does not hash to the given root hash" "$RV" verify data theirs "$(printf '%064d' 0)"
head -c 12288 theirs > trunc
t_exit "truncated hash file: exit 1" 1 "truncated" "$RV" verify data trunc "$(roothash theirs.out)"

# --- bad input: clear error, exit 2, no output file
head -c 5000 /dev/urandom > odd
t_exit "data size not a multiple of the block size" 2 "not a multiple of the data block size" "$RV" format odd out1
[ -e out1 ] && t_fail "no partial output (odd size)" || t_ok "no partial output (odd size)"
t_exit "DATA and HASH the same file" 2 "same file" "$RV" format data data
ln -f data data-link
t_exit "DATA and HASH the same file (hard link)" 2 "same file" "$RV" format data data-link
t_exit "unwritable output" 3 "cannot write the hash tree" "$RV" format data /nonexistent-dir/hash
mkdir ro && chmod 0555 ro
if [ "$(id -u)" -ne 0 ]; then t_exit "read-only directory" 3 "Permission denied" "$RV" format data ro/hash; fi
t_exit "odd-length root hash" 2 "hex digits" "$RV" verify data theirs abc
t_exit "non-hex root hash" 2 "hex digits" "$RV" verify data theirs "$(printf 'zz%062d' 0)"
t_exit "root hash of the wrong length" 2 "has 4 bytes" "$RV" verify data theirs 00112233
t_exit "odd-length salt" 2 "--salt" "$RV" format --salt abc data out2
t_exit "non-hex salt" 2 "--salt" "$RV" format --salt xy data out2
[ -e out2 ] && t_fail "no partial output (bad salt)" || t_ok "no partial output (bad salt)"
t_exit "bad block size option" 2 "power of two" "$RV" format --data-block-size 1000 data out3
t_exit "unknown digest" 2 "unsupported digest" "$RV" format --hash md5 data out3
corrupt_sb() { # name offset hexbyte regex
	cp theirs sb; printf "\\x$3" | dd of=sb bs=1 seek=$2 conv=notrunc status=none
	t_exit "superblock with wrong $1" 2 "$4" "$RV" verify data sb "$(roothash theirs.out)"
}
corrupt_sb magic 0 58 "bad superblock magic"
corrupt_sb version 8 02 "unsupported superblock version"
corrupt_sb "hash type" 12 00 "unsupported hash type"
corrupt_sb algorithm 32 78 "unsupported hash type or algorithm"
corrupt_sb "data block size" 65 11 "invalid block size"
corrupt_sb "hash block size" 69 03 "invalid block size"
head -c 100 theirs > tiny
t_exit "hash file shorter than a superblock" 2 "too short" "$RV" verify data tiny "$(roothash theirs.out)"
t_exit "dump of a non-verity file" 2 "invalid verity superblock" "$RV" dump data
t_run "dump --json of veritysetup's superblock" bash -c "set -o pipefail; '$RV' dump --json theirs | jq -e '.data_blocks == 3000'"
t_exit "unknown command" 2 "unknown command" "$RV" frobnicate
t_run "--help exits 0" "$RV" --help
t_done
