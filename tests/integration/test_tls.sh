#!/usr/bin/env bash
# TLS (docs/design.md §9): an ingest listening on tls+tcp:// with a throwaway CA (deploy/make-certs.sh)
# accepts a client that verifies it, refuses clients that cannot (wrong CA, plain tcp), requires a
# client certificate when tls.auth_mode = required, and keeps accepting after many dropped and
# garbage handshakes (nng 1.5.2 #1518). Records go to district 483, in 2023-Q3, a period no other test uses.
source "$(dirname "$0")/lib.sh"
PERIOD=2023-Q3 # a period no other test writes to

free_port() {
	perl -MIO::Socket::INET -e \
		'print IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1", LocalPort => 0)->sockport'
}

"$CCHC_ROOT/deploy/make-certs.sh" "$WORK/certs" >/dev/null
"$CCHC_ROOT/deploy/make-certs.sh" "$WORK/other" >/dev/null # a CA that signed nothing of ours

# Configs live beside the stack's own, since its relative paths (keys, sources) resolve from there.
CONFS="$CCHC_VAR/test-tls-$$"
# start_ingest runs in $(…), a subshell: its pids reach the trap through files, not a variable.
stop_ingests() {
	local f
	for f in "$WORK"/*.ingest.pid; do
		[ -e "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	rm -f "$CONFS"-*.conf
}
on_exit_after stop_ingests

# start_ingest NAME EXTRA_CONF_LINES: a second cchc-ingest of the stack, on tls+tcp, prints its URL.
start_ingest() {
	local name=$1 port url
	port=$(free_port)
	url="tls+tcp://127.0.0.1:$port"
	{
		cat "$CCHC_CONF"
		echo "ingest.listen = $url"
		echo "tls.cert_key_file = $WORK/certs/server.pem"
		printf '%s\n' "$2"
	} >"$CONFS-$name.conf"
	"$CCHC_BIN/cchc-ingest" --config "$CONFS-$name.conf" >/dev/null 2>"$WORK/$name.log" &
	echo $! >"$WORK/$name.ingest.pid"
	echo "$url"
}

# client_conf NAME URL EXTRA_CONF_LINES: a client config for the stack's dev source at URL.
client_conf() {
	{
		cat "$CCHC_CONF"
		echo "ingest.listen = $2"
		printf '%s\n' "$3"
	} >"$CONFS-$1.conf"
	echo "$CONFS-$1.conf"
}

# wait_up CONF: polls `cchc status` (bounded) until ingest at CONF answers.
wait_up() {
	local deadline=$((SECONDS + 30))
	until cchc status --config "$1" --timeout-ms 1000 >/dev/null 2>&1; do
		((SECONDS < deadline)) || fail "TLS ingest did not answer within 30 s: $(cat "$WORK"/*.log)"
	done
}

record() { # record ID: one received dossier at the office of district 483
	printf '{"type":"dossier","event_id":"tls-%s","office":"483","dossier":"TLS-%s","procedure":"1.001234","field":"hotich","kind":"received","channel":"online","at":"2023-07-20T08:00:00+07:00","due":"2023-07-27T17:00:00+07:00"}\n' "$1" "$1" >"$WORK/$1.jsonl"
	echo "$WORK/$1.jsonl"
}

BEFORE=$(figure "$(report 483)" .dossiers.all.received)

step "server certificate only"
URL=$(start_ingest tls "")
GOOD=$(client_conf good "$URL" "tls.ca_file = $WORK/certs/ca.pem")
wait_up "$GOOD"
push_file "$(record a)" --config "$GOOD" --max-retries 3
assert_eq "push over TLS" "0 1 0 0" "$PUSH_RC $(push_counts)"

step "a client with the wrong CA is refused"
WRONG=$(client_conf wrong "$URL" "tls.ca_file = $WORK/other/ca.pem")
push_file "$(record b)" --config "$WRONG" --max-retries 1 --deadline 5
[[ "$PUSH_RC" == 2 ]] || fail "push with a wrong CA: exit $PUSH_RC, expected 2"
echo "ok: wrong CA refused"

step "plain tcp to the TLS port is refused"
PLAIN=$(client_conf plain "${URL/tls+tcp/tcp}" "")
push_file "$(record c)" --config "$PLAIN" --max-retries 1 --deadline 5
[[ "$PUSH_RC" == 2 ]] || fail "plain tcp push: exit $PUSH_RC, expected 2"
echo "ok: plain tcp refused"

step "dropped and garbage handshakes do not stop the listener"
PORT=${URL##*:}
for i in $(seq 1 100); do
	exec 3<>"/dev/tcp/127.0.0.1/$PORT" || fail "listener refused connection $i"
	if ((i % 2)); then head -c $((i * 37)) /dev/urandom >&3 2>/dev/null || true; fi
	exec 3>&-
done
push_file "$(record d)" --config "$GOOD" --max-retries 3
assert_eq "push after 100 dropped handshakes" "0 1 0 0" "$PUSH_RC $(push_counts)"

step "client certificates required"
URL2=$(start_ingest mtls "tls.ca_file = $WORK/certs/ca.pem
tls.auth_mode = required")
WITH_CERT=$(client_conf withcert "$URL2" "tls.ca_file = $WORK/certs/ca.pem
tls.cert_key_file = $WORK/certs/client.pem")
NO_CERT=$(client_conf nocert "$URL2" "tls.ca_file = $WORK/certs/ca.pem")
wait_up "$WITH_CERT"
push_file "$(record e)" --config "$NO_CERT" --max-retries 1 --deadline 5
[[ "$PUSH_RC" == 2 ]] || fail "push without a client certificate: exit $PUSH_RC, expected 2"
push_file "$(record f)" --config "$WITH_CERT" --max-retries 3
assert_eq "push with a client certificate" "0 1 0 0" "$PUSH_RC $(push_counts)"

step "exactly the three accepted records are stored"
assert_eq "received in 483" $((BEFORE + 3)) "$(figure "$(report 483)" .dossiers.all.received)"
echo "$TEST_NAME: PASS"
