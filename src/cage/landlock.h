/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Landlock rules of a cage, through the raw system calls. */
#pragma once

#include "error.h"

struct cage_profile;

/* Highest Landlock ABI of the running kernel, 0 if unsupported. */
int cage_landlock_abi(void);
/* Restricts the calling thread to the profile's tree (called inside the
 * new root, after no_new_privs). Returns 1 when applied, 0 when the kernel
 * has no Landlock and the profile allows that, negative errno otherwise. */
int cage_landlock_apply(const struct cage_profile *p, struct cage_err *e);
