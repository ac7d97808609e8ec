#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# CPU cost of candidate record MACs on one log record, next to the one the
# store uses (AES-256-GMAC; HMAC-SHA256 was format 1): the measurement behind the
# choice documented in docs/logd.md ("Sealing cost"). Needs cc, libssl-dev,
# libsodium-dev. Usage: bench/log-mac.sh [RECORD_BYTES]   (default 166)
set -euo pipefail
here=$(dirname "$(realpath "$0")")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -O2 -Wall -Wextra -Werror -o "$tmp/log-mac" "$here/log-mac.c" -lcrypto -lsodium
"$tmp/log-mac" "${1:-166}"
echo "  (CPU time; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), SHA-NI: $(grep -qw sha_ni /proc/cpuinfo && echo yes || echo no), AES-NI: $(grep -qw aes /proc/cpuinfo && echo yes || echo no))"
