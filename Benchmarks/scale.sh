#!/usr/bin/env bash
# How swift-kes's costs grow with the work, next to a reference MinIO KES build on the same input.
#
#   Benchmarks/scale.sh [-s "1000 10000 100000"] [-n ROUNDS] [--no-build] [--keep] PART...
#
# PART is one or more of:
#   store        keys in an fs store: start-up to the first /v1/ready 200, listing every name,
#                generate on keys not yet cached (each key once), and, on the same server, the
#                memory each cached key costs and cached generate over N keys against over 10
#   policy       a policy of 1,000 rules and N identities: generate as one of them
#   connections  N idle keep-alive mTLS connections: memory per connection, full-handshake rate;
#                plus sequential new connections with full handshakes and with resumption
#   migrate      `kes migrate` of N keys, fs to fs and fs to OpenBao (K/V v1, AppRole)
#   concurrency  swift-kes's `kes migrate --concurrency` 1-64 on the largest N up to 10,000
#   all          all of the above
# Each measurement is one JSON line for Benchmarks/plot.py in $RESULTS_DIR/scale.jsonl (default: the
# work directory, printed at the end). Servers take turns, alternating which goes first.
#
# Environment: KES_REFERENCE_BIN (default $KES_REFERENCE_DIR/kes-2023, the directory defaulting to
# shared/anchors beside the repository; without it only swift-kes is measured), KES_BIN, BENCH_BIN,
# RESULTS_DIR, SCALE_PORT (17383), BAO_PORT (18300; also uses +1).
set -euo pipefail

sizes="1000 10000 100000"
rounds=3
build=1
keep=0
parts=()
while [ "$#" -gt 0 ]; do
    case "$1" in
        -s|--sizes) sizes="$2"; shift 2 ;;
        -n|--rounds) rounds="$2"; shift 2 ;;
        --no-build) build=0; shift ;;
        --keep) keep=1; shift ;;
        -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
        store|policy|connections|migrate|concurrency) parts+=("$1"); shift ;;
        all) parts+=(store policy connections migrate concurrency); shift ;;
        *) echo "scale.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
done
[ "${#parts[@]}" -gt 0 ] || { echo "scale.sh: name a PART (try --help)" >&2; exit 2; }

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
repo=$(cd "$here/.." && pwd)
log() { echo "scale.sh: $*" >&2; }
release_binaries "$repo" "$build" || exit 1
servers="swift-kes kes-2023"
reference_kes "$repo" || { log "no reference KES at $reference: measuring swift-kes alone"; servers="swift-kes"; }
port=${SCALE_PORT:-17383}
hz=$(getconf CLK_TCK)

work=$(mktemp -d /tmp/kes-scale.XXXXXX)
results=${RESULTS_DIR:-$work}/scale.jsonl
mkdir -p "$(dirname "$results")"
server_pid=""; bao_dir=""; hold_pid=""
cleanup() {
    set +e
    stop_pids "$hold_pid" "$server_pid"
    [ -n "$bao_dir" ] && [ -f "$bao_dir/openbao.pid" ] && "$repo/backends/stop.sh" "$bao_dir/openbao.pid"
    drop_work "$work" "$keep"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

server_certificate "$work"
probe_certificate "$work"
new_admin "$KES_BIN" || exit 1
member_key=$api_key member_identity=$admin_identity
new_admin "$KES_BIN" || exit 1
probe_identity=$("$KES_BIN" identity of "$work/probe.crt")

# Curves whose servers differ by orders of magnitude somewhere: drawn on a log scale.
log_curves=" store_miss_rps store_miss_p99 store_list cache_p99 cache_cpu policy_p99 conn_memory_after "

# record CURVE TITLE XLABEL YLABEL SERVER X Y: one point for plot.py.
record() {
    local log_y=false
    [ -n "$7" ] || { log "$1 $5 x=$6: no value"; return 0; }
    case "$log_curves" in *" $1 "*) log_y=true ;; esac
    printf '{"curve":"%s","title":"%s","xlabel":"%s","ylabel":"%s","log_y":%s,"server":"%s","x":%s,"y":%s}\n' \
        "$1" "$2" "$3" "$4" "$log_y" "$5" "$6" "$7" >>"$results"
    log "$1 $5 x=$6: $7 $4"
}
order() {  # ROUND: the servers, the first one alternating by round
    if [ $(( $1 % 2 )) = 1 ]; then echo "$servers"; else echo "$servers" | tr ' ' '\n' | tac | tr '\n' ' '; fi
}

# config FILE KEYDIR [EXTRA_POLICY_YAML]: both servers read the same file. The probe certificate
# may list keys and read /v1/ready; EXTRA is appended under `policy:`.
config() {
    { config_head "$port" "$work"; cat <<EOF
policy:
  probe:
    allow:
      - /v1/key/list/*
    identities:
      - $probe_identity
${3:-}
keystore:
  fs:
    path: $2
EOF
    } >"$1"
}

# start SERVER CONFIG: starts it in the background (sets server_pid, ready_ms); stop stops it.
start() {
    local begin
    begin=$(now_ns)
    launch_key_server "$1" "$2" "$work/server.log"
    server_pid=$!
    ready_ms=$(wait_ready "$begin" "$server_pid" "https://127.0.0.1:$port/v1/ready" "$work/probe.crt" "$work/probe.key" "$work/server.log")
}
stop() { stop_pids "$server_pid"; server_pid=""; }
rss_kib() { ps -o rss= -p "$server_pid" | tr -d ' '; }

# bench KES-BENCH-ARGS: one run against the running server as JSON, as the admin unless told. A
# failed run is logged and gives "{}", so one bad measurement costs its points, not the whole run.
bench() {
    KES_API_KEY=$api_key "$BENCH_BIN" -k -s "https://127.0.0.1:$port" --json "$@" \
        || { log "kes-bench failed: $*"; echo '{}'; }
}
# field EXPRESSION: a value from the JSON on stdin (r is the object), or nothing when it is missing.
field() { python3 -c 'import json, sys; r = json.load(sys.stdin); print(eval(sys.argv[1], {"r": r}))' "$1" 2>/dev/null || true; }

# make_keys DIR N: N keys k-0…k-(N-1) in KES 2023's JSON format, which both servers read.
make_keys() {
    mkdir -p "$1"
    python3 - "$1" "$2" <<'EOF'
import base64, os, sys
directory, count = sys.argv[1], int(sys.argv[2])
for i in range(count):
    secret = base64.b64encode(os.urandom(32)).decode()
    with open(f"{directory}/k-{i}", "w") as f:
        f.write('{"version":"v1","bytes":"%s","created_at":"2026-01-01T00:00:00Z"}' % secret)
EOF
}

# list_all: every key name through the list API, paging as the server asks; prints "COUNT MS".
list_all() {
    python3 "$here/list_keys.py" "https://127.0.0.1:$port" "$work/probe.crt" "$work/probe.key"
}

part_store() {
    local n round server base cached
    for n in $sizes; do
        rm -rf "$work/store"; make_keys "$work/store" "$n"
        config "$work/store.yaml" "$work/store"
        for round in $(seq 1 "$rounds"); do
            for server in $(order "$round"); do
                start "$server" "$work/store.yaml"
                record store_startup "Start-up to the first /v1/ready 200" "keys in the store" ms "$server" "$n" "$ready_ms"
                # Heap warm-up on 10 keys, so the memory counted below is the cache's.
                bench --keys 10 --name k --op generate -c 16 --requests 2000 --warmup 0s >/dev/null
                base=$(rss_kib)
                report=$(bench --keys "$n" --name k --op generate -c 16 --requests "$n" --warmup 0s)
                record store_miss_rps "Generate on keys not yet cached (each key once, C=16)" "keys in the store" "req/s" "$server" "$n" "$(echo "$report" | field 'round(r["ok_rps"])')"
                record store_miss_p99 "p99 of generate on keys not yet cached (C=16)" "keys in the store" ms "$server" "$n" "$(echo "$report" | field 'round(r["latency_us"]["p99"] / 1000, 3)')"
                cached=$(rss_kib)
                record cache_memory "Memory per cached key (RSS growth over the first use of every key)" "keys cached" "bytes/key" "$server" "$n" "$(( (cached - base) * 1024 / n ))"
                for keys in 10 "$n"; do
                    before=$(cpu_ticks "$server_pid")
                    report=$(bench --keys "$keys" --name k --op generate -c 16 -d 4s --warmup 0s)
                    after=$(cpu_ticks "$server_pid")
                    record cache_p99 "p99 of cached generate (C=16, closed loop)" "keys cached" ms "$server" "$keys" "$(echo "$report" | field 'round(r["latency_us"]["p99"] / 1000, 3)')"
                    record cache_cpu "Server CPU per cached generate" "keys cached" "µs/request" "$server" "$keys" \
                        "$(echo "$report" | field "round($((after - before)) / $hz * 1e6 / r['requests'], 1)")"
                done
                if read -r count ms < <(list_all); then
                    [ "$count" = "$n" ] || log "$server listed $count of $n keys"
                    record store_list "Listing every key name" "keys in the store" ms "$server" "$n" "$ms"
                else
                    log "$server: listing failed"
                fi
                stop
            done
        done
    done
}

part_policy() {
    local n round server rules identities
    rules=$(python3 -c 'print("\n".join("      - /v1/key/generate/rule-%d-*" % i for i in range(999)))')
    for n in $sizes; do
        identities=$(python3 -c 'import os, sys; print("\n".join("      - " + os.urandom(32).hex() for _ in range(int(sys.argv[1]) - 1)))' "$n")
        # The matching rule is the last of 1,000, and the member the last of N identities. The key is
        # in KES 2023's format, which both servers read (one each would skew nothing but the setup).
        rm -rf "$work/policy-keys"; make_keys "$work/policy-keys" 1
        config "$work/policy.yaml" "$work/policy-keys" "  bench:
    allow:
$rules
      - /v1/key/generate/k-0
    identities:
$identities
      - $member_identity"
        for round in $(seq 1 "$rounds"); do
            for server in $(order "$round"); do
                start "$server" "$work/policy.yaml"
                record policy_startup "Start-up with a policy of 1,000 rules and N identities" identities ms "$server" "$n" "$ready_ms"
                bench --api-key "$member_key" --op generate --name k-0 -c 16 -d 1s --warmup 0s >/dev/null
                before=$(cpu_ticks "$server_pid")
                report=$(bench --api-key "$member_key" --op generate --name k-0 -c 16 -d 4s --warmup 0s)
                after=$(cpu_ticks "$server_pid")
                record policy_cpu "Server CPU per generate under a policy of 1,000 rules" identities "µs/request" "$server" "$n" \
                    "$(echo "$report" | field "round($((after - before)) / $hz * 1e6 / r['requests'], 1)")"
                record policy_p99 "p99 of generate under a policy of 1,000 rules (C=16)" identities ms "$server" "$n" "$(echo "$report" | field 'round(r["latency_us"]["p99"] / 1000, 3)')"
                stop
            done
        done
    done
}

part_connections() {
    local n round server base held after_close report before after
    make_keys "$work/conn-keys" 1
    config "$work/conn.yaml" "$work/conn-keys"
    for n in $sizes; do
        [ "$n" -le 10000 ] || { log "connections: skipping $n (at most 10,000 here: open files)"; continue; }
        for round in $(seq 1 "$rounds"); do
            for server in $(order "$round"); do
                start "$server" "$work/conn.yaml"
                bench --op generate --name k-0 -c 16 -d 1s --warmup 0s >/dev/null
                base=$(rss_kib)
                before=$(cpu_ticks "$server_pid")
                bench --op generate --name k-0 -c "$n" --hold 6s >"$work/hold.json" 2>"$work/hold.err" &
                hold_pid=$!
                for _ in $(seq 1 1200); do
                    grep -q 'holding' "$work/hold.err" 2>/dev/null && break
                    kill -0 "$hold_pid" 2>/dev/null || break
                    sleep 0.1
                done
                after=$(cpu_ticks "$server_pid")
                sleep 2
                held=$(rss_kib)
                wait "$hold_pid" || log "kes-bench --hold failed: $(tail -n 3 "$work/hold.err")"
                hold_pid=""
                # swift-kes hands freed memory back a second after the connections have gone.
                sleep 3
                after_close=$(rss_kib)
                record conn_memory "Memory per idle mTLS connection" connections "KiB/connection" "$server" "$n" \
                    "$(python3 -c "print(round(($held - $base) / $n, 1))")"
                record conn_memory_after "RSS after the connections closed, over RSS before them" connections "MiB" "$server" "$n" \
                    "$(python3 -c "print(round(($after_close - $base) / 1024, 1))")"
                record conn_handshakes "New connections per second, full handshakes (64 in flight)" connections "handshakes/s" "$server" "$n" \
                    "$(field 'round(r["handshakes_per_second"])' <"$work/hold.json")"
                record conn_cpu "Server CPU per new connection (full handshake and one request)" connections "µs/connection" "$server" "$n" \
                    "$(python3 -c "print(round(($after - $before) / $hz * 1e6 / $n))")"
                stop
            done
        done
    done
    # Sequential new connections, one client (openssl s_time): full handshakes, then resumed ones.
    for round in $(seq 1 "$rounds"); do
        for server in $(order "$round"); do
            start "$server" "$work/conn.yaml"
            for mode in new reuse; do
                local begin count
                begin=$(now_ns)
                count=$(openssl s_time -connect "127.0.0.1:$port" -cert "$work/probe.crt" -key "$work/probe.key" \
                    -www /v1/ready -"$mode" -time 4 2>/dev/null | awk '/connections in .* real seconds/ { print $1; exit }')
                record "conn_rate_$mode" "Sequential connections per second ($mode)" "round" "connections/s" "$server" "$round" \
                    "$(python3 -c "print(round(${count:-0} / (($(now_ns) - $begin) / 1e9)))")"
            done
            stop
        done
    done
}

# openbao: an OpenBao dev server (K/V v1 at kv1/, AppRole role "kes") for the migrate parts, once.
openbao() {
    [ -z "$bao_dir" ] || return 0
    local bao_env
    command -v bao >/dev/null 2>&1 || . "$repo/backends/lib.sh"
    bao_dir="$work/bao"
    bao_env=$("$repo/backends/openbao-dev.sh" "${BAO_PORT:-18300}" scale-root "$bao_dir")
    bao_addr=$(echo "$bao_env" | sed -n 's/^VAULT_ADDR=//p')
    bao_api() { curl -sf -H "X-Vault-Token: scale-root" -X "$1" ${3:+-d "$3"} "$bao_addr/v1/$2"; }
    bao_api POST sys/mounts/kv1 '{"type":"kv","options":{"version":"1"}}' >/dev/null
    bao_api PUT sys/policies/acl/kes '{"policy":"path \"kv1/*\" { capabilities = [\"create\", \"read\", \"update\", \"delete\", \"list\"] }"}' >/dev/null
    bao_api POST sys/auth/approle '{"type":"approle"}' >/dev/null
    bao_api POST auth/approle/role/kes '{"token_policies":["kes"],"token_ttl":"1h"}' >/dev/null
    role_id=$(bao_api GET auth/approle/role/kes/role-id | python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["role_id"])')
    secret_id=$(bao_api POST auth/approle/role/kes/secret-id | python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["secret_id"])')
}

# destination fs|openbao PREFIX: an empty destination store in $work/dst.yaml.
destination() {
    if [ "$1" = fs ]; then
        rm -rf "$work/migrate-dst"; mkdir -p "$work/migrate-dst"
        config "$work/dst.yaml" "$work/migrate-dst"
        return
    fi
    sed -e "/^keystore:/,\$d" "$work/src.yaml" >"$work/dst.yaml"
    cat >>"$work/dst.yaml" <<EOF
keystore:
  vault:
    endpoint: $bao_addr
    engine: kv1
    version: v1
    prefix: $2
    approle:
      id: $role_id
      secret: $secret_id
EOF
}

part_migrate() {
    local n round tool target begin ms
    openbao
    for n in $sizes; do
        rm -rf "$work/migrate-src"; make_keys "$work/migrate-src" "$n"
        config "$work/src.yaml" "$work/migrate-src"
        for round in $(seq 1 "$rounds"); do
            for tool in $(order "$round"); do
                for target in fs openbao; do
                    # OpenBao dev takes a few hundred keys/s: 100,000 keys would take minutes a run.
                    [ "$target" = openbao ] && [ "$n" -gt 10000 ] && continue
                    # A fresh destination (directory or prefix) per run, so every run writes all N keys.
                    destination "$target" "run-$tool-$n-$round"
                    begin=$(now_ns)
                    if [ "$tool" = swift-kes ]; then
                        "$KES_BIN" migrate --from "$work/src.yaml" --to "$work/dst.yaml" --quiet >"$work/migrate.log" 2>&1
                    else
                        "$reference" migrate --from "$work/src.yaml" --to "$work/dst.yaml" --quiet >"$work/migrate.log" 2>&1
                    fi || { log "$tool migrate to $target failed: $(tail -n 3 "$work/migrate.log")"; continue; }
                    ms=$(( ($(now_ns) - begin) / 1000000 ))
                    record "migrate_$target" "kes migrate, fs to $target" keys "keys/s" "$tool" "$n" "$(python3 -c "print(round($n / ($ms / 1000)))")"
                done
            done
        done
    done
}

# swift-kes copies --concurrency keys at a time (default 8): the rate over that setting, on the
# largest store size up to 10,000.
part_concurrency() {
    local n concurrency target begin ms
    openbao
    n=$(for size in $sizes; do if [ "$size" -le 10000 ]; then echo "$size"; fi; done | sort -n | tail -n 1)
    [ -n "$n" ] || return 0
    rm -rf "$work/migrate-src"; make_keys "$work/migrate-src" "$n"
    config "$work/src.yaml" "$work/migrate-src"
    for concurrency in 1 4 8 16 32 64; do
        for target in fs openbao; do
            destination "$target" "concurrency-$concurrency"
            begin=$(now_ns)
            "$KES_BIN" migrate --from "$work/src.yaml" --to "$work/dst.yaml" --quiet --concurrency "$concurrency" >"$work/migrate.log" 2>&1 \
                || { log "migrate --concurrency $concurrency failed: $(tail -n 3 "$work/migrate.log")"; continue; }
            ms=$(( ($(now_ns) - begin) / 1000000 ))
            record "migrate_concurrency" "swift-kes migrate of $n keys over --concurrency" "--concurrency" "keys/s" "fs to $target" "$concurrency" \
                "$(python3 -c "print(round($n / ($ms / 1000)))")"
        done
    done
}

for part in "${parts[@]}"; do
    log "part $part, sizes $sizes, $rounds round(s)"
    "part_$part"
done
log "results in $results"
[ "$keep" = 1 ] || [ -n "${RESULTS_DIR:-}" ] || { keep=1; log "(work directory kept for the results)"; }
