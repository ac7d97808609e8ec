#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The newcomer's command: installs what is missing, builds the tools,
# creates development keys if absent, builds the image and boots it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
scripts/deps.sh
if [ -d build ]; then meson setup --reconfigure build >/dev/null; else meson setup build; fi
ninja -C build
if [ ! -x build/src/build/rempart ]; then
	echo "tools built in build/; the image builder (rempart build) is not there yet" >&2
	exit 0
fi
[ -e keys/db.key ] || build/src/build/rempart keys init --dir keys
build/src/build/rempart build --keys keys --out out "$@"
exec build/src/build/rempart run --out out
