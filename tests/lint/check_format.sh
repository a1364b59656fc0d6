#!/usr/bin/env bash
# check_format: fails when a C file of the repository differs from what clang-format makes of it,
# naming each such file, so layout is settled by the formatter and never by review (.clang-format).
set -euo pipefail
cd "${1:-$(dirname "${BASH_SOURCE[0]}")/../..}"

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.c' '*.h')
else
	mapfile -t files < <(find . -path ./build -prune -o -path './build-*' -prune -o \
		\( -name '*.c' -o -name '*.h' \) -print)
fi

bad=0
for f in "${files[@]}"; do
	[[ -f "$f" ]] || continue
	if ! clang-format --style=file "$f" | cmp -s - "$f"; then
		echo "check_format: $f differs from clang-format (run: clang-format -i $f)" >&2
		bad=$((bad + 1))
	fi
done
if ((bad)); then
	echo "check_format: $bad of ${#files[@]} C files need clang-format" >&2
	exit 1
fi
echo "check_format: ${#files[@]} C files match clang-format"
