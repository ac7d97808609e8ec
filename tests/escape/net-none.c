/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reach the network from a network = none profile: the host's listener
 * on 127.0.0.1:argv[1] and an outside address. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include "escape.h"

static long try_connect(const char *ip, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int s = socket(AF_INET, SOCK_STREAM, 0);

	if (s < 0)
		return -1;
	inet_pton(AF_INET, ip, &a.sin_addr);
	return connect(s, (struct sockaddr *)&a, sizeof(a));
}

int main(int argc, char **argv)
{
	int port = argc > 1 ? atoi(argv[1]) : 80;

	EXPECT("connect(host 127.0.0.1 listener)", try_connect("127.0.0.1", port), ECONNREFUSED);
	EXPECT("connect(192.0.2.1:80)", try_connect("192.0.2.1", 80), ENETUNREACH);
	return 0;
}
