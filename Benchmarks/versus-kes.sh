#!/usr/bin/env bash
# swift-kes against a reference MinIO KES build on loopback, with nginx as the static-TLS floor.
#
#   Benchmarks/versus-kes.sh [-d DURATION] [-n ROUNDS] [-c "16 64"] [--tail-rounds N]
#                            [--tail-duration D] [--no-tail] [--no-build] [--keep]
#
# 1. Closed loop: for each C and round, generate and decrypt on swift-kes and on KES (alternating),
#    and nginx's static body; prints req/s, p99 and each server's CPU time per request.
# 2. Open loop (the tail): both servers at 80 % of KES's median closed-loop generate rate at the
#    highest C, alternating; prints p50, p99 and p99.9 counted from each request's due time.
#
# Environment: KES_REFERENCE_BIN (default $KES_REFERENCE_DIR/kes-2023, the directory defaulting
# to shared/anchors beside the repository), KES_BIN and BENCH_BIN (prebuilt binaries), RESULTS_DIR
# (keep results.jsonl and summary.md there), ports KES_PORT (17373), REF_PORT (17374),
# NGINX_PORT (18443). Everything it starts is stopped by PID on exit. See Benchmarks/README.md.
set -euo pipefail

duration=5s
rounds=3
concurrencies="16 64"
tail_rounds=3
tail_duration=10s
tail=1
build=1
keep=0
while [ "$#" -gt 0 ]; do
    case "$1" in
        -d|--duration) duration="$2"; shift 2 ;;
        -n|--rounds) rounds="$2"; shift 2 ;;
        -c|--connections) concurrencies="$2"; shift 2 ;;
        --tail-rounds) tail_rounds="$2"; shift 2 ;;
        --tail-duration) tail_duration="$2"; shift 2 ;;
        --no-tail) tail=0; shift ;;
        --no-build) build=0; shift ;;
        --keep) keep=1; shift ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) echo "versus-kes.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
done

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
repo=$(cd "$here/.." && pwd)
log() { echo "versus-kes.sh: $*" >&2; }

reference_kes "$repo" || { log "no reference KES at $reference (set KES_REFERENCE_BIN)"; exit 1; }
for tool in curl openssl python3; do
    command -v "$tool" >/dev/null 2>&1 || { log "'$tool' not found"; exit 1; }
done
ensure_nginx
release_binaries "$repo" "$build" || exit 1

kes_port=${KES_PORT:-17373}
ref_port=${REF_PORT:-17374}
nginx_port=${NGINX_PORT:-18443}
hz=$(getconf CLK_TCK)

work=$(mktemp -d /tmp/kes-versus.XXXXXX)
chmod 755 "$work"
kes_pid=""; ref_pid=""; nginx_pid=""
cleanup() {
    set +e
    stop_pids "$kes_pid" "$ref_pid" "$nginx_pid"
    # What was measured survives an abort.
    if [ -n "${RESULTS_DIR:-}" ] && [ -s "$work/results.jsonl" ]; then
        mkdir -p "$RESULTS_DIR" && cp "$work/results.jsonl" "$RESULTS_DIR/"
    fi
    drop_work "$work" "$keep"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

server_certificate "$work"
probe_certificate "$work"
new_admin "$KES_BIN" || exit 1

# The same config for both servers, each on its own key directory: one declared key, /v1/ready
# open to the probe. Neither logs requests (no audit log), as in the default KES config.
server_config() {  # DIR PORT
    mkdir -p "$1/keys"
    { config_head "$2" "$work"; cat <<EOF
keys:
  - name: bench
keystore:
  fs:
    path: $1/keys
EOF
    } >"$1/config.yaml"
}
server_config "$work/swift-kes" "$kes_port"
server_config "$work/kes-2023" "$ref_port"

start=$(now_ns)
launch_key_server swift-kes "$work/swift-kes/config.yaml" "$work/swift-kes/server.log"
kes_pid=$!
ms=$(wait_ready "$start" "$kes_pid" "https://127.0.0.1:$kes_port/v1/ready" "$work/probe.crt" "$work/probe.key" "$work/swift-kes/server.log")
log "swift-kes ready after $ms ms"
start=$(now_ns)
launch_key_server kes-2023 "$work/kes-2023/config.yaml" "$work/kes-2023/server.log"
ref_pid=$!
ms=$(wait_ready "$start" "$ref_pid" "https://127.0.0.1:$ref_port/v1/ready" "$work/probe.crt" "$work/probe.key" "$work/kes-2023/server.log")
log "KES 2023 ready after $ms ms"
start_nginx "$work/nginx" "$nginx_port" "$work/server.crt" "$work/server.key"
wait_ready "$(now_ns)" "$nginx_pid" "https://127.0.0.1:$nginx_port/" "$work/probe.crt" "$work/probe.key" "$work/nginx/error.log" >/dev/null

results="$work/results.jsonl"
: >"$results"
pid_of() { case "$1" in swift-kes) echo "$kes_pid" ;; kes-2023) echo "$ref_pid" ;; nginx) echo "$nginx_pid" ;; esac; }
url_of() { case "$1" in swift-kes) echo "https://127.0.0.1:$kes_port" ;; kes-2023) echo "https://127.0.0.1:$ref_port" ;; nginx) echo "https://127.0.0.1:$nginx_port" ;; esac; }

# run PHASE SERVER OP C ROUND -- KES-BENCH-ARGS: one measured kes-bench run, with the server's CPU
# time read from /proc around it. The warm-up is a separate short run so that the CPU counted
# belongs to the requests counted (the measured run's own 16–64 handshakes stay in: about 1 %).
run() {
    local phase=$1 server=$2 op=$3 c=$4 round=$5 pid before after report children=""
    shift 6
    pid=$(pid_of "$server")
    [ "$server" = nginx ] && children=children
    "$BENCH_BIN" -k --api-key "$api_key" -s "$(url_of "$server")" -c "$c" -d 1s --warmup 0s --json "$@" >/dev/null || true
    before=$(cpu_ticks "$pid" $children)
    if ! report=$("$BENCH_BIN" -k --api-key "$api_key" -s "$(url_of "$server")" -c "$c" -d "$duration" --warmup 0s --json "$@"); then
        log "$phase $server $op C=$c round $round failed"
        return 0
    fi
    after=$(cpu_ticks "$pid" $children)
    printf '{"phase":"%s","server":"%s","op":"%s","c":%s,"round":%s,"cpu_ticks":%s,"hz":%s,"report":%s}\n' \
        "$phase" "$server" "$op" "$c" "$round" "$((after - before))" "$hz" "$report" >>"$results"
    log "$phase $server $op C=$c round $round: $(echo "$report" | python3 -c '
import json, sys
r = json.load(sys.stdin); ticks = int(sys.argv[1]); hz = int(sys.argv[2])
n = r["requests"]
cpu = " CPU %.1f us/req" % (ticks / hz * 1e6 / n) if n else ""
print("%.0f ok/s, p99 %.2f ms, p99.9 %.2f ms, errors %d%s" % (r["ok_rps"], r["latency_us"]["p99"] / 1000, r["latency_us"]["p999"] / 1000, r["errors"], cpu))
' "$((after - before))" "$hz")"
}

for c in $concurrencies; do
    for round in $(seq 1 "$rounds"); do
        for op in generate decrypt; do
            # Alternate which server goes first, so drift within a round hits both alike.
            if [ $((round % 2)) = 1 ]; then order="swift-kes kes-2023"; else order="kes-2023 swift-kes"; fi
            for server in $order; do run closed "$server" "$op" "$c" "$round" -- --op "$op" --name bench; done
        done
        run closed nginx static "$c" "$round" -- --path /
    done
done

top_c=$(echo "$concurrencies" | tr ' ' '\n' | sort -n | tail -n 1)
kes_max=$(python3 -c '
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rates = [r["report"]["ok_rps"] for r in rows if r["server"] == "kes-2023" and r["op"] == "generate" and r["c"] == int(sys.argv[2])]
print(int(statistics.median(rates)) if rates else 0)' "$results" "$top_c")
rate=$((kes_max * 8 / 10))
if [ "$tail" = 1 ] && [ "$rate" = 0 ]; then
    log "no KES generate run succeeded at C=$top_c: no rate for the open loop"
elif [ "$tail" = 1 ]; then
    log "open loop at $rate req/s (80 % of KES's median generate maximum $kes_max at C=$top_c)"
    saved_duration=$duration
    duration=$tail_duration
    for round in $(seq 1 "$tail_rounds"); do
        if [ $((round % 2)) = 1 ]; then order="swift-kes kes-2023"; else order="kes-2023 swift-kes"; fi
        for server in $order; do run open "$server" generate "$top_c" "$round" -- --op generate --name bench --rate "$rate"; done
    done
    duration=$saved_duration
fi

echo
echo "versus-kes.sh: closed loop -d $duration x $rounds round(s), C in {$concurrencies}; $(date -u +%Y-%m-%dT%H:%MZ); $(nproc) cores"
echo
python3 "$here/summarize_versus.py" "$results" | tee "$work/summary.md"
if [ -n "${RESULTS_DIR:-}" ]; then
    mkdir -p "$RESULTS_DIR"
    cp "$results" "$work/summary.md" "$RESULTS_DIR/"
    log "results copied to $RESULTS_DIR"
fi
