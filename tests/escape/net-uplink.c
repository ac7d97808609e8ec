/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A TCP connection from inside a cage, with the outcome the caller
 * expects: escape-net-uplink [HOST PORT WANT], WANT "ok" (connected; the
 * first line the service sends is printed) or an errno name. Without
 * arguments (the escape suite, a cage without network): 192.0.2.1:80
 * must fail with ENETUNREACH. tests/vm/levels.sh uses it for the low
 * level's uplink (the image has no shell able to open a socket). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "escape.h"

int main(int argc, char **argv)
{
	const char *host = argc > 3 ? argv[1] : "192.0.2.1", *want = argc > 3 ? argv[3] : "ENETUNREACH";
	int port = argc > 3 ? atoi(argv[2]) : 80;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct timeval tv = { .tv_sec = 10 };
	char what[96], line[256];
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ssize_t n;

	if (s < 0 || inet_pton(AF_INET, host, &a.sin_addr) != 1) {
		printf("UNEXPECTED socket/address: %s\n", errname(errno));
		return 2;
	}
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	snprintf(what, sizeof(what), "connect(%s:%d)", host, port);
	if (strcmp(want, "ok") != 0) {
		const char *name;

		errno = 0;
		if (connect(s, (struct sockaddr *)&a, sizeof(a)) == 0) {
			printf("ESCAPE %s: connected\n", what);
			return 1;
		}
		name = errname(errno);
		if (strcmp(name, want) != 0) {
			printf("UNEXPECTED %s: got %s, want %s\n", what, name, want);
			return 2;
		}
		printf("blocked %s: %s\n", what, name);
		return 0;
	}
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		printf("UNEXPECTED %s: %s, want a connection\n", what, errname(errno));
		return 2;
	}
	n = read(s, line, sizeof(line) - 1);
	line[n > 0 ? n : 0] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	printf("reached %s: %s\n", what, line);
	return 0;
}
