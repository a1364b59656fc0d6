#!/usr/bin/env bash
# The console's accounts through `cchc user` (docs/design.md §14): an account of each role, the
# list, every refusal a person can act on (a taken name, a bad role, an unknown scope, a short
# password, an empty password file, no such account), disable and enable, a new password that
# changes the stored hash and the time of the last change; then the audit chain is intact and
# holds each change with who made it, and no hash. Writes no records, so it needs no period; its
# accounts are named tu-*.
source "$(dirname "$0")/lib.sh"

PSQL=(psql "$(sed -n 's/^stats\.db *= *//p' "$CCHC_CONF")" -v ON_ERROR_STOP=1 -tAq)
BY="os:$(id -un)"

# run_user ARGS...: runs `cchc user ARGS`, leaving its exit status in RC and what it printed
# (stdout and stderr) in OUT. Never fails by itself.
run_user() {
	RC=0
	OUT=$(cchc user "$@" 2>&1) || RC=$?
	echo "cchc user $*: exit $RC: $OUT"
}
account() { # account NAME: "role|scope|disabled" as stats keeps it, or "" when there is none
	"${PSQL[@]}" -c "SELECT role || '|' || scope || '|' || disabled FROM console_user WHERE name = '$1'"
}
list_line() { # list_line NAME: NAME's line of `cchc user list`
	local out
	out=$(cchc user list) || fail "cchc user list: exit $?: $out"
	grep -E "^$1 " <<<"$out" || fail "no line for $1 in: $out"
}

printf 'mật khẩu quản trị 1\n' >"$WORK/admin.pw"
printf 'mật khẩu cán bộ 474\r\n' >"$WORK/officer.pw" # a file written on Windows: CRLF
: >"$WORK/empty.pw"
N0=$("${PSQL[@]}" -c "SELECT count(*) FROM audit_log WHERE kind = 'user'")

step "an account of each role, from a file, a CRLF file and stdin"
run_user add tu-admin --role admin --password-file "$WORK/admin.pw"
assert_eq "add admin" 0 "$RC"
assert_contains "add admin says" "Đã tạo tài khoản tu-admin (vai trò admin, phạm vi toàn tỉnh)" "$OUT"
run_user add tu-officer --role officer --scope 474 --password-file "$WORK/officer.pw"
assert_eq "add officer" 0 "$RC"
RC=0
OUT=$(printf 'mật khẩu người xem\nthe second line is not read\n' | cchc user add tu-viewer --role viewer --scope 19753 2>&1) || RC=$?
assert_eq "add viewer from stdin" "0: Đã tạo tài khoản tu-viewer (vai trò viewer, phạm vi 19753)." "$RC: $OUT"
assert_eq "admin kept" "admin||false" "$(account tu-admin)"
assert_eq "officer kept" "officer|474|false" "$(account tu-officer)"
assert_eq "viewer kept" "viewer|19753|false" "$(account tu-viewer)"
assert_eq "hashes are Argon2id" 3 \
	"$("${PSQL[@]}" -c "SELECT count(*) FROM console_user WHERE name LIKE 'tu-%' AND hash LIKE '\$argon2id\$v=19\$%'")"

step "the list: role, scope or the whole province, state, last change"
assert_contains "list admin" "toàn tỉnh" "$(list_line tu-admin)"
assert_contains "list admin" "đang hoạt động" "$(list_line tu-admin)"
assert_contains "list officer" "officer" "$(list_line tu-officer)"
assert_contains "list officer" " 474 " "$(list_line tu-officer)"
[[ "$(list_line tu-viewer)" =~ [0-9]{2}/[0-9]{2}/[0-9]{4}\ [0-9]{2}:[0-9]{2}$ ]] ||
	fail "list: no local time of the last change in: $(list_line tu-viewer)"
[[ "$(cchc user list)" != *argon2* ]] || fail "the list shows a hash"

step "refusals name the account and the reason, exit 1, and change nothing"
run_user add tu-officer --role viewer --password-file "$WORK/admin.pw"
assert_eq "taken name" 1 "$RC"
assert_contains "taken name" "account tu-officer exists already" "$OUT"
assert_eq "taken name kept its role" "officer|474|false" "$(account tu-officer)"
run_user add tu-boss --role boss --password-file "$WORK/admin.pw"
assert_eq "bad role" 1 "$RC"
assert_contains "bad role" "account tu-boss: role 'boss' is not viewer, officer or admin" "$OUT"
run_user add tu-nowhere --role viewer --scope 99999 --password-file "$WORK/admin.pw"
assert_eq "unknown scope" 1 "$RC"
assert_contains "unknown scope" "account tu-nowhere: scope 99999 is not a unit code the registry knows" "$OUT"
RC=0
OUT=$(echo 'ngắn quá' | cchc user add tu-short --role viewer 2>&1) || RC=$?
assert_eq "short password" 1 "$RC"
assert_contains "short password" "account tu-short: the password has 8 characters: at least 10 are needed" "$OUT"
run_user add tu-empty --role viewer --password-file "$WORK/empty.pw"
assert_eq "empty password file" 1 "$RC"
assert_contains "empty password file" "account tu-empty: the password file $WORK/empty.pw is empty" "$OUT"
run_user add Tu-Caps --role viewer --password-file "$WORK/admin.pw"
assert_eq "bad name" 1 "$RC"
assert_contains "bad name" "account name 'Tu-Caps'" "$OUT"
run_user disable tu-nobody
assert_eq "no such account" 1 "$RC"
assert_contains "no such account" "account tu-nobody does not exist" "$OUT"
run_user add tu-norole --password-file "$WORK/admin.pw"
assert_eq "add without --role" 2 "$RC"
for name in tu-boss tu-nowhere tu-short tu-empty tu-norole; do
	assert_eq "$name not created" "" "$(account "$name")"
done

step "disable and enable"
run_user disable tu-officer
assert_eq "disable" "0: Đã khóa tài khoản tu-officer." "$RC: $OUT"
assert_eq "disabled kept" "officer|474|true" "$(account tu-officer)"
assert_contains "list disabled" "đã khóa" "$(list_line tu-officer)"
run_user disable tu-officer
assert_eq "disable again" "0: Tài khoản tu-officer đã bị khóa từ trước." "$RC: $OUT"
run_user enable tu-officer
assert_eq "enable" "0: Đã mở khóa tài khoản tu-officer." "$RC: $OUT"
assert_eq "enabled kept" "officer|474|false" "$(account tu-officer)"

step "a new password changes the hash and the time of the last change"
BEFORE=$("${PSQL[@]}" -c "SELECT hash || '|' || changed_ms FROM console_user WHERE name = 'tu-viewer'")
RC=0
OUT=$(echo 'mật khẩu mới của người xem' | cchc user passwd tu-viewer 2>&1) || RC=$?
assert_eq "passwd" "0: Đã đổi mật khẩu tài khoản tu-viewer." "$RC: $OUT"
AFTER=$("${PSQL[@]}" -c "SELECT hash || '|' || changed_ms FROM console_user WHERE name = 'tu-viewer'")
[[ "${AFTER%|*}" != "${BEFORE%|*}" ]] || fail "passwd left the hash as it was"
((${AFTER##*|} > ${BEFORE##*|})) || fail "passwd did not move changed_ms: ${BEFORE##*|} -> ${AFTER##*|}"
echo "ok: hash and changed_ms (${BEFORE##*|} -> ${AFTER##*|}) changed"
RC=0
OUT=$(echo 'short' | cchc user passwd tu-viewer 2>&1) || RC=$?
assert_eq "short new password" 1 "$RC"
assert_eq "short new password changed nothing" "$AFTER" \
	"$("${PSQL[@]}" -c "SELECT hash || '|' || changed_ms FROM console_user WHERE name = 'tu-viewer'")"

step "the audit chain holds each change, who made it, and no hash"
OUT=$(cchc audit verify) || fail "audit verify: exit $?: $OUT"
assert_contains "audit verify" "chain intact" "$OUT"
assert_eq "user entries" $((N0 + 6)) "$("${PSQL[@]}" -c "SELECT count(*) FROM audit_log WHERE kind = 'user'")"
assert_eq "the entries, in order" \
	"add tu-admin $BY role=admin scope=
add tu-officer $BY role=officer scope=474
add tu-viewer $BY role=viewer scope=19753
disable tu-officer $BY 
enable tu-officer $BY 
passwd tu-viewer $BY " \
	"$("${PSQL[@]}" -c "SELECT event || ' ' || account || ' ' || actor || ' ' || detail FROM audit_log WHERE kind = 'user' AND account LIKE 'tu-%' ORDER BY id")"
assert_eq "no hash in the audit log" 0 \
	"$("${PSQL[@]}" -c "SELECT count(*) FROM audit_log a WHERE a::text LIKE '%argon2%'")"
echo "$TEST_NAME: PASS"
