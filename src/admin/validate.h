/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Validators for every value a rempart-admind request can carry. Each
 * returns true only for a value that is safe to write, as is, into the
 * configuration files of docs/admin.md (one "key = value" line: no
 * newline, no NUL, no leading or trailing blank, no comment character
 * where a reader could misread it). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define V_NAME_MAX 64       /* channel names (update manifest names) */
#define V_USER_MAX 31       /* user names (useradd: 32 with the NUL) */
#define V_URL_MAX 1000
#define V_ID_MAX 255
#define V_SSH_KEY_MAX 8192
#define V_TS_MAX 16         /* traffic selectors */
#define V_DNS_MAX 4

bool v_ipv4(const char *s);
bool v_ipv6(const char *s);
/* A unicast host IPv4 address (not 0/8, 127/8, multicast, reserved, broadcast). */
bool v_ipv4_host(const char *s);
/* A.B.C.D/P with P in 1..32 and a host address. */
bool v_ipv4_cidr_host(const char *s);
/* IPv4 or IPv6 network in canonical form (host bits zero): A.B.C.D/P, X::/P. */
bool v_cidr_net(const char *s);
/* Comma-separated v_cidr_net list, 1..V_TS_MAX items, no blanks. */
bool v_cidr_list(const char *s);
/* Space-separated IPv4 host addresses, 1..V_DNS_MAX. */
bool v_dns_list(const char *s);
/* Linux interface name: 1..15 of [A-Za-z0-9_.-], not "." or "..". */
bool v_ifname(const char *s);
/* RFC 1123 host name: labels of [A-Za-z0-9-], 1..63, no leading/trailing
 * '-', at most 253 characters. */
bool v_hostname(const char *s);
/* https://HOST[:PORT][/PATH]: host a host name, IPv4 or [IPv6]; port
 * 1..65535; path of [A-Za-z0-9._~/-]; no user info, query or fragment. */
bool v_url_https(const char *s);
/* Update channel: [a-z0-9-], 1..64, not starting with '-'. */
bool v_channel(const char *s);
/* User name (useradd's default NAME_REGEX without the trailing '$'):
 * [a-z_][a-z0-9_-]*, 1..31 characters. */
bool v_username(const char *s);
/* IKE identity: 1..255 characters of [A-Za-z0-9 .,=@_:/+-], no leading or
 * trailing blank (a FQDN, an address, user@fqdn or a DN such as
 * "C=FR, O=Example, CN=gw.example"). */
bool v_ike_id(const char *s);
/* "yes" or "no". */
bool v_yesno(const char *s);
/* Hex nonce: an even number of hex digits, 16 to 64 bytes decoded. */
bool v_nonce_hex(const char *s);
/* Lowercase hex SHA-256 (64 digits). */
bool v_sha256_hex(const char *s);
/* An OpenSSH public key line "TYPE BASE64 [COMMENT]" with TYPE one of
 * ssh-ed25519, ecdsa-sha2-nistp256/384/521, sk-ssh-ed25519@openssh.com,
 * sk-ecdsa-sha2-nistp256@openssh.com; the blob is parsed and must match
 * the type exactly (no RSA, no DSA, no options, one key). The comment is
 * 0..128 characters of [A-Za-z0-9@._+-]. */
bool v_ssh_pubkey(const char *s);
