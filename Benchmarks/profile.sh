#!/usr/bin/env bash
# Server CPU per request and a perf profile of the release server under kes-bench load.
#
#   Benchmarks/profile.sh [--perf] [-c C] [-d SECONDS] OP...     OP: generate decrypt encrypt hmac status version describe describe
#
# Starts the release `kes` (under `perf record -e cpu-clock -g` with --perf; perf can only sample a
# process it started on this machine), runs kes-bench for each OP, and prints the server's CPU time
# (utime+stime from /proc) per request. CPU time on this shared machine swings by ±20 % between
# runs, so compare medians of several runs, interleaved. (callgrind would count instructions
# instead, but valgrind 3.19 crashes on the Swift runtime here.) With --perf, the flat profile is written to
# $OUT/perf-OP.txt (OUT defaults to a temp dir that is kept and printed).
set -euo pipefail
c=16; seconds=4; use_perf=0
while [ "$#" -gt 0 ]; do
    case "$1" in
        -c) c="$2"; shift 2 ;;
        -d) seconds="$2"; shift 2 ;;
        --perf) use_perf=1; shift ;;
        -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
        -*) echo "profile.sh: unknown option '$1'" >&2; exit 2 ;;
        *) break ;;
    esac
done
[ "$#" -gt 0 ] || { echo "profile.sh: name at least one OP" >&2; exit 2; }
repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/Benchmarks/lib.sh"
release_binaries "$repo" 1 || exit 1
kes=$KES_BIN; bench=$BENCH_BIN
port=${KES_PORT:-17474}
out=${OUT:-$(mktemp -d /tmp/kes-profile.XXXXXX)}
hz=$(getconf CLK_TCK)

server_pid=""; perf_pid=""
cleanup() {
    set +e
    [ -n "$perf_pid" ] && kill -INT "$perf_pid" 2>/dev/null && wait "$perf_pid" 2>/dev/null
    [ -n "$server_pid" ] && kill -TERM "$server_pid" 2>/dev/null
}
trap cleanup EXIT

new_admin "$kes"
server_certificate "$out"
mkdir -p "$out/keys"
cat >"$out/config.yaml" <<YAML
version: v1
address: 127.0.0.1:$port
admin: { identity: $admin_identity }
tls: { key: $out/server.key, cert: $out/server.crt }
keys: [ { name: bench } ]
keystore: { fs: { path: $out/keys } }
YAML

for op in "$@"; do
    if [ "$use_perf" = 1 ]; then
        perf record -q -e cpu-clock -g -o "$out/perf-$op.data" -- "$kes" server --config "$out/config.yaml" >"$out/server.log" 2>&1 &
        perf_pid=$!
        sleep 1.5
        server_pid=$(pgrep -n -f "kes server --config $out/config.yaml" | head -n 1)
    else
        "$kes" server --config "$out/config.yaml" >"$out/server.log" 2>&1 &
        server_pid=$!
        sleep 0.5
    fi
    bench_op=$op; extra=()
    [ "$op" = version ] && { bench_op=raw; extra=(--method GET --path /version); }
    [ "$op" = describe ] && { bench_op=raw; extra=(--method GET --path /v1/key/describe/bench); }
    [ "$op" = describe ] && { bench_op=raw; extra=(--method GET --path /v1/key/describe/bench); }
    "$bench" -k -s "https://127.0.0.1:$port" --api-key "$api_key" --op "$bench_op" --name bench -c "$c" -d 1s --json "${extra[@]}" >/dev/null
    before=$(cpu_ticks "$server_pid")
    report=$("$bench" -k -s "https://127.0.0.1:$port" --api-key "$api_key" --op "$bench_op" --name bench -c "$c" -d "${seconds}s" --warmup 0s --json "${extra[@]}")
    after=$(cpu_ticks "$server_pid")
    echo "$report" | python3 -c '
import json, sys
r = json.load(sys.stdin); ticks = int(sys.argv[2]) - int(sys.argv[1]); hz = int(sys.argv[3])
n = r["ok"] if "ok" in r else r["ok_rps"] * float(sys.argv[5])
print("%-9s C=%s  %7.0f req/s  p99 %.2f ms  server CPU %.1f us/request" % (sys.argv[4], sys.argv[6], r["ok_rps"], r["latency_us"]["p99"] / 1000, ticks / hz * 1e6 / n))
' "$before" "$after" "$hz" "$op" "$seconds" "$c"
    if [ "$use_perf" = 1 ]; then
        kill -TERM "$server_pid"; wait "$perf_pid" 2>/dev/null || true; perf_pid=""; server_pid=""
        perf report -i "$out/perf-$op.data" --no-children --sort symbol --stdio 2>/dev/null | grep -v '^#' | grep '%' | head -n 60 >"$out/perf-$op.txt"
        perf report -i "$out/perf-$op.data" --children --sort symbol --stdio -g none 2>/dev/null | grep -v '^#' | grep '%' | head -n 80 >"$out/perf-$op-children.txt"
        echo "  profile: $out/perf-$op.txt"
    else
        kill -TERM "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
    fi
done
echo "kept $out"
