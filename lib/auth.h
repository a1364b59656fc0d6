/* auth: Ed25519 batch signatures (libsodium) and the sources file. The server holds public keys
 * only, so nothing in its configuration lets anyone write. Keys are stored as hex text.
 *
 * Sources file: one source a line, "NAME PUBLIC_KEY_HEX OFFICE[,OFFICE...]", '#' comments. A grant
 * on an office covers every unit under it (units_within). */
#ifndef CCHC_AUTH_H
#define CCHC_AUTH_H

#include <stddef.h>
#include <stdint.h>

#define AUTH_PUBLIC_KEY_BYTES 32
#define AUTH_SECRET_KEY_BYTES 64
#define AUTH_SIGNATURE_BYTES  64

/* Must be called once before any other auth function. Returns 0 or -1. */
int auth_init(void);

int auth_keypair(uint8_t pk[AUTH_PUBLIC_KEY_BYTES], uint8_t sk[AUTH_SECRET_KEY_BYTES]);

/* Reads a private key file (hex of the 64-byte libsodium secret key, whitespace ignored). An empty,
 * short or malformed file is refused with a message. */
int auth_read_secret_key(const char *path, uint8_t sk[AUTH_SECRET_KEY_BYTES], char *err,
                         size_t errlen);

/* Writes hex of a key to path with mode 0600 (secret) or 0644. */
int auth_write_key(const char *path, const uint8_t *key, size_t len, int secret, char *err,
                   size_t errlen);

int auth_hex_decode(const char *hex, uint8_t *out, size_t len); /* exactly len bytes, 0 or -1 */
void auth_hex_encode(const uint8_t *in, size_t len, char *out); /* out: 2*len+1 */

#define AUTH_SHA256_BYTES 32
void auth_sha256(const uint8_t *msg, size_t len, uint8_t out[AUTH_SHA256_BYTES]);

void auth_sign(const uint8_t *msg, size_t len, const uint8_t sk[AUTH_SECRET_KEY_BYTES],
               uint8_t sig[AUTH_SIGNATURE_BYTES]);
int auth_verify(const uint8_t *msg, size_t len, const uint8_t *sig, size_t siglen,
                const uint8_t pk[AUTH_PUBLIC_KEY_BYTES]); /* 0 when valid */

typedef struct auth_source {
	char name[128];
	uint8_t public_key[AUTH_PUBLIC_KEY_BYTES];
	char **grants; /* unit codes */
	size_t ngrants;
} auth_source;

typedef struct auth_sources auth_sources; /* opaque */

int auth_sources_load(const char *path, auth_sources **out, char *err, size_t errlen);
void auth_sources_free(auth_sources *s);
const auth_source *auth_sources_find(const auth_sources *s, const char *name);
size_t auth_sources_count(const auth_sources *s);
const auth_source *auth_sources_at(const auth_sources *s, size_t i);

#endif
