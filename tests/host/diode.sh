#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# rempart-diode on the host: one-way passing, refusals (links, devices,
# FIFOs, sizes, counts, overlapping boxes), sanitised names, atomic
# no-replace arrival, the confirmation hook for high -> low, and the
# encrypting diode against an independent libsodium implementation
# (PyNaCl when present) plus tampering. Usage: diode.sh BUILD_DIR
set -uo pipefail
BUILD=${1:?usage: diode.sh BUILD_DIR}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T_NAME=diode
. "$ROOT/tests/lib/tap.sh"

D=$BUILD/src/diode/rempart-diode
[ -x "$D" ] || { t_fail "build $BUILD first"; t_done; exit; }
W=$(mktemp -d /var/tmp/rempart-diode.XXXXXX)
trap 'rm -rf "$W" "$T_TMP"' EXIT
fresh() { rm -rf "$W/out" "$W/in"; mkdir -p "$W/out" "$W/in"; }

# --- plain passing ------------------------------------------------------
fresh
echo hello > "$W/out/report.txt"
printf 'x' > "$W/out/.bashrc"
printf 'y' > "$W/out/-rf"
printf 'z' > "$W/out/$(printf 'evil\033[2Jname\twith spaces')"
t_run "pass up: regular files delivered" "$D" pass --from "$W/out" --to "$W/in" --direction up --owner 60173:60174
[ "$(cat "$W/in/report.txt")" = hello ] && [ ! -e "$W/out/report.txt" ] && t_ok "content delivered, source removed" || t_fail "content"
names=$(ls -A "$W/in" | sort | tr '\n' ' ')
[ "$names" = "_bashrc _rf evil__2Jname_with_spaces report.txt " ] && t_ok "names sanitised (no dot files, no leading dash, no control characters)" ||
	t_fail "sanitised names: $names"
[ "$(stat -c '%u:%g %a' "$W/in/report.txt")" = "60173:60174 640" ] && t_ok "delivered files owned by the receiver, mode 0640" ||
	t_fail "owner/mode $(stat -c '%u:%g %a' "$W/in/report.txt")"

fresh
echo one > "$W/out/same"; echo old > "$W/in/same"
t_exit "never replaces a file in the inbox" 1 "refused 'same': a file of that name is already in the inbox" \
	"$D" pass --from "$W/out" --to "$W/in" --direction up
[ "$(cat "$W/in/same")" = old ] && [ -e "$W/out/same" ] && t_ok "inbox file kept, source left for a later run" || t_fail "replaced"

# --- refusals -----------------------------------------------------------
fresh
ln -s /etc/shadow "$W/out/shadow"
echo x > "$W/own"; ln "$W/own" "$W/out/hard"
mkfifo "$W/out/fifo"
mknod "$W/out/null" c 1 3
mkdir "$W/out/dir"
head -c 2M /dev/zero > "$W/out/big"
t_exit "symlink, hard link, FIFO, device, directory and oversize all refused" 1 "refused 'big': larger than the size limit" \
	"$D" pass --from "$W/out" --to "$W/in" --direction up --max-size 1M
for n in "shadow': symbolic link" "hard': hard link" "fifo': not a regular file" "null': not a regular file" "dir': not a regular file"; do
	grep -q "refused '$n" "$T_TMP/err" && t_ok "reported: $n" || t_fail "not reported: $n"
done
[ -z "$(ls -A "$W/in")" ] && t_ok "nothing delivered" || t_fail "delivered: $(ls -A "$W/in")"

fresh
for i in 1 2 3 4 5; do echo $i > "$W/out/f$i"; done
t_exit "count limit: first N delivered, the rest reported and left" 1 "refused 'f4': count limit" \
	"$D" pass --from "$W/out" --to "$W/in" --direction up --max-files 3
[ "$(ls "$W/in" | wc -l)" = 3 ] && [ "$(ls "$W/out" | wc -l)" = 2 ] && t_ok "3 delivered, 2 left" || t_fail "count limit"

fresh
mkdir "$W/out/in2"
t_exit "inbox inside the outbox refused" 2 "overlap" "$D" pass --from "$W/out" --to "$W/out/in2" --direction up
t_exit "outbox inside the inbox refused" 2 "overlap" "$D" pass --from "$W/out/in2" --to "$W/out" --direction up
ln -s "$W/in" "$W/inlink"
t_exit "symlinked inbox refused" 2 "cannot open the inbox" "$D" pass --from "$W/out" --to "$W/inlink" --direction up

# --- high -> low: confirmation -----------------------------------------
fresh
echo "classified" > "$W/out/doc"
t_exit "down without --confirm refused" 2 "requires a confirmation hook" "$D" pass --from "$W/out" --to "$W/in" --direction down
cat > "$W/deny" <<'EOF'
#!/bin/sh
cat > /dev/null; exit 1
EOF
cat > "$W/approve" <<EOF
#!/bin/sh
# Approves after checking what it is shown: the name, the size, the content.
[ "\$1" = doc ] && [ "\$2" = 11 ] && [ "\$(cat)" = classified ] && echo "\$1" >> "$W/approved"
EOF
chmod +x "$W/deny" "$W/approve"
t_exit "down: hook refusing -> not released, reported" 1 "refused 'doc': the confirmation hook did not approve" \
	"$D" pass --from "$W/out" --to "$W/in" --direction down --confirm "$W/deny"
[ -z "$(ls -A "$W/in")" ] && t_ok "nothing released without approval" || t_fail "released without approval"
t_run "down: hook approving (sees name, size and content)" "$D" pass --from "$W/out" --to "$W/in" --direction down --confirm "$W/approve"
[ "$(cat "$W/in/doc" 2>/dev/null)" = classified ] && [ "$(cat "$W/approved")" = doc ] && t_ok "released after approval" || t_fail "approval"

# --- encrypting diode ---------------------------------------------------
t_run "keygen" "$D" keygen --public "$W/pk" --secret "$W/sk"
[ "$(stat -c %a "$W/sk")" = 600 ] && t_ok "secret key mode 0600" || t_fail "secret key mode"
fresh; mkdir -p "$W/plain"
head -c 300000 /dev/urandom > "$W/out/data.bin"; cp "$W/out/data.bin" "$W/ref"
: > "$W/out/empty"
head -c 65536 /dev/urandom > "$W/out/chunk"; cp "$W/out/chunk" "$W/refchunk"
t_run "encrypt to the recipient key" "$D" pass --from "$W/out" --to "$W/in" --direction down --confirm /bin/true --encrypt-to "$W/pk"
[ -f "$W/in/data.bin.rdiode" ] && ! cmp -s "$W/in/data.bin.rdiode" "$W/ref" && t_ok "sealed files carry .rdiode and no plaintext" || t_fail "sealed output"
mkdir -p "$W/sealed"; cp "$W/in/"* "$W/sealed/"
t_run "decrypt with the secret key" "$D" pass --from "$W/in" --to "$W/plain" --direction up --decrypt-with "$W/sk"
cmp -s "$W/plain/data.bin" "$W/ref" && cmp -s "$W/plain/chunk" "$W/refchunk" && [ -f "$W/plain/empty" ] && [ ! -s "$W/plain/empty" ] &&
	t_ok "round trip (300000 bytes, exactly one chunk, empty)" || t_fail "round trip"

"$D" keygen --public "$W/pk2" --secret "$W/sk2" >/dev/null
tamper() { # name python-expression-on-bytes
	rm -rf "$W/tin" "$W/tout"; mkdir -p "$W/tin" "$W/tout"
	python3 -c "import sys; b=bytearray(open(sys.argv[1],'rb').read()); b=$2; open(sys.argv[2],'wb').write(b)" \
		"$W/sealed/data.bin.rdiode" "$W/tin/data.bin.rdiode"
}
for case in "flip a ciphertext byte|b[:5000]+bytes([b[5000]^1])+b[5001:]" "truncate the last chunk|b[:-100]" \
	"drop the final chunk|b[:112+65553]" "append data after FINAL|b+b'x'" "flip the sealed key|b[:20]+bytes([b[20]^1])+b[21:]" \
	"swap two chunks|b[:112]+b[112+65553:112+2*65553]+b[112:112+65553]+b[112+2*65553:]"; do
	tamper x "${case#*|}"
	out=$("$D" pass --from "$W/tin" --to "$W/tout" --direction up --decrypt-with "$W/sk" 2>&1); rc=$?
	[ $rc = 1 ] && grep -q "authentication failed" <<<"$out" && [ -z "$(ls -A "$W/tout")" ] &&
		t_ok "tampered (${case%%|*}): refused, nothing released" || { t_fail "tampered (${case%%|*}) exit $rc"; echo "# $out"; }
done
tamper x "b"
t_exit "wrong recipient key: refused" 1 "authentication failed" "$D" pass --from "$W/tin" --to "$W/tout" --direction up --decrypt-with "$W/sk2"
chmod 644 "$W/sk2"
t_exit "world-readable secret key refused" 2 "mode 0600" "$D" pass --from "$W/tin" --to "$W/tout" --direction up --decrypt-with "$W/sk2"

# Interoperability: a sealed key made by an independent implementation
# (PyNaCl's SealedBox = crypto_box_seal) must be what we open.
# Debian's interpreter (python3-nacl), not whatever python3 is first in PATH.
PY=/usr/bin/python3; [ -x $PY ] || PY=python3
if $PY -c 'import nacl' 2>/dev/null; then
	$PY - "$W/sk" "$W/sealed/data.bin.rdiode" "$W/ref" <<'EOF' && t_ok "PyNaCl decrypts our file (crypto_box_seal + secretstream, AAD = header)" || t_fail "PyNaCl interop"
import sys, binascii
from nacl.public import PrivateKey, SealedBox
from nacl.bindings import (crypto_secretstream_xchacha20poly1305_state as State,
    crypto_secretstream_xchacha20poly1305_init_pull as init_pull,
    crypto_secretstream_xchacha20poly1305_pull as pull,
    crypto_secretstream_xchacha20poly1305_TAG_FINAL as FINAL)
sk = PrivateKey(binascii.unhexlify(open(sys.argv[1]).read().strip()))
b = open(sys.argv[2], 'rb').read()
assert b[:8] == b'RDIODE1\n'
key = SealedBox(sk).decrypt(b[8:88])
st = State(); init_pull(st, b[88:112], key)
pos, out, tag = 112, b'', None
while pos < len(b):
    c = b[pos:pos + 65536 + 17]; pos += len(c)
    m, tag = pull(st, c, b[:88]); out += m
assert tag == FINAL and out == open(sys.argv[3], 'rb').read()
EOF
fi

out=$("$D" pass --from "$W/sealed" --to "$W/tout" --direction up --decrypt-with "$W/sk" --json --keep 2>/dev/null)
jq -e '.refused == 0 and (.files | length) == 3 and all(.files[]; .delivered)' <<<"$out" >/dev/null &&
	t_ok "--json lists each file" || { t_fail "--json"; echo "# $out"; }

t_done
