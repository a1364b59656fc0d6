# shellcheck shell=bash disable=SC2034 # CERTS, HTTPS_* are for the scripts that source this
# console_lib.sh: what the console's shell tests share (docs/design.md §14), sourced after lib.sh:
# a second cchc-export of the test's stack (shared or private) whose console is on https://, with
# a throwaway CA from deploy/make-certs.sh, on free ports of the stack's own block (base+5..+8,
# which no stack uses); and a look at the console's answer with curl.

source "$(dirname "${BASH_SOURCE[0]}")/ports.sh"

CERTS="$WORK/certs"
STACK_DIR=$(dirname "$CCHC_CONF")

# block_ports N: N ports of base+5..base+8 of the stack in use that are free now, one a line.
block_ports() {
	local base off n=0
	base=$(sed -n 's/^CCHC_PORT_BASE=//p' "$STACK_DIR/stack.env")
	[[ "$base" =~ ^[0-9]+$ ]] || fail "no port base in $STACK_DIR/stack.env"
	for off in 5 6 7 8; do
		if port_free $((base + off)); then
			echo $((base + off))
			n=$((n + 1))
			((n == $1)) && return 0
		fi
	done
	fail "fewer than $1 free ports in $((base + 5))..$((base + 8))"
}

# console_answers URL [curl options...]: the console answers GET / with an HTTP status (any:
# / may send to /login); its headers are left in $WORK/console.head.
console_answers() {
	local url=$1 code
	shift
	code=$(curl -sS --max-time 5 "$@" -D "$WORK/console.head" -o /dev/null -w '%{http_code}' \
		"$url/" 2>"$WORK/console.curl") || return 1
	[[ "$code" =~ ^[1-4][0-9][0-9]$ ]]
}

# https_conf NAME EXPORT_PORT CONSOLE_URL [LINES]: a configuration beside the stack's (its relative
# paths resolve from there) with export and the console moved; prints its path.
https_conf() {
	local f="$STACK_DIR/https-$1.conf"
	{
		cat "$CCHC_CONF"
		echo "export.listen = tcp://127.0.0.1:$2"
		echo "console.listen = $3"
		printf '%s\n' "${4:-}"
	} >"$f"
	echo "$f"
}

# https_export_start NAME: starts that second cchc-export (log in the stack's log folder, where
# the clean-up looks for sanitizer reports) and waits until its console answers over TLS with the
# CA's certificate. Sets HTTPS_PID, HTTPS_URL, HTTPS_CONF, HTTPS_LOG.
https_export_start() {
	local name=$1 ports
	[[ -f "$CERTS/ca.pem" ]] || "$CCHC_ROOT/deploy/make-certs.sh" "$CERTS" >/dev/null
	mapfile -t ports < <(block_ports 2)
	HTTPS_URL="https://127.0.0.1:${ports[1]}"
	HTTPS_CONF=$(https_conf "$name" "${ports[0]}" "$HTTPS_URL" \
		"console.cert = $CERTS/server.crt
console.key = $CERTS/server.key")
	HTTPS_LOG="$STACK_DIR/log/cchc-export-$name.log"
	"$CCHC_BIN/cchc-export" --config "$HTTPS_CONF" >>"$HTTPS_LOG" 2>&1 &
	HTTPS_PID=$!
	echo "$HTTPS_PID" >>"$WORK/https-exports.pids"
	local end=$((SECONDS + 30))
	until console_answers "$HTTPS_URL" --cacert "$CERTS/ca.pem"; do
		kill -0 "$HTTPS_PID" 2>/dev/null || fail "cchc-export ($name) exited: $(tail -n 20 "$HTTPS_LOG")"
		((SECONDS < end)) || fail "the https console $HTTPS_URL does not answer: $(cat "$WORK/console.curl")"
		sleep 0.05
	done
	echo "ok: cchc-export $name (pid $HTTPS_PID), console on $HTTPS_URL"
}

# https_exports_stop: SIGTERM to every export https_export_start started; waits for each to exit
# (its log complete for the sanitizer check); removes their configurations.
https_exports_stop() {
	local pid end
	if [[ -f "$WORK/https-exports.pids" ]]; then
		while read -r pid; do
			kill -TERM "$pid" 2>/dev/null || continue
			end=$((SECONDS + 30))
			while kill -0 "$pid" 2>/dev/null && ((SECONDS < end)); do sleep 0.05; done
		done <"$WORK/https-exports.pids"
		rm -f "$WORK/https-exports.pids"
	fi
	rm -f "$STACK_DIR"/https-*.conf
}
