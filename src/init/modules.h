/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Loads every module listed (one absolute path per line) in list_path with
 * finit_module(2). Already-loaded modules are fine. Returns 0 or a
 * negative errno; *failed names the module that failed (static buffer). */
int modules_load_list(const char *list_path, const char **failed);
