/* SPDX-License-Identifier: GPL-2.0-or-later */
/* AF_PACKET socket: sniff or inject link-layer frames. */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <sys/socket.h>
#include "escape.h"

int main(void)
{
	EXPECT("socket(AF_PACKET, SOCK_RAW)", socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)), EPERM);
	return 0;
}
