#!/usr/bin/env bash
# Throughput of one swift-kes instance against three, on one OpenBao Raft cluster.
#
#   Benchmarks/instances.sh [-c C] [-d SECONDS] [-r ROUNDS] [OP]     OP: generate (default), decrypt
#
# Starts a 3-node OpenBao Raft cluster (backends/openbao-raft.sh) and three release `kes` servers
# that list all three nodes, then runs kes-bench alternately against server 1 alone and against
# all three (kes-bench -s a,b,c spreads its connections evenly), ROUNDS times each. All three
# servers run in both cases, so the idle ones cost the same. Prints req/s, p99 and the CPU time
# all servers together spent per request (utime+stime from /proc), and the medians.
set -euo pipefail
c=48; seconds=5; rounds=3
while [ "$#" -gt 0 ]; do
    case "$1" in
        -c) c="$2"; shift 2 ;;
        -d) seconds="$2"; shift 2 ;;
        -r) rounds="$2"; shift 2 ;;
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
        -*) echo "instances.sh: unknown option '$1'" >&2; exit 2 ;;
        *) break ;;
    esac
done
op=${1:-generate}
repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/Benchmarks/lib.sh"
release_binaries "$repo" 1 || exit 1
kes=$KES_BIN; bench=$BENCH_BIN
out=$(mktemp -d /tmp/kes-instances.XXXXXX)
hz=$(getconf CLK_TCK)
pids=()
cleanup() {
    set +e
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    "$repo/backends/openbao-raft-stop.sh" "$out/raft" >/dev/null 2>&1
}
trap cleanup EXIT

new_admin "$kes"
server_certificate "$out"
cluster=$("$repo/backends/openbao-raft.sh" "$out/raft")
value() { echo "$cluster" | sed -n "s/^$1=//p"; }
IFS=, read -r -a nodes <<<"$(value VAULT_ADDRS)"

ports=()
for i in 0 1 2; do
    # Each server lists its own node first, as a deployment with one server per node would.
    endpoints="${nodes[$i]}"
    for node in "${nodes[@]}"; do [ "$node" = "${nodes[$i]}" ] || endpoints="$endpoints, $node"; done
    cat >"$out/server$i.yaml" <<YAML
address: 127.0.0.1:0
admin: { identity: $admin_identity }
tls: { key: $out/server.key, cert: $out/server.crt }
keystore:
  vault:
    endpoint: [ $endpoints ]
    engine: secret
    version: v2
    prefix: bench
    approle: { id: $(value VAULT_ROLE_ID), secret: $(value VAULT_SECRET_ID) }
YAML
    "$kes" server --config "$out/server$i.yaml" >"$out/server$i.log" 2>&1 &
    pids+=("$!")
done
for i in 0 1 2; do
    for _ in $(seq 1 50); do
        port=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$out/server$i.log" | head -n 1)
        [ -n "$port" ] && break
        sleep 0.1
    done
    [ -n "$port" ] || { echo "server $i did not start: $(cat "$out/server$i.log")" >&2; exit 1; }
    ports+=("$port")
done
one="https://127.0.0.1:${ports[0]}"
three="$one,https://127.0.0.1:${ports[1]},https://127.0.0.1:${ports[2]}"
"$bench" -k -s "$one" --api-key "$api_key" --op "$op" --name bench --create-key -c 4 -d 1s --warmup 0s >/dev/null

all_ticks() {  # every kes server started here, together
    local total=0 pid
    for pid in "${pids[@]}"; do total=$((total + $(cpu_ticks "$pid"))); done
    echo "$total"
}
run() {
    local label=$1 servers=$2 before after report
    "$bench" -k -s "$servers" --api-key "$api_key" --op "$op" --name bench -c "$c" -d 1s --warmup 0s >/dev/null
    before=$(all_ticks)
    report=$("$bench" -k -s "$servers" --api-key "$api_key" --op "$op" --name bench -c "$c" -d "${seconds}s" --warmup 0s --json)
    after=$(all_ticks)
    echo "$report" | python3 -c '
import json, sys
r = json.load(sys.stdin); ticks = int(sys.argv[2]) - int(sys.argv[1]); hz = int(sys.argv[3])
n = r["ok_rps"] * float(sys.argv[5])
print("%s %.0f %.2f %.1f" % (sys.argv[4], r["ok_rps"], r["latency_us"]["p99"] / 1000, ticks / hz * 1e6 / n))
' "$before" "$after" "$hz" "$label" "$seconds" | tee -a "$out/results.txt"
}
echo "label req/s p99_ms cpu_us_per_request   ($op, C=$c, ${seconds}s rounds)"
for _ in $(seq 1 "$rounds"); do
    run one "$one"
    run three "$three"
done
python3 - "$out/results.txt" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
for label in ("one", "three"):
    mine = [row for row in rows if row[0] == label]
    med = lambda i: statistics.median(float(row[i]) for row in mine)
    print("median %-5s %8.0f req/s  p99 %.2f ms  %.1f us CPU/request" % (label, med(1), med(2), med(3)))
PY
echo "kept $out"
