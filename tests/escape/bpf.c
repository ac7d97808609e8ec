/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bpf(BPF_MAP_CREATE): verifier bugs are a classic kernel escape. */
#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>
#include "escape.h"

int main(void)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 4;
	a.max_entries = 1;
	EXPECT("bpf(BPF_MAP_CREATE)", syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof(a)), EPERM);
	return 0;
}
