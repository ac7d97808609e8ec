#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# rempart-logd / rempart-logverify on the host: a real journal (files made
# by systemd-journal-remote) read through sd-journal with a persistent
# cursor, inode flags on a loop-mounted ext4, every tampering class, the
# full-disk policy and retention. Usage: tests/host/logd.sh BUILD_DIR
set -uo pipefail
BUILD=$(realpath "${1:?usage: $0 BUILD_DIR}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib/tap.sh"
LOGD=$BUILD/src/logd/rempart-logd
VERIFY=$BUILD/src/logd/rempart-logverify
TAMPER=$BUILD/tests/unit/logd/logd-tamper
JREMOTE=/lib/systemd/systemd-journal-remote
MID=0123456789abcdef0123456789abcdef
MNT=$T_TMP/mnt
SMALL=$T_TMP/small
PIDS=()

cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for m in "$SMALL" "$MNT"; do
		chattr -R -ia "$m" 2>/dev/null
		mountpoint -q "$m" && umount "$m"
	done
	rm -rf "$T_TMP"
}
trap cleanup EXIT

# A loop-mounted ext4 so that FS_APPEND_FL/FS_IMMUTABLE_FL work whatever /tmp is.
mkdir -p "$MNT" "$SMALL"
truncate -s 96M "$T_TMP/ext4.img"
mkfs.ext4 -q -F "$T_TMP/ext4.img" && mount -o loop "$T_TMP/ext4.img" "$MNT" ||
	{ t_fail "cannot mount a loop ext4 image"; t_done; exit 1; }

gen() { # gen FROM TO: syslog-like lines
	awk -v a="$1" -v b="$2" 'BEGIN { for (i = a; i <= b; i++) printf "line %d: service did something %d\n", i, i * 7 }'
}
export_entries() { # export_entries FROM TO: journal export format
	awk -v a="$1" -v b="$2" 'BEGIN { for (i = a; i <= b; i++) {
		printf "__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n_BOOT_ID=0123456789abcdef0123456789abcdef\n", 1700000000000000 + i, i
		printf "MESSAGE=journal entry %d\nPRIORITY=%d\nSYSLOG_FACILITY=3\n_PID=%d\n", i, i % 8, 100 + i
		if (i % 10 == 0) printf "_COMM=commonly\n"; else printf "SYSLOG_IDENTIFIER=svc%d\n", i % 3
		printf "\n" } }'
}

# --- command line -----------------------------------------------------------
t_exit "rempart-logd --help exits 0 and documents the exit codes" 0 "Exit status" "$LOGD" --help
t_exit "rempart-logverify --help exits 0 and documents the exit codes" 0 "Exit status" "$VERIFY" --help
t_exit "an unknown command is a usage error" 2 "unknown command" "$LOGD" frobnicate --store /nonexistent
t_exit "a missing store is reported" 3 "cannot open the store" "$VERIFY" --key-string \
	rlvk1-00000000000000000000000000000000-00000000000000000000000000000000-0000000000000000000000000000000000000000000000000000000000000000 \
	/nonexistent

# --- the format against its documentation ------------------------------------
# tests/lib/logd-ref-store.py wrote this store from docs/logd.md with Python's
# hmac and AES-GCM (no code shared with rempart-logd); it is also a fuzz seed.
REF=$T_TMP/ref-store
mkdir -p "$REF"
tail -c +2 "$ROOT/tests/fuzz/corpus/logd_file/sealed-store" > "$REF/0000000000000000.rlog"
REFKEY=rlvk1-c017265d30b0065ba0f7a71d6e7cb211-0123456789abcdef0123456789abcdef-000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
t_exit "a store written by an independent implementation of docs/logd.md verifies" 0 "3 entries up to 3, 1 seal" \
	"$VERIFY" --key-string "$REFKEY" --no-state "$REF"
printf '\x01' | dd of="$REF/0000000000000000.rlog" bs=1 seek=$((160 + 40 + 12 + 5)) conv=notrunc 2>/dev/null
t_exit "one bit changed in its first entry is the first bad entry" 1 "first bad entry: 1 " \
	"$VERIFY" --key-string "$REFKEY" --no-state "$REF"

# --- creation ---------------------------------------------------------------
S=$MNT/store
t_run "init creates a store and exports the key once" \
	"$LOGD" init --store "$S" --machine-id $MID --export-key "$T_TMP/vkey"
[ "$(stat -c %a "$T_TMP/vkey")" = 400 ] && grep -Eq '^rlvk1-[0-9a-f]{32}-'$MID'-[0-9a-f]{64}$' "$T_TMP/vkey" &&
	t_ok "verification key file is 0400 and well-formed" || t_fail "verification key file"
t_exit "init refuses to create a store over an existing one" 2 "already holds a log store" \
	"$LOGD" init --store "$S" --machine-id $MID

# --- journal source (sd-journal on real journal files) ------------------------
# One journal file appended to by each batch, like journald (one sequence-number id).
J=$T_TMP/journal
mkdir -p "$J"
export_entries 1 300 | "$JREMOTE" -o "$J/a.journal" - 2>/dev/null
t_run "run reads 300 journal entries through sd-journal" \
	"$LOGD" run --store "$S" --journal-dir "$J" --exit-on-idle --no-inode-flags
"$VERIFY" --key "$T_TMP/vkey" --print "$S" > "$T_TMP/p1" 2>"$T_TMP/v1"
n=$(grep -c 'journal entry' "$T_TMP/p1")
[ "$n" = 300 ] && t_ok "store holds the 300 journal entries, verified" || t_fail "store holds $n journal entries"
grep -q '^5 .* svc2\[105\]: journal entry 5$' "$T_TMP/p1" && grep -q ' commonly\[110\]: journal entry 10$' "$T_TMP/p1" &&
	t_ok "identifier (SYSLOG_IDENTIFIER, else _COMM), pid and message kept" || t_fail "entry fields"
export_entries 301 500 | "$JREMOTE" -o "$J/a.journal" - 2>/dev/null
t_run "a second run continues from the persistent cursor" \
	"$LOGD" run --store "$S" --journal-dir "$J" --exit-on-idle --no-inode-flags
"$VERIFY" --key "$T_TMP/vkey" --print "$S" > "$T_TMP/p2" 2>/dev/null
n=$(grep -c 'journal entry' "$T_TMP/p2")
u=$(grep -o 'journal entry [0-9]*' "$T_TMP/p2" | sort -u | wc -l)
seqok=$(awk '$1 ~ /^[0-9]+$/ { if ($1 != ++k) bad = 1 } END { print bad ? "no" : "yes" }' "$T_TMP/p2")
[ "$n" = 500 ] && [ "$u" = 500 ] && [ "$seqok" = yes ] &&
	t_ok "500 journal entries exactly once, sequence 1..500" || t_fail "after restart: $n entries, $u distinct, seq ok=$seqok"

# live: a new journal file appears while the daemon waits (sd_journal_wait)
"$LOGD" run --store "$S" --journal-dir "$J" --no-inode-flags 2>"$T_TMP/live.err" &
lp=$!
PIDS+=("$lp")
sleep 1
export_entries 501 600 | "$JREMOTE" -o "$J/a.journal" - 2>/dev/null
for _ in $(seq 100); do
	[ "$("$VERIFY" --key "$T_TMP/vkey" --print "$S" 2>/dev/null | grep -c 'journal entry')" = 600 ] && break
	sleep 0.1
done
kill -TERM "$lp"
rc=0; wait "$lp" || rc=$?
"$VERIFY" --key "$T_TMP/vkey" --json "$S" > "$T_TMP/live.json" 2>/dev/null
[ $rc = 0 ] && jq -e '.verified and .entries == 600' "$T_TMP/live.json" >/dev/null &&
	t_ok "live journal entries are picked up; SIGTERM seals and exits 0" ||
	t_fail "live journal: exit $rc, $(cat "$T_TMP/live.json") $(tail -2 "$T_TMP/live.err")"

# time-based sealing: an epoch per second of a slow stream
T=$MNT/timed
"$LOGD" init --store "$T" --machine-id $MID --export-key "$T_TMP/tkey" 2>/dev/null
for i in 1 2 3 4; do echo "slow $i"; sleep 1.2; done | "$LOGD" run --store "$T" --stdin --seal-interval 1 2>/dev/null
seals=$("$VERIFY" --key "$T_TMP/tkey" --json "$T" 2>/dev/null | jq .seals)
[ "${seals:-0}" -ge 3 ] && t_ok "the epoch is sealed every --seal-interval ($seals seals for 4 slow entries)" ||
	t_fail "time-based sealing: ${seals:-no} seals"

# --- inode flags --------------------------------------------------------------
gen 1 3000 | "$LOGD" run --store "$S" --stdin --max-file-size 32K 2>"$T_TMP/err" ||
	{ t_fail "stdin run"; cat "$T_TMP/err"; }
files=("$S"/*.rlog)
active=${files[-1]}
closed=${files[1]}
lsattr "$active" | grep -q '^[^ ]*a' && ! lsattr "$active" | grep -q '^[^ ]*i' &&
	t_ok "the active file is append-only (FS_APPEND_FL)" || t_fail "active file flags: $(lsattr "$active")"
lsattr "$closed" | grep -q '^[^ ]*i' && t_ok "closed files are immutable (FS_IMMUTABLE_FL)" ||
	t_fail "closed file flags: $(lsattr "$closed")"
t_exit "root cannot truncate the active file" 1 "Operation not permitted" truncate -s 100 "$active"
t_exit "root cannot overwrite a closed file" 1 "Operation not permitted" dd if=/dev/zero of="$closed" bs=1 count=1 conv=notrunc
t_exit "root cannot delete a closed file" 1 "Operation not permitted" rm -f "$closed"
t_exit "without CAP_LINUX_IMMUTABLE in the bounding set, root cannot lift the flag" 1 "Operation not permitted" \
	setpriv --bounding-set -linux_immutable chattr -a "$active"
t_run "the store verifies" "$VERIFY" --key "$T_TMP/vkey" "$S"

# --- tampering classes ----------------------------------------------------------
P=$MNT/pristine
"$LOGD" init --store "$P" --machine-id $MID --export-key "$T_TMP/pkey" 2>/dev/null
gen 1 3000 | "$LOGD" run --store "$P" --stdin --max-file-size 32K 2>/dev/null
nfiles=$(ls "$P"/*.rlog | wc -l)
[ "$nfiles" -ge 5 ] && t_ok "test store spans $nfiles files and epochs" || t_fail "test store has $nfiles files"
copy() { rm -rf "$MNT/c"; chattr -R -ia "$MNT/c" 2>/dev/null; rm -rf "$MNT/c"; cp -a "$P" "$MNT/c"; chattr -R -ia "$MNT/c"; }
check() { # check NAME EXIT REGEX
	t_exit "$1" "$2" "$3" "$VERIFY" --key "$T_TMP/pkey" "$MNT/c"
}
copy; check "an untouched copy verifies" 0 "verified: $nfiles file"
copy; "$TAMPER" modify "$MNT/c" 10; check "modification detected, first bad entry named" 1 "first bad entry: 10 "
copy; "$TAMPER" delete "$MNT/c" 20; check "deletion detected" 1 "entry 21 .*follows entry 19"
copy; "$TAMPER" insert "$MNT/c" 30; check "insertion detected" 1 "entry 30 .*follows entry 30"
copy; "$TAMPER" swap "$MNT/c" 40; check "reordering of entries detected" 1 "entry 41 .*follows entry 39"
copy; mv "$MNT/c/0000000000000001.rlog" "$MNT/c/x"; mv "$MNT/c/0000000000000002.rlog" "$MNT/c/0000000000000001.rlog"
mv "$MNT/c/x" "$MNT/c/0000000000000002.rlog"; check "reordering of files detected" 1 "says it is file"
copy; "$TAMPER" truncate "$MNT/c" 2000; check "truncation of the tail detected" 1 "ends before the sealed position"
copy; truncate -s -100 "$(ls "$MNT"/c/*.rlog | tail -1)"; check "truncation inside the last record detected" 1 "TAMPERED"
copy; rm "$(ls "$MNT"/c/*.rlog | tail -1)"; check "deletion of the last file detected" 1 "ends before the sealed position"
copy; rm "$MNT/c/0000000000000002.rlog"; check "deletion of a middle file detected" 1 "0000000000000002 is missing"
copy; rm "$MNT/c/0000000000000000.rlog"; check "deletion of the first file detected" 1 "missing"
copy; rm "$MNT/c/seal.state"; check "deletion of the sealing state detected" 1 "sealing state .* is missing"
copy; "$TAMPER" forgestate "$MNT/c"; check "a forged sealing state detected" 1 "not the key of epoch"
copy; printf '\x01' | dd of="$MNT/c/seal.state" bs=1 seek=60 conv=notrunc 2>/dev/null
check "a torn state slot falls back to the other copy" 0 "verified"
copy; printf '\x01\x01' | dd of="$MNT/c/seal.state" bs=176 seek=0 conv=notrunc 2>/dev/null
printf '\x01\x01' | dd of="$MNT/c/seal.state" bs=1 seek=236 conv=notrunc 2>/dev/null
check "a sealing state with both copies damaged is reported" 1 "sealing state .* is malformed"
copy; "$TAMPER" reseal "$MNT/c" 10; check "re-sealing with a later epoch key detected (CVE-2023-31438 class)" 1 "re-sealed"
copy; "$TAMPER" unsealed "$MNT/c"; check "an unsealed file detected (CVE-2023-31437/31439 class)" 1 "written without sealing"
Q=$MNT/other
"$LOGD" init --store "$Q" --machine-id fedcba9876543210fedcba9876543210 --export-key "$T_TMP/qkey" 2>/dev/null
gen 1 50 | "$LOGD" run --store "$Q" --stdin 2>/dev/null
copy; chattr -R -ia "$Q"; cp "$Q/0000000000000000.rlog" "$MNT/c/0000000000000001.rlog"
check "a file from another machine detected" 1 "belongs to store [0-9a-f]* on machine fedcba9876543210fedcba9876543210"
t_exit "a store checked with another store's key is refused" 4 "verification key is for store" \
	"$VERIFY" --key "$T_TMP/qkey" "$P"
t_exit "a malformed key is a usage error" 2 "malformed" "$VERIFY" --key-string rlvk1-zz "$P"
t_exit "--no-state still checks the chain" 1 "first bad entry: 10 " sh -c \
	"cp -a '$P' '$MNT/d' && chattr -R -ia '$MNT/d' && '$TAMPER' modify '$MNT/d' 10 && rm '$MNT/d/seal.state' &&
	 '$VERIFY' --key '$T_TMP/pkey' --no-state '$MNT/d'"
"$VERIFY" --key "$T_TMP/pkey" --json "$P" 2>/dev/null | jq -e '.verified == true and .entries == 3000 and .last_seq == 3000' >/dev/null &&
	t_ok "--json reports the verified store" || t_fail "--json output"

# --- the daemon refuses to continue a store that fails its own check --------------
U=$MNT/crashed
"$LOGD" init --store "$U" --machine-id $MID --export-key "$T_TMP/ukey" 2>/dev/null
{ gen 1 100; sleep 5; } | "$LOGD" run --store "$U" --stdin --no-inode-flags 2>/dev/null &
lp=$!
PIDS+=("$lp")
for _ in $(seq 50); do
	[ "$("$VERIFY" --key "$T_TMP/ukey" --print "$U" 2>/dev/null | grep -c ': line ')" = 100 ] && break; sleep 0.1
done
kill -KILL "$lp"; wait "$lp" 2>/dev/null
t_exit "a crashed store (unsealed tail) verifies, with a warning about the tail" 0 "only by forwarding" \
	"$VERIFY" --key "$T_TMP/ukey" "$U"
chattr -R -ia "$U"; "$TAMPER" modify "$U" 50
t_exit "logd refuses to continue a store whose unsealed tail was modified (exit 4)" 4 "failed its own check" \
	"$LOGD" run --store "$U" --stdin --no-inode-flags < /dev/null

# --- full disk ------------------------------------------------------------------
truncate -s 8M "$T_TMP/small.img"
mkfs.ext4 -q -F -b 1024 "$T_TMP/small.img" && mount -o loop "$T_TMP/small.img" "$SMALL" ||
	t_fail "cannot mount the small image"
F=$SMALL/store
"$LOGD" init --store "$F" --machine-id $MID --export-key "$T_TMP/fkey" 2>/dev/null
dd if=/dev/zero of="$SMALL/filler" bs=64k 2>/dev/null
sync
gen 1 20000 > "$T_TMP/full.in"
"$LOGD" run --store "$F" --stdin --max-file-size 256K < "$T_TMP/full.in" 2>"$T_TMP/full.err" &
lp=$!
PIDS+=("$lp")
for _ in $(seq 100); do grep -q 'log store full' "$T_TMP/full.err" && break; sleep 0.2; done
grep -q 'log store full.*stopped reading new entries; none is dropped' "$T_TMP/full.err" &&
	t_ok "a full disk produces a loud error and pauses reading" || t_fail "no store-full message: $(tail -2 "$T_TMP/full.err")"
kill -0 "$lp" 2>/dev/null && t_ok "the daemon keeps running while the disk is full" || t_fail "daemon died on a full disk"
rm -f "$SMALL/filler"
rc=0
for _ in $(seq 150); do kill -0 "$lp" 2>/dev/null || break; sleep 0.2; done
wait "$lp" || rc=$?
[ $rc = 0 ] && t_ok "the daemon resumes once space is back and finishes" || t_fail "daemon exit $rc: $(tail -3 "$T_TMP/full.err")"
"$VERIFY" --key "$T_TMP/fkey" --print "$F" > "$T_TMP/full.out" 2>"$T_TMP/full.verr"
n=$(grep -c ': line ' "$T_TMP/full.out"); u=$(grep -o 'line [0-9]*:' "$T_TMP/full.out" | sort -u | wc -l)
[ "$n" = 20000 ] && [ "$u" = 20000 ] && t_ok "after the full disk: 20000 entries, none lost, store verifies" ||
	t_fail "after the full disk: $n entries, $u distinct ($(cat "$T_TMP/full.verr"))"
grep -q 'store was full for' "$T_TMP/full.out" && t_ok "the pause is recorded in the store" || t_fail "no pause notice in the store"

# --- retention --------------------------------------------------------------------
R=$MNT/ret
"$LOGD" init --store "$R" --machine-id $MID --export-key "$T_TMP/rkey" 2>/dev/null
echo 4000 > "$R/forward.cursor"
gen 1 4000 | "$LOGD" run --store "$R" --stdin --max-file-size 16K --max-store-size 64K 2>"$T_TMP/ret.err"
[ ! -e "$R/0000000000000000.rlog" ] && grep -q 'retention: deleted' "$T_TMP/ret.err" &&
	t_ok "retention deletes forwarded files beyond the size limit" || t_fail "retention did not delete"
t_exit "the store with released files still verifies" 0 "verified" "$VERIFY" --key "$T_TMP/rkey" "$R"
"$VERIFY" --key "$T_TMP/rkey" --print "$R" > "$T_TMP/ret.out" 2>/dev/null
grep -q 'retention released the files below' "$T_TMP/ret.out" &&
	t_ok "each release is recorded in the store" || t_fail "no retention record printed"
R2=$MNT/ret2
"$LOGD" init --store "$R2" --machine-id $MID --export-key "$T_TMP/r2key" 2>/dev/null
echo 1000 > "$R2/forward.cursor"
gen 1 4000 | timeout 30 "$LOGD" run --store "$R2" --stdin --max-file-size 16K --max-store-size 64K 2>"$T_TMP/ret2.err" &
lp=$!
PIDS+=("$lp")
for _ in $(seq 100); do grep -q 'log store full' "$T_TMP/ret2.err" && break; sleep 0.2; done
kill -TERM "$lp" 2>/dev/null; wait "$lp" 2>/dev/null
"$VERIFY" --key "$T_TMP/r2key" --print "$R2" > "$T_TMP/ret2.out" 2>/dev/null
first=$(grep -m1 -o ': line [0-9]*' "$T_TMP/ret2.out" | grep -o '[0-9]*')
grep -q 'log store full' "$T_TMP/ret2.err" && [ -n "$first" ] && [ "$first" -le 1001 ] &&
	t_ok "retention never deletes entries not yet forwarded (store full instead)" ||
	t_fail "unforwarded retention: first kept entry ${first:-none}"

t_done
