#!/usr/bin/env bash
# national: the national roll-up's dev stacks on one machine (docs/design.md §11, §15): a province
# stack for each code of NATIONAL_PROVINCES under var/p<CODE>/ (its own cchc.conf, ports and
# PostgreSQL with wal_level = logical, publishing), and the Ministry's stack under var/national/,
# subscribed to each. Each is a deploy/stack.sh stack; this script only chooses their settings.
#
#   deploy/national.sh up      start whatever is not running; return once every stack answers
#   deploy/national.sh demo    up, push a generated quarter into each province, close it in the
#                              first, wait until the national stack has every province's figures,
#                              and write the national report into out/national/ in every format
#   deploy/national.sh down    stop every province stack and the national stack (var/p*/, var/national/)
#   deploy/national.sh reset   down, then wipe their folders
#   deploy/national.sh status  each stack's deploy/stack.sh status
#
# Environment: NATIONAL_PROVINCES (default "46 48"), NATIONAL_PORT_BASE (default 7410: the national
# stack on it, the k-th province on it + 10 k; each stack uses +1..+4 and +9), NATIONAL_VAR (default
# ./var), CCHC_BIN (default ./build/bin), NATIONAL_PERIOD (default 2024-Q1), NATIONAL_DOSSIERS
# (per province, default 20000), NATIONAL_OUT (default out/national), NATIONAL_MAX_AGE (the
# national stack's national.max_age, default 1h). A province's registry is deploy/data/units.csv
# for 46 and deploy/data/units-<CODE>.csv for any other.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STACK="$ROOT/deploy/stack.sh"

die() {
	echo "national: $*" >&2
	exit 1
}
say() { echo "national: $*"; }

abspath() {
	case "$1" in
	/*) printf '%s\n' "$1" ;;
	*) printf '%s\n' "$PWD/${1#./}" ;;
	esac
}

read -r -a PROVINCES <<<"${NATIONAL_PROVINCES:-46 48}"
((${#PROVINCES[@]} > 0)) || die "NATIONAL_PROVINCES is empty"
BASE=${NATIONAL_PORT_BASE:-7410}
[[ "$BASE" =~ ^[0-9]+$ ]] || die "NATIONAL_PORT_BASE must be a number, not '$BASE'"
VAR=$(abspath "${NATIONAL_VAR:-./var}")
BIN=$(abspath "${CCHC_BIN:-./build/bin}")
PERIOD=${NATIONAL_PERIOD:-2024-Q1}
DOSSIERS=${NATIONAL_DOSSIERS:-20000}
OUT=$(abspath "${NATIONAL_OUT:-out/national}")
MAX_AGE=${NATIONAL_MAX_AGE:-1h}
REPL_ROLE=cchc_repl

for code in "${PROVINCES[@]}"; do
	[[ "$code" =~ ^[0-9]{2}$ ]] || die "'$code' in NATIONAL_PROVINCES is not a two-digit province code"
done

province_dir() { echo "$VAR/p$1"; }
province_base() { echo $((BASE + 10 * ($2 + 1))); } # CODE INDEX
province_pg_port() { echo $(($(province_base "$1" "$2") + 9)); }

units_file() {
	local f="$ROOT/deploy/data/units-$1.csv"
	[[ "$1" == 46 ]] && f="$ROOT/deploy/data/units.csv"
	[[ -f "$f" ]] || die "no registry for province $1: $f"
	echo "$f"
}

# The province unit's name in its registry (level 1), for the report's header.
province_name() {
	awk -F, '$4 == 1 { print $3; exit }' "$(units_file "$1")"
}

province_up() { # CODE INDEX
	local code=$1 i=$2 extra name
	name=$(province_name "$code")
	extra="province = $code
publish = on
publish.role = $REPL_ROLE
report.scope = $code"
	if [[ "$code" != 46 ]]; then # 46 keeps the dev stack's header and template
		local issuer=$name # the header's issuer is in capitals: known for 48, else as named
		[[ "$code" == 48 ]] && issuer="THÀNH PHỐ ĐÀ NẴNG"
		extra+="
report.issuer = ỦY BAN NHÂN DÂN|$issuer
report.place = ${name#Thành phố }
report.template ="
	fi
	say "province $code ($name) in $(province_dir "$code")"
	CCHC_VAR=$(province_dir "$code") CCHC_PORT_BASE=$(province_base "$code" "$i") CCHC_BIN="$BIN" \
		CCHC_UNITS_FILE=$(units_file "$code") CCHC_DEV_GRANT="$code" CCHC_REPL_ROLE="$REPL_ROLE" \
		CCHC_PG_OPTS="-c wal_level=logical -c max_wal_senders=10 -c max_replication_slots=10 -c max_slot_wal_keep_size=1GB" \
		CCHC_CONF_EXTRA="$extra" "$STACK" up
}

national_up() {
	local n=${#PROVINCES[@]} i extra
	extra="mode = national
report.scope = VN
report.issuer = BỘ NỘI VỤ
report.number = Số:      /BC-BNV
report.place = Hà Nội
report.signer_role = KT. BỘ TRƯỞNG|THỨ TRƯỞNG
report.recipients = Thủ tướng Chính phủ (để báo cáo);|Văn phòng Chính phủ;|Ủy ban nhân dân các tỉnh, thành phố trực thuộc trung ương;|Lưu: VT, Vụ CCHC.
report.template =
national.max_age = $MAX_AGE"
	for i in "${!PROVINCES[@]}"; do
		extra+="
national.province.${PROVINCES[i]} = host=127.0.0.1 port=$(province_pg_port "${PROVINCES[i]}" "$i") dbname=cchc user=$REPL_ROLE connect_timeout=5"
	done
	say "national stack in $VAR/national, subscribed to ${PROVINCES[*]}"
	# Per province an apply worker with its replication origin, and during the initial copy up to
	# max_sync_workers_per_subscription (2) table-sync workers, each with an origin of its own:
	# with N + 4 the first copies of two provinces ran out of origins (apply errors, retried).
	CCHC_VAR="$VAR/national" CCHC_PORT_BASE="$BASE" CCHC_BIN="$BIN" \
		CCHC_PG_OPTS="-c max_replication_slots=$((3 * n + 4)) -c max_logical_replication_workers=$((3 * n + 4)) -c max_worker_processes=$((3 * n + 12))" \
		CCHC_CONF_EXTRA="$extra" "$STACK" up
}

cmd_up() {
	local i
	for i in "${!PROVINCES[@]}"; do province_up "${PROVINCES[i]}" "$i"; done
	national_up
}

# Every stack folder this script may have made, whatever NATIONAL_PROVINCES says now.
stack_dirs() {
	local d
	for d in "$VAR"/p[0-9][0-9] "$VAR/national"; do
		[[ -f "$d/stack.env" ]] && echo "$d"
	done
	return 0
}

cmd_down() {
	local d
	# the national stack first: its subscriptions then stop cleanly rather than retry
	for d in $(stack_dirs | sort -r); do CCHC_VAR="$d" "$STACK" down; done
}

cmd_reset() {
	local d
	for d in $(stack_dirs | sort -r); do CCHC_VAR="$d" "$STACK" reset; done
}

cmd_status() {
	local d rc=0
	for d in $(stack_dirs); do
		echo "== $d"
		CCHC_VAR="$d" "$STACK" status || rc=1
	done
	return "$rc"
}

# The province's figures as the national stack holds them equal its own: the JSON reports match.
same_figures() { # CODE
	local code=$1 mine theirs
	mine=$("$BIN/cchc" report --period "$PERIOD" --scope "$code" --format json -o - \
		--config "$(province_dir "$code")/cchc.conf" 2>/dev/null | jq -S '{dossiers, feedback, as_of}') || return 1
	theirs=$("$BIN/cchc" report --period "$PERIOD" --scope "$code" --format json -o - \
		--config "$VAR/national/cchc.conf" 2>/dev/null | jq -S '{dossiers, feedback, as_of}') || return 1
	[[ -n "$mine" && "$mine" == "$theirs" ]]
}

cmd_demo() {
	local code i conf deadline
	cmd_up
	mkdir -p "$OUT"
	for i in "${!PROVINCES[@]}"; do
		code=${PROVINCES[i]}
		conf="$(province_dir "$code")/cchc.conf"
		say "province $code: $DOSSIERS dossiers of $PERIOD"
		"$BIN/cchc" gen --period "$PERIOD" --dossiers "$DOSSIERS" --seed "$code" \
			-o "$(province_dir "$code")/demo-$PERIOD.jsonl" --config "$conf"
		# a second demo pushes the same events again: duplicates, which change nothing
		"$BIN/cchc" push "$(province_dir "$code")/demo-$PERIOD.jsonl" --config "$conf" ||
			die "province $code: push failed"
	done
	# The first province closes the quarter: the national report shows it as its closed version,
	# the others as their figures now.
	code=${PROVINCES[0]}
	conf="$(province_dir "$code")/cchc.conf"
	if "$BIN/cchc" period list "$PERIOD" --scope "$code" --config "$conf" | grep -q "đang có hiệu lực"; then
		say "province $code: $PERIOD is closed already; its standing version is kept"
	else
		"$BIN/cchc" period close "$PERIOD" --scope "$code" --by demo --force \
			--note "Số liệu quý của bản demo" --config "$conf"
	fi
	for code in "${PROVINCES[@]}"; do
		deadline=$((SECONDS + 120))
		until same_figures "$code"; do
			((SECONDS < deadline)) || die "province $code: the national stack has not caught up after 120 s (deploy/national.sh status)"
			sleep 0.5
		done
		say "province $code: the national stack holds the same figures as the province"
	done
	local report="$OUT/bao-cao-$PERIOD-VN" format target
	for format in json csv xlsx docx pdf; do
		target="$report.$format"
		[[ "$format" == csv ]] && target="$report"
		"$BIN/cchc" report --period "$PERIOD" --scope VN --format "$format" -o "$target" \
			--config "$VAR/national/cchc.conf"
	done
	"$BIN/cchc" status --config "$VAR/national/cchc.conf" >"$OUT/trang-thai-dong-bo.txt" || true
	cat <<MSG
national: done.
  report    $(printf '%s\n' "$report"* | sed '2,$s/^/            /')
  stacks    $(stack_dirs | tr '\n' ' ')
            stop them with: make down
MSG
}

case "${1:-}" in
up) cmd_up ;;
demo) cmd_demo ;;
down) cmd_down ;;
reset) cmd_reset ;;
status) cmd_status ;;
*)
	echo "usage: deploy/national.sh up|demo|down|reset|status" >&2
	exit 2
	;;
esac
