/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CPU cost of candidate record MACs on one log record (prev_tag || 40-byte
 * header || payload, 166 bytes by default), for docs/logd.md: why the store
 * seals records with AES-256-GMAC (libsodium where the CPU has AES-NI and
 * PCLMUL, OpenSSL elsewhere). Built and run by bench/log-mac.sh; not part
 * of the product. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ROUNDS 500000

static size_t len = 166;
static uint8_t msg[4096], key[32], tag[64];
static SHA256_CTX ipad_ctx, opad_ctx;
static EVP_MAC_CTX *hmac_ctx, *hmac_reinit, *cmac_ctx, *b2_ctx, *sip_ctx;

static double cpu_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Best of 5 rounds, ns of CPU per MAC; each MAC depends on the previous tag. */
static double measure(void (*f)(void))
{
	double best = 1e9;

	for (int r = 0; r < 5; r++) {
		double t = cpu_now();
		for (int i = 0; i < ROUNDS; i++) {
			memcpy(msg, tag, 32);
			f();
		}
		t = (cpu_now() - t) / ROUNDS * 1e9;
		if (t < best)
			best = t;
	}
	return best;
}

static void hmac_pads(void)
{
	SHA256_CTX c = ipad_ctx;
	uint8_t ih[32];

	SHA256_Update(&c, msg, len);
	SHA256_Final(ih, &c);
	c = opad_ctx;
	SHA256_Update(&c, ih, sizeof(ih));
	SHA256_Final(tag, &c);
}

static void sha256_only(void)
{
	SHA256_CTX c = ipad_ctx;

	SHA256_Update(&c, msg, len);
	SHA256_Final(tag, &c);
}

static void evp_mac_run(EVP_MAC_CTX *c)
{
	size_t ol;

	EVP_MAC_init(c, NULL, 0, NULL);
	EVP_MAC_update(c, msg, len);
	EVP_MAC_final(c, tag, &ol, sizeof(tag));
}

static void hmac_dup(void)
{
	EVP_MAC_CTX *d = EVP_MAC_CTX_dup(hmac_ctx);
	size_t ol;

	EVP_MAC_update(d, msg, len);
	EVP_MAC_final(d, tag, &ol, sizeof(tag));
	EVP_MAC_CTX_free(d);
}

/* AES-256-GMAC as src/logd/seal.c computes it: key schedule expanded once
 * per epoch, one fresh nonce per record, the record as additional data. */
static crypto_aead_aes256gcm_state gcm_state;
static EVP_CIPHER_CTX *gcm_evp;
static uint64_t gcm_nonce;

static void gmac_sodium(void)
{
	uint8_t iv[12] = { 0 }, none[1] = { 0 };
	unsigned long long tl;

	gcm_nonce++;
	memcpy(iv, &gcm_nonce, sizeof(gcm_nonce));
	crypto_aead_aes256gcm_encrypt_detached_afternm(none, tag, &tl, none, 0, msg, len, NULL, iv, &gcm_state);
}

static void gmac_ossl(void)
{
	uint8_t iv[12] = { 0 }, none[1] = { 0 };
	int ol;

	gcm_nonce++;
	memcpy(iv, &gcm_nonce, sizeof(gcm_nonce));
	EVP_EncryptInit_ex(gcm_evp, NULL, NULL, NULL, iv);
	EVP_EncryptUpdate(gcm_evp, NULL, &ol, msg, (int)len);
	EVP_EncryptFinal_ex(gcm_evp, none, &ol);
	EVP_CIPHER_CTX_ctrl(gcm_evp, EVP_CTRL_AEAD_GET_TAG, 16, tag);
}

static void hmac_init(void) { evp_mac_run(hmac_reinit); }
static void cmac(void) { evp_mac_run(cmac_ctx); }
static void blake2b_ossl(void) { evp_mac_run(b2_ctx); }
static void siphash_ossl(void) { evp_mac_run(sip_ctx); }
static void blake2b_sodium(void) { crypto_generichash(tag, 32, msg, len, key, sizeof(key)); }
static void siphash_sodium(void) { crypto_shorthash_siphashx24(tag, msg, len, key); }

static void chacha_poly(void)
{
	uint8_t otk[32], nonce[8];

	memcpy(nonce, tag, sizeof(nonce));
	crypto_stream_chacha20(otk, sizeof(otk), nonce, key);
	crypto_onetimeauth(tag, msg, len, otk);
}

static EVP_MAC_CTX *mac_new(const char *alg, const OSSL_PARAM *p, size_t keylen)
{
	EVP_MAC *m = EVP_MAC_fetch(NULL, alg, NULL);
	EVP_MAC_CTX *c = m ? EVP_MAC_CTX_new(m) : NULL;

	EVP_MAC_free(m);
	if (!c || !EVP_MAC_init(c, key, keylen, p)) {
		fprintf(stderr, "cannot set up %s\n", alg);
		exit(1);
	}
	return c;
}

int main(int argc, char **argv)
{
	uint8_t pad[SHA256_CBLOCK];
	size_t b2len = 32, siplen = 16;
	OSSL_PARAM hp[] = { OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0), OSSL_PARAM_END };
	OSSL_PARAM cp[] = { OSSL_PARAM_construct_utf8_string("cipher", (char *)"AES-128-CBC", 0), OSSL_PARAM_END };
	OSSL_PARAM bp[] = { OSSL_PARAM_construct_size_t("size", &b2len), OSSL_PARAM_END };
	OSSL_PARAM sp[] = { OSSL_PARAM_construct_size_t("size", &siplen), OSSL_PARAM_END };

	if (argc > 1)
		len = (size_t)strtoul(argv[1], NULL, 10);
	if (len < 32 || len > sizeof(msg) || sodium_init() < 0)
		return 1;
	randombytes_buf(msg, sizeof(msg));
	randombytes_buf(key, sizeof(key));
	memset(pad, 0x36, sizeof(pad));
	for (size_t i = 0; i < sizeof(key); i++)
		pad[i] ^= key[i];
	SHA256_Init(&ipad_ctx);
	SHA256_Update(&ipad_ctx, pad, sizeof(pad));
	memset(pad, 0x5c, sizeof(pad));
	for (size_t i = 0; i < sizeof(key); i++)
		pad[i] ^= key[i];
	SHA256_Init(&opad_ctx);
	SHA256_Update(&opad_ctx, pad, sizeof(pad));
	hmac_ctx = mac_new("HMAC", hp, 32);
	hmac_reinit = mac_new("HMAC", hp, 32);
	cmac_ctx = mac_new("CMAC", cp, 16);
	b2_ctx = mac_new("BLAKE2BMAC", bp, 32);
	sip_ctx = mac_new("SIPHASH", sp, 16);
	gcm_evp = EVP_CIPHER_CTX_new();
	if (!gcm_evp || !EVP_EncryptInit_ex(gcm_evp, EVP_aes_256_gcm(), NULL, key, NULL))
		return 1;

	printf("CPU ns per MAC of a %zu-byte record (best of 5 x %d)\n", len, ROUNDS);
	if (crypto_aead_aes256gcm_is_available()) {
		crypto_aead_aes256gcm_beforenm(&gcm_state, key);
		printf("  %-56s %5.0f\n", "AES-256-GMAC, libsodium (rempart-logd, AES-NI+PCLMUL)", measure(gmac_sodium));
	} else {
		printf("  %-56s %5s\n", "AES-256-GMAC, libsodium: no AES-NI/PCLMUL on this CPU", "-");
	}
	printf("  %-56s %5.0f\n", "AES-256-GMAC, OpenSSL EVP (rempart-logd elsewhere)", measure(gmac_ossl));
	printf("  %-56s %5.0f\n", "HMAC-SHA256, pads hashed once per epoch (format 1)", measure(hmac_pads));
	printf("  %-56s %5.0f\n", "  of which the inner SHA-256 alone", measure(sha256_only));
	printf("  %-56s %5.0f\n", "HMAC-SHA256, EVP_MAC_CTX_dup of a keyed context", measure(hmac_dup));
	printf("  %-56s %5.0f\n", "HMAC-SHA256, EVP_MAC_init re-initialisation", measure(hmac_init));
	printf("  %-56s %5.0f\n", "keyed BLAKE2b-256 (libsodium crypto_generichash)", measure(blake2b_sodium));
	printf("  %-56s %5.0f\n", "BLAKE2BMAC-256 (OpenSSL)", measure(blake2b_ossl));
	printf("  %-56s %5.0f\n", "CMAC-AES-128 (OpenSSL)", measure(cmac));
	printf("  %-56s %5.0f\n", "SipHash-2-4-128 (OpenSSL) [128-bit key]", measure(siphash_ossl));
	printf("  %-56s %5.0f\n", "SipHash-2-4-128 (libsodium) [128-bit key]", measure(siphash_sodium));
	printf("  %-56s %5.0f\n", "ChaCha20 one-time key + Poly1305 [needs a nonce]", measure(chacha_poly));
	return 0;
}
