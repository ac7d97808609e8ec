/* SPDX-License-Identifier: GPL-2.0-or-later */
/* File names crossing the diode: the receiving level sees only names made
 * of [A-Za-z0-9._+-], never starting with '.' or '-', at most
 * DIODE_NAME_MAX bytes. Other bytes become '_'. */
#pragma once

#include <stddef.h>

#define DIODE_NAME_MAX 128
#define DIODE_SEALED_SUFFIX ".rdiode"

/* Writes the sanitised form of name into out (size >= DIODE_NAME_MAX + 1).
 * 0, or -EINVAL if name is empty, ".", ".." or longer than 255 bytes. */
int diode_name_sanitize(const char *name, char *out, size_t outsize);
