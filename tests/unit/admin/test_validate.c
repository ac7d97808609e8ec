/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Value validators: accepted and refused examples for each. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>

#include "validate.h"

#define YES(fn, ...) do { const char *_v[] = { __VA_ARGS__ }; for (size_t _i = 0; _i < sizeof(_v) / sizeof(_v[0]); _i++) if (!fn(_v[_i])) fail_msg(#fn " refused \"%s\"", _v[_i]); } while (0)
#define NO(fn, ...) do { const char *_v[] = { __VA_ARGS__ }; for (size_t _i = 0; _i < sizeof(_v) / sizeof(_v[0]); _i++) if (fn(_v[_i])) fail_msg(#fn " accepted \"%s\"", _v[_i]); } while (0)

static void test_addresses(void **state)
{
	(void)state;
	YES(v_ipv4, "10.0.0.1", "0.0.0.0", "255.255.255.255");
	NO(v_ipv4, "", "10.0.0", "10.0.0.256", "010.0.0.1", " 10.0.0.1", "10.0.0.1 ", "1.2.3.4.5", "::1", "a.b.c.d");
	YES(v_ipv6, "::1", "fd00::1", "2001:db8::1:2");
	NO(v_ipv6, "", ":::", "fd00::g", "10.0.0.1", "[::1]");
	YES(v_ipv4_host, "10.0.0.1", "192.168.1.254", "8.8.8.8");
	NO(v_ipv4_host, "0.0.0.0", "127.0.0.1", "224.0.0.1", "255.255.255.255", "240.0.0.1");
	YES(v_ipv4_cidr_host, "10.0.0.2/24", "192.168.1.1/32", "10.1.2.3/8", "172.16.0.1/31");
	NO(v_ipv4_cidr_host, "10.0.0.0/24", "10.0.0.255/24", "10.0.0.2", "10.0.0.2/0", "10.0.0.2/33", "10.0.0.2/024",
	   "10.0.0.2/-1", "10.0.0.2/ 24", "/24", "127.0.0.1/8", "10.0.0.2/24/1");
	YES(v_cidr_net, "10.0.0.0/8", "0.0.0.0/0", "192.168.1.128/25", "10.1.2.3/32", "fd00::/8", "::/0",
	    "2001:db8::/32", "2001:db8::1/128");
	NO(v_cidr_net, "10.0.0.1/8", "10.0.0.0/33", "fd00::1/8", "fd00::/129", "10.0.0.0", "x/8", "10.0.0.0/08");
	YES(v_cidr_list, "10.0.0.0/8", "10.0.0.0/8,192.168.0.0/16,fd00::/8");
	NO(v_cidr_list, "", ",", "10.0.0.0/8,", ",10.0.0.0/8", "10.0.0.0/8, 192.168.0.0/16", "10.0.0.1/8",
	   "0.0.0.0/0,0.0.0.0/0,0.0.0.0/0,0.0.0.0/0,0.0.0.0/0,0.0.0.0/0,0.0.0.0/0,0.0.0.0/0,"
	   "0.0.0.0/0,0.0.0.0/0,0.0.0.0/0,0.0.0.0/0,0.0.0.0/0,0.0.0.0/0,0.0.0.0/0,0.0.0.0/0,0.0.0.0/0");
	YES(v_dns_list, "9.9.9.9", "9.9.9.9 1.1.1.1", "1.1.1.1 1.0.0.1 8.8.8.8 8.8.4.4");
	NO(v_dns_list, "", " 9.9.9.9", "9.9.9.9 ", "9.9.9.9  1.1.1.1", "9.9.9.9,1.1.1.1", "::1",
	   "1.1.1.1 1.0.0.1 8.8.8.8 8.8.4.4 9.9.9.9", "127.0.0.53");
}

static void test_names(void **state)
{
	(void)state;
	YES(v_ifname, "eth0", "enp0s3", "wlan0.1", "br-lan", "a");
	NO(v_ifname, "", ".", "..", "eth 0", "eth0/1", "0123456789abcdef", "eth0\n", "e;th");
	YES(v_hostname, "gw", "gw.example.org", "a-b.c", "xn--bcher-kva.example", "1.2.3.4");
	NO(v_hostname, "", "-gw", "gw-", "gw..example", ".gw", "gw.", "g_w", "gw example",
	   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example");
	YES(v_url_https, "https://updates.example.org", "https://u.example:8443/repo/v1", "https://10.0.0.1/r",
	    "https://[fd00::1]:443/r", "https://u.example/a-b_c.d~e/");
	NO(v_url_https, "", "http://u.example", "https://", "https:///x", "https://u.example:0/", "https://u.example:65536",
	   "https://u.example:/", "https://user@u.example/", "https://u.example/?q=1", "https://u.example/#f",
	   "https://u.example/%2e", "https://u.example/a b", "HTTPS://u.example", "https://[zz::1]/",
	   "https://u_x.example/", "https://u.example:08/");
	YES(v_channel, "stable", "beta-2", "0");
	NO(v_channel, "", "-beta", "Beta", "beta_2", "beta.2", "b e",
	   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	YES(v_username, "alice", "_svc", "a1-b_c", "abcdefghijklmnopqrstuvwxyz01234");
	NO(v_username, "", "1abc", "-abc", "Alice", "al ice", "al.ice", "alice$", "al/ice",
	   "abcdefghijklmnopqrstuvwxyz012345");
	YES(v_ike_id, "gw.example.org", "C=FR, O=Example, CN=gw.example", "gw@example.org", "10.0.0.1");
	NO(v_ike_id, "", " gw", "gw ", "gw\"x", "CN=\"x\"", "gw#x", "gw;x", "gw{x}", "gw\\x", "gw\nx");
	YES(v_yesno, "yes", "no");
	NO(v_yesno, "", "Yes", "true", "1");
	YES(v_nonce_hex, "00112233445566778899aabbccddeeff", "00112233445566778899AABBCCDDEEFF0011");
	NO(v_nonce_hex, "", "0011", "00112233445566778899aabbccddeef", "00112233445566778899aabbccddeegg");
	YES(v_sha256_hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	NO(v_sha256_hex, "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
	   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85");
}

/* Builds "TYPE BASE64(blob)" from SSH strings. */
static void ssh_line(char *out, size_t size, const char *type, const char *const *parts, const size_t *lens,
		     size_t n, const char *comment)
{
	uint8_t blob[1024];
	size_t off = 0;
	char b64[2048];

	for (size_t i = 0; i < n; i++) {
		blob[off++] = (uint8_t)(lens[i] >> 24);
		blob[off++] = (uint8_t)(lens[i] >> 16);
		blob[off++] = (uint8_t)(lens[i] >> 8);
		blob[off++] = (uint8_t)lens[i];
		memcpy(blob + off, parts[i], lens[i]);
		off += lens[i];
	}
	sodium_bin2base64(b64, sizeof(b64), blob, off, sodium_base64_VARIANT_ORIGINAL);
	snprintf(out, size, "%s %s%s%s", type, b64, comment ? " " : "", comment ? comment : "");
}

static void test_ssh_keys(void **state)
{
	char k32[32], p65[65], p97[97], line[4096];
	const char *parts[4];
	size_t lens[4];

	(void)state;
	assert_true(sodium_init() >= 0);
	memset(k32, 0x5a, sizeof(k32));
	memset(p65, 0x11, sizeof(p65));
	p65[0] = 0x04;
	memset(p97, 0x22, sizeof(p97));
	p97[0] = 0x04;

	parts[0] = "ssh-ed25519"; lens[0] = 11; parts[1] = k32; lens[1] = 32;
	ssh_line(line, sizeof(line), "ssh-ed25519", parts, lens, 2, NULL);
	assert_true(v_ssh_pubkey(line));
	ssh_line(line, sizeof(line), "ssh-ed25519", parts, lens, 2, "alice@laptop");
	assert_true(v_ssh_pubkey(line));
	ssh_line(line, sizeof(line), "ssh-ed25519", parts, lens, 2, "alice laptop");
	assert_false(v_ssh_pubkey(line)); /* comment with a blank */
	ssh_line(line, sizeof(line), "ssh-ed25519", parts, lens, 2, "a\"b");
	assert_false(v_ssh_pubkey(line));
	/* declared type differs from the blob's */
	ssh_line(line, sizeof(line), "ecdsa-sha2-nistp256", parts, lens, 2, NULL);
	assert_false(v_ssh_pubkey(line));
	/* wrong key length, trailing bytes */
	lens[1] = 31;
	ssh_line(line, sizeof(line), "ssh-ed25519", parts, lens, 2, NULL);
	assert_false(v_ssh_pubkey(line));
	lens[1] = 32; parts[2] = "x"; lens[2] = 1;
	ssh_line(line, sizeof(line), "ssh-ed25519", parts, lens, 3, NULL);
	assert_false(v_ssh_pubkey(line));

	parts[0] = "ecdsa-sha2-nistp256"; lens[0] = 19; parts[1] = "nistp256"; lens[1] = 8; parts[2] = p65; lens[2] = 65;
	ssh_line(line, sizeof(line), "ecdsa-sha2-nistp256", parts, lens, 3, NULL);
	assert_true(v_ssh_pubkey(line));
	parts[1] = "nistp384";
	ssh_line(line, sizeof(line), "ecdsa-sha2-nistp256", parts, lens, 3, NULL);
	assert_false(v_ssh_pubkey(line));
	parts[0] = "ecdsa-sha2-nistp384"; parts[2] = p97; lens[2] = 97;
	ssh_line(line, sizeof(line), "ecdsa-sha2-nistp384", parts, lens, 3, NULL);
	assert_true(v_ssh_pubkey(line));

	parts[0] = "sk-ssh-ed25519@openssh.com"; lens[0] = 26; parts[1] = k32; lens[1] = 32;
	parts[2] = "ssh:"; lens[2] = 4;
	ssh_line(line, sizeof(line), "sk-ssh-ed25519@openssh.com", parts, lens, 3, NULL);
	assert_true(v_ssh_pubkey(line));

	/* RSA and DSA are refused whatever the blob */
	parts[0] = "ssh-rsa"; lens[0] = 7; parts[1] = "\x01\x00\x01"; lens[1] = 3; parts[2] = k32; lens[2] = 32;
	ssh_line(line, sizeof(line), "ssh-rsa", parts, lens, 3, NULL);
	assert_false(v_ssh_pubkey(line));
	NO(v_ssh_pubkey, "", "ssh-ed25519", "ssh-ed25519 ", "ssh-ed25519 !!!!",
	   "command=\"sh\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpa",
	   "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpa\nssh-ed25519 x");
	YES(v_ssh_pubkey, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpa");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_ssh_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
