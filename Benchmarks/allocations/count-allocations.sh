#!/usr/bin/env bash
# Allocations per request on the whole server path (TLS, HTTP, JSON, crypto), at steady state.
#
#   Benchmarks/allocations/count-allocations.sh [OP ...]      # default: generate decrypt
#
# Builds a tiny malloc-counting library with gcc, starts `kes server --dev` (release) with it
# preloaded, warms each operation up, then counts the allocations during a 4 s kes-bench run and
# divides by the requests served. Stops the server by PID.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
ops=("$@"); [ ${#ops[@]} -gt 0 ] || ops=(generate decrypt)
kes=${KES_BIN:-$root/.build/release/kes}
bench=${BENCH_BIN:-$root/.build/release/kes-bench}
[ -x "$kes" ] && [ -x "$bench" ] || (cd "$root" && swift build -c release --product kes && swift build -c release --product kes-bench)
work=$(mktemp -d)
gcc -O2 -shared -fPIC -o "$work/mallocount.so" "$root/Benchmarks/allocations/mallocount.c" -ldl
port=${KES_PORT:-17474}
LD_PRELOAD="$work/mallocount.so" "$kes" server --dev --addr "127.0.0.1:$port" >"$work/server.out" 2>"$work/server.err" &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do grep -q 'kes:v1:' "$work/server.out" 2>/dev/null && break; sleep 0.1; done
key=$(grep -o 'kes:v1:[A-Za-z0-9+/=]*' "$work/server.out" | head -1)
count() { kill -USR1 "$pid"; sleep 0.3; grep MALLOCS "$work/server.err" | tail -1 | awk '{print $2}'; }
for op in "${ops[@]}"; do
    "$bench" -k -s "https://127.0.0.1:$port" --api-key "$key" --op "$op" --create-key -c 16 -d 1s --warmup 0s >/dev/null
    before=$(count)
    requests=$("$bench" -k -s "https://127.0.0.1:$port" --api-key "$key" --op "$op" -c 16 -d 4s --warmup 0s --json \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])')
    after=$(count)
    python3 -c "print(f'$op: {($after - $before) / $requests:.1f} allocations per request ({$requests} requests)')"
done
