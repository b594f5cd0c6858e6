# SPDX-License-Identifier: MIT
# The benchmark cannot rot: a smoke run (N=10, 64 KiB image) must produce
# the CSV with the documented columns, all devices updated, the markdown
# table, the plot, the machine's description and the write-up.
set -euo pipefail
: "${EFL_BUILD:?}" "${EFL_TESTS:?}"
out=$(mktemp -d "${TMPDIR:-/tmp}/efl-bench-smoke.XXXXXX")
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
BENCH_BUILD=$EFL_BUILD BENCH_OUT=$out "$EFL_TESTS/../bench/run" --smoke \
	>"$out/stdout" 2>"$out/stderr" || { cat "$out/stderr" >&2; fail "bench/run"; }
head -1 "$out/results.csv" | grep -q '^scenario,n,wall_s,limit_s,ratio,cpu_s,rss_kib' ||
	fail "CSV header: $(head -1 "$out/results.csv")"
grep -q '^scaling,10,[0-9.]*,[0-9.]*,[0-9.]*,[0-9.]*,[0-9]*,[0-9.]*,10/10,' \
	"$out/results.csv" || fail "scaling row: $(cat "$out/results.csv")"
grep -q '^| scaling | 10 |' "$out/stdout" || fail "markdown table"
[ -s "$out/scaling.png" ] || fail "no plot"
grep -q '^cpu_model=.' "$out/machine.txt" || fail "machine.txt: no CPU model"
# the write-up (bench/report, python3): the machine and the scaling table
if command -v python3 >/dev/null; then
	grep -q '^| CPU | ' "$out/RESULTS.md" || fail "RESULTS.md: no machine"
	grep -q '^| 10 | ' "$out/RESULTS.md" || fail "RESULTS.md: no scaling row"
	[ -s "$out/how-fast.md" ] || fail "no how-fast.md"
fi
echo "bench-smoke: ok"
