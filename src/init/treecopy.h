/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Copies the directory tree at src_fd into dst_fd, preserving modes,
 * owners and symlinks (other special files are skipped). 0 or -errno. */
int tree_copy(int src_fd, int dst_fd);
