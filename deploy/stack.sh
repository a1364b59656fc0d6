#!/usr/bin/env bash
# stack: the dev stack — a private PostgreSQL cluster and the three cchc services, all under one
# folder ($CCHC_VAR), started in the background and stopped by their pid files (docs/design.md §11).
#
#   deploy/stack.sh up        start whatever is not running; return once everything answers
#                             (the services over nng, and the console over HTTP)
#   deploy/stack.sh down      stop everything (SIGTERM, wait for exit; pg_ctl stop)
#   deploy/stack.sh reset     down, then wipe $CCHC_VAR
#   deploy/stack.sh status    what runs (pids), `cchc status` and the console's address; exit 1 if
#                             anything is down
#   deploy/stack.sh stop NAME stop one process (postgres, cchc-stats, cchc-ingest, cchc-export)
#
# Environment: CCHC_VAR (default ./var), CCHC_BIN (default ./build/bin), CCHC_PORT_BASE (default
# 7400: ingest +1, stats +2, export +3, the console (HTTP, loopback) +4, PostgreSQL +9), CCHC_UP_TIMEOUT (seconds, default 30),
# CCHC_WORKERS (requests each service works on at once, default 16 as in conf).
# The port base and bin folder chosen at the first `up` are kept in $CCHC_VAR/stack.env, so later
# commands on the same folder need not repeat them.
# For the national roll-up's stacks (deploy/national.sh, docs/design.md §15): CCHC_UNITS_FILE (the
# registry, default deploy/data/units.csv), CCHC_DEV_GRANT (what the source `dev` may write for,
# default 46), CCHC_CONF_EXTRA (lines appended to cchc.conf; a key given there wins),
# CCHC_PG_OPTS (more `-c name=value` options for PostgreSQL, e.g. wal_level=logical) and
# CCHC_REPL_ROLE (a role made LOGIN REPLICATION, for a national stack to subscribe as). Like the
# port base, they are kept in $CCHC_VAR (stack.extra) for later commands on the same folder.
#
# PostgreSQL refuses to run as root: as root the cluster runs as the `postgres` system user, which
# is given the cluster's folders; otherwise everything runs as the calling user.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SERVICES=(cchc-stats cchc-ingest cchc-export) # start order; stopped in reverse

die() {
	echo "stack: $*" >&2
	exit 1
}
say() { echo "stack: $*"; }

abspath() { # absolute form of a path that may not exist yet (relative to the current folder)
	case "$1" in
	/*) printf '%s\n' "$1" ;;
	*) printf '%s\n' "$PWD/${1#./}" ;;
	esac
}

VAR=$(abspath "${CCHC_VAR:-./var}")
STACK_ENV="$VAR/stack.env"
saved_port_base="" saved_bin=""
if [[ -f "$STACK_ENV" ]]; then
	saved_port_base=$(sed -n 's/^CCHC_PORT_BASE=//p' "$STACK_ENV")
	saved_bin=$(sed -n 's/^CCHC_BIN=//p' "$STACK_ENV")
fi
PORT_BASE=${CCHC_PORT_BASE:-${saved_port_base:-7400}}
BIN=$(abspath "${CCHC_BIN:-${saved_bin:-./build/bin}}")
if ! [[ "$PORT_BASE" =~ ^[0-9]+$ ]] || ((PORT_BASE < 1024 || PORT_BASE > 65526)); then
	die "CCHC_PORT_BASE must be a number from 1024 to 65526, not '$PORT_BASE'"
fi
INGEST_PORT=$((PORT_BASE + 1)) STATS_PORT=$((PORT_BASE + 2)) EXPORT_PORT=$((PORT_BASE + 3))
CONSOLE_PORT=$((PORT_BASE + 4)) CONSOLE_URL="http://127.0.0.1:$((PORT_BASE + 4))"
PG_PORT=$((PORT_BASE + 9))
UP_TIMEOUT=${CCHC_UP_TIMEOUT:-30}
# The national roll-up's settings of this folder: each as given now, else as saved by an earlier
# `up` (so a later `up` may change one, e.g. PostgreSQL's options, and keep the others).
STACK_EXTRA="$VAR/stack.extra"
EXTRA_VARS=(CCHC_UNITS_FILE CCHC_DEV_GRANT CCHC_CONF_EXTRA CCHC_PG_OPTS CCHC_REPL_ROLE)
declare -A EXTRA_GIVEN=()
for v in "${EXTRA_VARS[@]}"; do
	[[ -n "${!v:-}" ]] && EXTRA_GIVEN[$v]=${!v}
done
if [[ -f "$STACK_EXTRA" ]]; then
	# shellcheck source=/dev/null # written by write_conf below
	source "$STACK_EXTRA"
fi
for v in "${!EXTRA_GIVEN[@]}"; do
	printf -v "$v" '%s' "${EXTRA_GIVEN[$v]}"
done

PG="$VAR/pg"
RUN="$VAR/run"
LOG="$VAR/log"
CONF="$VAR/cchc.conf"
SOURCES="$VAR/sources"
DEV_KEY="$VAR/dev.key"

# The newest installed PostgreSQL server, preferring 15 (the version the project is written for).
pg_bindir() {
	local d others
	mapfile -t others < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r)
	for d in /usr/lib/postgresql/15/bin "${others[@]}"; do
		[[ -x "$d/pg_ctl" ]] && {
			echo "$d"
			return
		}
	done
	command -v pg_ctl >/dev/null && {
		dirname "$(command -v pg_ctl)"
		return
	}
	die "no PostgreSQL server found (run deploy/install-deps.sh)"
}

# Unix sockets are limited to ~107 bytes of path; a deep work tree falls back to /tmp.
pg_socket_dir() {
	local sock="$RUN/.s.PGSQL.$PG_PORT.lock"
	if ((${#sock} < 100)); then echo "$RUN"; else echo /tmp; fi
}

# Runs a PostgreSQL program as the cluster's owner.
PG_USER=""
as_pg() {
	if [[ -n "$PG_USER" ]]; then
		runuser -u "$PG_USER" -- "$@"
	else
		"$@"
	fi
}

setup_pg_user() {
	[[ $(id -u) -ne 0 ]] && return
	PG_USER=postgres
	getent passwd "$PG_USER" >/dev/null || die "running as root but there is no 'postgres' user (install postgresql)"
	# The postgres user must be able to walk down to $VAR/pg, $VAR/run and $VAR/log; grant search
	# (not read) where it is missing, e.g. under a umask of 077 or a home folder.
	local d="$LOG"
	while [[ "$d" != / ]]; do
		if ! runuser -u "$PG_USER" -- test -x "$d"; then
			say "granting search permission on $d so that '$PG_USER' can reach $VAR"
			chmod o+x "$d"
		fi
		d=$(dirname "$d")
	done
}

# pid_alive NAME PID: the pid runs and is that program (a stale pid file may name a reused pid).
pid_alive() {
	local name=$1 pid=$2
	[[ "$pid" =~ ^[0-9]+$ ]] || return 1
	kill -0 "$pid" 2>/dev/null || [[ -d /proc/$pid ]] || return 1
	[[ -r /proc/$pid/cmdline ]] || return 0
	local cmd
	cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)
	[[ -z "$cmd" ]] && return 1 # zombie
	case "$name" in
	postgres) [[ "$cmd" == *postgres* ]] ;;
	*) [[ "$cmd" == *"$name"* ]] ;;
	esac
}

running_pid() { # prints the pid of NAME if it is running, else fails
	local name=$1 pidfile="$RUN/$1.pid" pid
	if [[ "$name" == postgres && -f "$PG/postmaster.pid" ]]; then
		pid=$(head -n1 "$PG/postmaster.pid" 2>/dev/null || true)
	elif [[ -f "$pidfile" ]]; then
		pid=$(cat "$pidfile" 2>/dev/null || true)
	else
		return 1
	fi
	pid_alive "$name" "$pid" || return 1
	echo "$pid"
}

log_tail() {
	local f="$LOG/$1.log"
	if [[ -f "$f" ]]; then
		echo "---- last lines of $f ----" >&2
		tail -n 30 "$f" >&2
		echo "----" >&2
	fi
}

write_conf() {
	# Generated on every `up` from the port base, so it always matches what runs.
	cat >"$CONF.tmp" <<EOF
# cchc.conf of the dev stack in $VAR, written by deploy/stack.sh on every \`up\`:
# edits here are overwritten (see deploy/cchc.conf.example for every key).
ingest.listen = tcp://127.0.0.1:$INGEST_PORT
stats.listen = tcp://127.0.0.1:$STATS_PORT
export.listen = tcp://127.0.0.1:$EXPORT_PORT
console.listen = $CONSOLE_URL
stats.db = host=127.0.0.1 port=$PG_PORT dbname=cchc user=cchc connect_timeout=5
units_file = ${CCHC_UNITS_FILE:-$ROOT/deploy/data/units.csv}
calendar_file = $ROOT/deploy/data/days-off.txt
index_766_file = $ROOT/deploy/data/index-766.csv
sources_file = sources
source = dev
key_file = dev.key
timezone = Asia/Ho_Chi_Minh
report.scope = 46
workers = ${CCHC_WORKERS:-16}
report.template = $ROOT/deploy/templates/bao-cao-cchc-thua-thien-hue.txt
# Targets of the province's CCHC programme 2022-2025 (Kế hoạch, section II).
target.online = 60
target.satisfaction = 90
EOF
	if [[ -n "${CCHC_CONF_EXTRA:-}" ]]; then
		printf '%s\n' "$CCHC_CONF_EXTRA" >>"$CONF.tmp"
	fi
	mv "$CONF.tmp" "$CONF"
	printf 'CCHC_PORT_BASE=%s\nCCHC_BIN=%s\n' "$PORT_BASE" "$BIN" >"$STACK_ENV"
	local v
	: >"$STACK_EXTRA"
	for v in "${EXTRA_VARS[@]}"; do
		[[ -n "${!v:-}" ]] && printf '%s=%q\n' "$v" "${!v}" >>"$STACK_EXTRA"
	done
	return 0
}

start_postgres() {
	local pgbin sockdir
	pgbin=$(pg_bindir)
	setup_pg_user
	if [[ ! -f "$PG/PG_VERSION" ]]; then
		say "creating PostgreSQL cluster in $PG"
		rm -rf "$PG"
		mkdir -p "$PG"
		[[ -n "$PG_USER" ]] && chown "$PG_USER" "$PG"
		chmod 700 "$PG"
		as_pg "$pgbin/initdb" -D "$PG" -U cchc --auth=trust -E UTF8 --locale=C.UTF-8 \
			--no-instructions >"$LOG/initdb.log" 2>&1 || {
			log_tail initdb
			die "initdb failed"
		}
	fi
	if [[ -n "$PG_USER" ]]; then
		chown "$PG_USER" "$RUN"
		touch "$LOG/postgres.log"
		chown "$PG_USER" "$LOG/postgres.log"
	fi
	if running_pid postgres >/dev/null; then
		say "postgres already running (pid $(running_pid postgres))"
	else
		sockdir=$(pg_socket_dir)
		say "starting postgres on 127.0.0.1:$PG_PORT"
		# pg_ctl start also clears a postmaster.pid left by a crash. -w waits for startup itself.
		as_pg "$pgbin/pg_ctl" start -D "$PG" -l "$LOG/postgres.log" -w -t "$UP_TIMEOUT" -s \
			-o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k '$sockdir' ${CCHC_PG_OPTS:-}" \
			</dev/null >/dev/null || {
			log_tail postgres
			die "postgres did not start"
		}
	fi
	local deadline=$((SECONDS + UP_TIMEOUT))
	until "$pgbin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U cchc -d postgres; do
		((SECONDS < deadline)) || {
			log_tail postgres
			die "postgres does not answer on 127.0.0.1:$PG_PORT after ${UP_TIMEOUT}s"
		}
		sleep 0.2
	done
	running_pid postgres >"$RUN/postgres.pid"
	if [[ -z $("$pgbin/psql" -h 127.0.0.1 -p "$PG_PORT" -U cchc -d postgres -tAc \
		"SELECT 1 FROM pg_database WHERE datname = 'cchc'") ]]; then
		"$pgbin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U cchc cchc
	fi
	local role=${CCHC_REPL_ROLE:-}
	if [[ -n "$role" ]]; then
		[[ "$role" =~ ^[a-z_][a-z0-9_]*$ ]] || die "CCHC_REPL_ROLE '$role' is not a plain role name"
		if [[ -z $("$pgbin/psql" -h 127.0.0.1 -p "$PG_PORT" -U cchc -d cchc -tAc \
			"SELECT 1 FROM pg_roles WHERE rolname = '$role'") ]]; then
			say "creating role $role (LOGIN REPLICATION) for the national stack"
			"$pgbin/psql" -q -h 127.0.0.1 -p "$PG_PORT" -U cchc -d cchc -c \
				"CREATE ROLE $role LOGIN REPLICATION" || die "cannot create role $role"
		fi
	fi
}

# The source `dev`, granted the whole province, with its private key in $VAR/dev.key.
ensure_dev_source() {
	if [[ -s "$DEV_KEY" ]] && grep -q '^dev[[:space:]]' "$SOURCES" 2>/dev/null; then
		return
	fi
	local grant=${CCHC_DEV_GRANT:-46}
	say "creating source 'dev' (granted $grant) with its key in $DEV_KEY"
	if [[ -f "$SOURCES" ]]; then
		sed -i '/^dev[[:space:]]/d' "$SOURCES"
	fi
	rm -f "$DEV_KEY"
	"$BIN/cchc" source add dev --grant "$grant" --key-out "$DEV_KEY" --sources-file "$SOURCES" \
		--config "$CONF" >/dev/null || die "cchc source add dev failed"
}

start_service() {
	local name=$1 pid
	if pid=$(running_pid "$name"); then
		say "$name already running (pid $pid)"
		return
	fi
	[[ -x "$BIN/$name" ]] || die "$BIN/$name not found (build first: make build)"
	say "starting $name"
	# setsid: the service outlives this script and the terminal; no fd of ours stays open in it.
	setsid "$BIN/$name" --config "$CONF" </dev/null >>"$LOG/$name.log" 2>&1 &
	echo $! >"$RUN/$name.pid"
}

# The console answers an HTTP request with a status line (any status: / may send to /login).
# Bash's own /dev/tcp, so the dev stack needs no HTTP client.
console_answers() {
	local line
	line=$(
		exec 2>/dev/null # "connection refused" is the answer, not an error
		exec 3<>"/dev/tcp/127.0.0.1/$CONSOLE_PORT" || exit 1
		printf 'HEAD / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
		IFS= read -r -t 2 line <&3 && printf '%s' "$line"
	) || return 1
	[[ "$line" == HTTP/1.* ]]
}

wait_services() {
	local deadline=$((SECONDS + UP_TIMEOUT)) name pid
	while :; do
		for name in "${SERVICES[@]}"; do
			# gone, not merely not yet ours: just after the start the pid may still be the
			# shell that is about to exec setsid and the service (its cmdline is not theirs)
			pid=$(cat "$RUN/$name.pid" 2>/dev/null || true)
			if ! [[ "$pid" =~ ^[0-9]+$ ]] || ! kill -0 "$pid" 2>/dev/null ||
				[[ -z "$(tr -d '\0' <"/proc/$pid/cmdline" 2>/dev/null)" ]]; then
				log_tail "$name"
				die "$name exited during start (log: $LOG/$name.log)"
			fi
		done
		# 3: every service answers, a province's replication is not streaming yet (national)
		local rc=0
		"$BIN/cchc" status --config "$CONF" >"$LOG/status.out" 2>&1 || rc=$?
		if ((rc == 0 || rc == 3)); then
			console_answers && return
			echo "console: $CONSOLE_URL does not answer" >"$LOG/status.out"
		fi
		if ((SECONDS >= deadline)); then
			cat "$LOG/status.out" >&2
			for name in "${SERVICES[@]}"; do log_tail "$name"; done
			die "services do not all answer after ${UP_TIMEOUT}s"
		fi
		sleep 0.2
	done
}

cmd_up() {
	mkdir -p "$VAR" "$RUN" "$LOG"
	[[ -x "$BIN/cchc" ]] || die "$BIN/cchc not found (build first: make build)"
	write_conf
	start_postgres
	ensure_dev_source
	local name
	for name in "${SERVICES[@]}"; do start_service "$name"; done
	wait_services
	say "up: ingest tcp://127.0.0.1:$INGEST_PORT, stats :$STATS_PORT, export :$EXPORT_PORT," \
		"postgres :$PG_PORT; console $CONSOLE_URL; config $CONF"
}

stop_one() {
	local name=$1 pid
	if ! pid=$(running_pid "$name"); then
		rm -f "$RUN/$name.pid"
		return
	fi
	say "stopping $name (pid $pid)"
	if [[ "$name" == postgres ]]; then
		setup_pg_user
		as_pg "$(pg_bindir)/pg_ctl" stop -D "$PG" -m fast -w -t 60 -s || die "pg_ctl stop failed"
	else
		# SIGTERM: the service answers the requests it holds first (stop_timeout_ms, default 15 s;
		# docs/operations.md "Stopping"); 30 s, as the systemd units' TimeoutStopSec, covers it.
		kill -TERM "$pid" 2>/dev/null || true
		local deadline=$((SECONDS + 30))
		while pid_alive "$name" "$pid"; do
			if ((SECONDS >= deadline)); then
				say "$name did not stop within 30s; killing it"
				kill -KILL "$pid" 2>/dev/null || true
				break
			fi
			sleep 0.1
		done
	fi
	rm -f "$RUN/$name.pid"
}

cmd_down() {
	[[ -d "$VAR" ]] || return 0
	local i
	for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do stop_one "${SERVICES[i]}"; done
	stop_one postgres
}

cmd_reset() {
	cmd_down
	say "wiping $VAR"
	rm -rf "$VAR"
}

cmd_status() {
	local rc=0 name pid
	for name in postgres "${SERVICES[@]}"; do
		if pid=$(running_pid "$name"); then
			printf '%-12s running (pid %s)\n' "$name" "$pid"
		else
			printf '%-12s stopped\n' "$name"
			rc=1
		fi
	done
	if [[ -x "$BIN/cchc" && -f "$CONF" ]]; then
		"$BIN/cchc" status --config "$CONF" || rc=1
	fi
	if console_answers; then # laid out as `cchc status` lays out the services
		printf '%-8s%-6s%s\n' console up "$CONSOLE_URL"
	else
		printf '%-8s%-6s%s (does not answer)\n' console down "$CONSOLE_URL"
		rc=1
	fi
	return "$rc"
}

case "${1:-}" in
up) cmd_up ;;
down) cmd_down ;;
reset) cmd_reset ;;
status) cmd_status ;;
stop)
	shift
	(($# > 0)) || die "usage: stack.sh stop NAME..."
	for n in "$@"; do
		case "$n" in
		postgres | cchc-stats | cchc-ingest | cchc-export) stop_one "$n" ;;
		*) die "unknown process '$n'" ;;
		esac
	done
	;;
*)
	echo "usage: deploy/stack.sh up|down|reset|status|stop NAME" >&2
	exit 2
	;;
esac
