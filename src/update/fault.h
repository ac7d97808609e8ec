/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fault injection for the power-cut tests (tests/vm/update.sh): with
 * REMPART_UPDATE_FAULT=<point> in the environment, rempart-update stops
 * itself (SIGSTOP, every thread) when it reaches that point, says so on
 * stderr, and the test then cuts the virtual machine's power. Armed only
 * on development images (VARIANT_ID=development in os-release): a release
 * image ignores the variable. Points, in the order apply reaches them:
 *   uki-download  half of the UKI downloaded into the state directory
 *   root-write    half of the root image streamed into the inactive slot
 *   slot-ready    slot written, verified, its partition UUIDs set
 *   esp-write     half of the new boot entry's temporary file written
 *   esp-done      the new boot entry renamed into place */
#pragma once

#include <stdint.h>

void fault_arm(const char *os_release_path);
void fault_point(const char *name);
/* fault_point(name) once done reaches half of total. */
void fault_progress(const char *name, uint64_t done, uint64_t total);
