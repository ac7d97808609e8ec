/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Raw IP socket (forge packets): needs CAP_NET_RAW, which is gone. */
#include <netinet/in.h>
#include <sys/socket.h>
#include "escape.h"

int main(void)
{
	EXPECT("socket(AF_INET, SOCK_RAW, ICMP)", socket(AF_INET, SOCK_RAW, IPPROTO_ICMP), EPERM);
	EXPECT("socket(AF_INET6, SOCK_RAW, TCP)", socket(AF_INET6, SOCK_RAW, IPPROTO_TCP), EPERM);
	return 0;
}
