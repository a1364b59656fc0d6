#!/usr/bin/env bash
# run.sh: builds the libFuzzer harnesses with clang into build-fuzz/ and runs each for a bounded
# time (CCHC_FUZZ_SECONDS, default 60) on a copy of its seed corpus. Skips, saying so, when clang
# or its fuzzer runtime is absent. Longer runs for operators: docs/fuzzing.md.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
seconds=${CCHC_FUZZ_SECONDS:-60}
build=${CCHC_FUZZ_BUILD:-$root/build-fuzz}
if ! command -v clang >/dev/null; then
	echo "fuzz: clang not installed; fuzzing skipped"
	exit 0
fi
cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DCCHC_FUZZ=ON \
	-DCCHC_SANITIZE=ON >/dev/null
cmake --build "$build" -j 2 --target fuzz_ingest fuzz_jsonl fuzz_csv >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for target in ingest jsonl csv; do
	mkdir -p "$work/$target"
	cp "$root/tests/fuzz/corpus/$target/"* "$work/$target/" 2>/dev/null || true
	echo "fuzz: fuzz_$target for ${seconds}s"
	"$build/bin/fuzz_$target" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/" "$work/$target" \
		2>"$work/$target.log" || {
		tail -40 "$work/$target.log"
		echo "fuzz: fuzz_$target FAILED (crash input kept: $(ls "$work"/crash-* 2>/dev/null))"
		cp "$work"/crash-* "$root/" 2>/dev/null || true
		exit 1
	}
	grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$work/$target.log" |
		sed "s/^/fuzz: fuzz_$target /"
done
echo "fuzz: 3 passed, 0 failed"
