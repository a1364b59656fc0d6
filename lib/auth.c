/* auth: Ed25519 signatures over batch bytes (libsodium) and the sources file that maps a source
 * name to its public key and its grant. Only public keys are ever read by the server. */
#include "auth.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct auth_sources {
	auth_source *v;
	size_t n;
};

int auth_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

int auth_keypair(uint8_t pk[AUTH_PUBLIC_KEY_BYTES], uint8_t sk[AUTH_SECRET_KEY_BYTES])
{
	return crypto_sign_keypair(pk, sk) == 0 ? 0 : -1;
}

int auth_hex_decode(const char *hex, uint8_t *out, size_t len)
{
	size_t got = 0;
	const char *end = NULL;
	if (strlen(hex) != 2 * len)
		return -1;
	if (sodium_hex2bin(out, len, hex, 2 * len, NULL, &got, &end) != 0 || got != len)
		return -1;
	return 0;
}

void auth_hex_encode(const uint8_t *in, size_t len, char *out)
{
	sodium_bin2hex(out, 2 * len + 1, in, len);
}

int auth_read_secret_key(const char *path, uint8_t sk[AUTH_SECRET_KEY_BYTES], char *err,
                         size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "key file %s: %s", path, strerror(errno));
		return -1;
	}
	char hex[2 * AUTH_SECRET_KEY_BYTES + 1];
	size_t n = 0;
	int c, rc = 0;
	while ((c = fgetc(f)) != EOF) {
		if (isspace(c))
			continue;
		if (n == sizeof hex - 1) {
			rc = -1;
			break;
		}
		hex[n++] = (char)c;
	}
	fclose(f);
	hex[n] = '\0';
	if (rc || n != 2 * AUTH_SECRET_KEY_BYTES ||
	    auth_hex_decode(hex, sk, AUTH_SECRET_KEY_BYTES)) {
		sodium_memzero(hex, sizeof hex);
		snprintf(err, errlen,
		         "key file %s: %s; expected the %d hex digits of an Ed25519 private key "
		         "(make one with `cchc source add`)",
		         path, n == 0 ? "empty" : "not a private key", 2 * AUTH_SECRET_KEY_BYTES);
		return -1;
	}
	sodium_memzero(hex, sizeof hex);
	return 0;
}

int auth_write_key(const char *path, const uint8_t *key, size_t len, int secret, char *err,
                   size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, secret ? 0600 : 0644);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char *hex = malloc(2 * len + 2);
	if (!hex) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	auth_hex_encode(key, len, hex);
	hex[2 * len] = '\n';
	ssize_t w = write(fd, hex, 2 * len + 1);
	sodium_memzero(hex, 2 * len + 2);
	free(hex);
	if (close(fd) != 0 || w != (ssize_t)(2 * len + 1)) {
		snprintf(err, errlen, "%s: write failed", path);
		return -1;
	}
	return 0;
}

void auth_sha256(const uint8_t *msg, size_t len, uint8_t out[AUTH_SHA256_BYTES])
{
	crypto_hash_sha256(out, msg, len);
}

void auth_sign(const uint8_t *msg, size_t len, const uint8_t sk[AUTH_SECRET_KEY_BYTES],
               uint8_t sig[AUTH_SIGNATURE_BYTES])
{
	crypto_sign_detached(sig, NULL, msg, len, sk);
}

int auth_verify(const uint8_t *msg, size_t len, const uint8_t *sig, size_t siglen,
                const uint8_t pk[AUTH_PUBLIC_KEY_BYTES])
{
	if (siglen != AUTH_SIGNATURE_BYTES)
		return -1;
	return crypto_sign_verify_detached(sig, msg, len, pk) == 0 ? 0 : -1;
}

void auth_sources_free(auth_sources *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		for (size_t g = 0; g < s->v[i].ngrants; g++)
			free(s->v[i].grants[g]);
		free(s->v[i].grants);
	}
	free(s->v);
	free(s);
}

static int parse_grants(char *list, auth_source *src)
{
	for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char **g = realloc(src->grants, (src->ngrants + 1) * sizeof *g);
		if (!g)
			return -1;
		src->grants = g;
		if (!(g[src->ngrants] = strdup(tok)))
			return -1;
		src->ngrants++;
	}
	return src->ngrants ? 0 : -1;
}

int auth_sources_load(const char *path, auth_sources **out, char *err, size_t errlen)
{
	*out = NULL;
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "sources file %s: %s", path, strerror(errno));
		return -1;
	}
	auth_sources *s = calloc(1, sizeof *s);
	char line[4096];
	int lineno = 0, rc = s ? 0 : -1;
	while (!rc && fgets(line, sizeof line, f)) {
		lineno++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char name[128], key[160], grants[3800];
		int n = sscanf(line, "%127s %159s %3799s", name, key, grants);
		if (n <= 0)
			continue;
		auth_source *v = realloc(s->v, (s->n + 1) * sizeof *v);
		if (!v) {
			rc = -1;
			break;
		}
		s->v = v;
		auth_source *src = &s->v[s->n];
		memset(src, 0, sizeof *src);
		s->n++;
		snprintf(src->name, sizeof src->name, "%s", name);
		if (n != 3 || auth_hex_decode(key, src->public_key, AUTH_PUBLIC_KEY_BYTES) ||
		    parse_grants(grants, src) || auth_sources_find(s, name) != src) {
			snprintf(err, errlen,
			         "%s:%d: expected 'NAME PUBLIC_KEY_HEX OFFICE[,OFFICE...]' with a "
			         "64-digit key and a name not used before",
			         path, lineno);
			rc = -2;
		}
	}
	fclose(f);
	if (rc == -1)
		snprintf(err, errlen, "out of memory");
	if (rc) {
		auth_sources_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

const auth_source *auth_sources_find(const auth_sources *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].name, name))
			return &s->v[i];
	return NULL;
}

size_t auth_sources_count(const auth_sources *s)
{
	return s->n;
}

const auth_source *auth_sources_at(const auth_sources *s, size_t i)
{
	return i < s->n ? &s->v[i] : NULL;
}
