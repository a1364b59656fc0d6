#!/usr/bin/env bash
# test_console_https: the console on https:// (docs/design.md §14, docs/operations.md "The
# console"). A second cchc-export of the shared stack serves its console with a throwaway CA's
# certificate (deploy/make-certs.sh): a client trusting that CA gets an answer with
# Strict-Transport-Security and the other security headers, the certificate presented is the one
# configured, a client trusting another CA and plain HTTP on that port get nothing. Then
# cchc-export refuses to start, saying what to change, on https:// without console.cert or
# console.key, with a key file it cannot read or that is no key, and on plain http:// off loopback.
# Writes nothing to the stack's database.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/console_lib.sh"
on_exit_after https_exports_stop

step "an https console answers with its certificate and HSTS"
https_export_start tls
console_answers "$HTTPS_URL" --cacert "$CERTS/ca.pem" || fail "no answer: $(cat "$WORK/console.curl")"
HEAD=$(tr -d '\r' <"$WORK/console.head")
for h in "Strict-Transport-Security: max-age=31536000" "X-Content-Type-Options: nosniff" \
	"X-Frame-Options: DENY" "Referrer-Policy: no-referrer"; do
	grep -qxF "$h" <<<"$HEAD" || fail "no '$h' in the answer: $HEAD"
done
grep -q "^Content-Security-Policy: default-src 'none';" <<<"$HEAD" || fail "no CSP: $HEAD"
echo "ok: HSTS and the security headers over TLS"
PORT=${HTTPS_URL##*:}
fingerprint() { openssl x509 -noout -fingerprint -sha256 "$@"; }
WANT=$(fingerprint -in "$CERTS/server.crt")
GOT=$(openssl s_client -connect "127.0.0.1:$PORT" -servername localhost </dev/null 2>/dev/null |
	fingerprint) || fail "openssl s_client got no certificate from $HTTPS_URL"
assert_eq "the certificate presented" "$WANT" "$GOT"

step "a client that does not trust the CA, and plain HTTP, get nothing"
"$CCHC_ROOT/deploy/make-certs.sh" "$WORK/other" >/dev/null
RC=0
curl -sS --max-time 5 --cacert "$WORK/other/ca.pem" -o /dev/null "$HTTPS_URL/" 2>/dev/null || RC=$?
assert_eq "curl exit status with another CA (60: certificate not verified)" 60 "$RC"
RC=0
OUT=$(curl -sS --max-time 5 "http://127.0.0.1:$PORT/" 2>&1) || RC=$?
((RC != 0)) || fail "plain HTTP to the TLS port was answered: $OUT"
[[ "$OUT" != *"HTTP/1"* ]] || fail "plain HTTP to the TLS port got an HTTP answer: $OUT"
echo "ok: curl exit $RC on plain HTTP"
kill -0 "$HTTPS_PID" || fail "cchc-export (pid $HTTPS_PID) is gone"
console_answers "$HTTPS_URL" --cacert "$CERTS/ca.pem" || fail "no answer after the refusals"
https_exports_stop
grep -q "stopped cleanly" "$HTTPS_LOG" ||
	fail "cchc-export did not stop cleanly: $(tail -n 5 "$HTTPS_LOG")"

# refused NAME CONSOLE_URL LINES NEEDLE...: cchc-export with that console configuration exits 1
# at once, and its log says each NEEDLE.
refused() {
	local name=$1 url=$2 lines=$3 conf rc=0 ports
	shift 3
	mapfile -t ports < <(block_ports 2)
	url=${url/PORT/${ports[1]}}
	conf=$(https_conf "$name" "${ports[0]}" "$url" "$lines")
	timeout 30 "$CCHC_BIN/cchc-export" --config "$conf" >"$WORK/$name.log" 2>&1 || rc=$?
	assert_eq "cchc-export exit status ($name)" 1 "$rc"
	for needle in "$@"; do
		grep -qF -- "$needle" "$WORK/$name.log" ||
			fail "$name: the log does not say '$needle': $(cat "$WORK/$name.log")"
	done
	echo "ok: $name: $(grep -F ERROR "$WORK/$name.log" | head -n 1)"
}

step "cchc-export refuses to start on a console it cannot serve safely"
refused no-cert "https://127.0.0.1:PORT" "" \
	"https:// needs console.cert" "console.key" "neither is set"
refused no-key "https://127.0.0.1:PORT" "console.cert = $CERTS/server.crt" \
	"console.key is not set"
refused key-missing "https://127.0.0.1:PORT" "console.cert = $CERTS/server.crt
console.key = $WORK/missing.key" "console.key $WORK/missing.key: No such file or directory"
refused key-not-a-key "https://127.0.0.1:PORT" "console.cert = $CERTS/server.crt
console.key = $CERTS/ca.pem" "libmicrohttpd did not start"
refused http-everywhere "http://0.0.0.0:PORT" "" \
	"plain http:// is served on a loopback address only" "https://" "reverse proxy"
rm -f "$STACK_DIR"/https-*.conf
echo "$TEST_NAME: PASS"
