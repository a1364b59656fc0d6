#!/usr/bin/env bash
# make-certs: a throwaway certificate authority and certificates for trying or testing TLS
# (tls+tcp://) on one machine: DIR/ca.pem, DIR/server.pem (certificate + key for 127.0.0.1 and
# localhost) and DIR/client.pem (a client certificate for NNG_OPT_TLS_AUTH_MODE tests).
# Not for production: use the province's own CA there (docs/operations.md).
set -euo pipefail
dir=${1:?usage: make-certs.sh DIR}
mkdir -p "$dir"
cd "$dir"
days=30
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days "$days" \
	-subj "/CN=cchc test CA" 2>/dev/null
make_cert() { # NAME CN EXT
	openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$2" 2>/dev/null
	openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -out "$1.crt" \
		-days "$days" -extfile <(printf '%s\n' "$3") 2>/dev/null
	cat "$1.crt" "$1.key" >"$1.pem"
	chmod 600 "$1.pem" "$1.key"
	rm -f "$1.csr"
}
make_cert server localhost "subjectAltName=DNS:localhost,IP:127.0.0.1"
make_cert client cchc-client "extendedKeyUsage=clientAuth"
echo "make-certs: $dir/ca.pem, $dir/server.pem, $dir/client.pem"
