#!/usr/bin/env bash
# check_shell: fails when shellcheck finds anything (any severity) in a shell script of the
# repository — every *.sh file and .ci/run — so the scripts that start the stack, install it and
# test it are held to one standard. Sourced files are followed (-x) relative to each script.
set -euo pipefail
cd "${1:-$(dirname "${BASH_SOURCE[0]}")/../..}"

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.sh' .ci/run)
else
	mapfile -t files < <(find . -path ./build -prune -o -path './build-*' -prune -o \
		\( -name '*.sh' -o -path ./.ci/run \) -print)
fi

present=()
for f in "${files[@]}"; do
	[[ -f "$f" ]] && present+=("$f")
done
if ((${#present[@]} == 0)); then
	echo "check_shell: no shell scripts found in $PWD" >&2
	exit 1
fi
if ! shellcheck --external-sources --source-path=SCRIPTDIR --format=gcc "${present[@]}" >&2; then
	echo "check_shell: shellcheck found the problems above in ${#present[@]} scripts" >&2
	exit 1
fi
echo "check_shell: ${#present[@]} shell scripts pass shellcheck"
