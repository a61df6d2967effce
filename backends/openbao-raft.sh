#!/usr/bin/env bash
# Starts a real 3-node OpenBao cluster with Raft integrated storage on 127.0.0.1 (non-dev mode),
# initialised through the HTTP API with a single unseal key, for tests of a key store behind a
# cluster: standbys, leader loss, a node coming back.
#
#   backends/openbao-raft.sh DIR
#
# Writes DIR/nodeN/openbao.hcl, DIR/nodeN/openbao.pid, DIR/nodeN/openbao.log and DIR/nodeN/data
# for N = 1, 2, 3, and DIR/init.json (the sys/init answer: "keys_base64"[0] is the unseal key,
# "root_token" the root token). node1 is initialised and becomes the leader; node2 and node3
# join it through sys/storage/raft/join and are unsealed. Waits until the Raft configuration
# lists 3 voters, every node answers sys/health?standbyok=true with 200 and sees the mounts, then
# prints
#   VAULT_ADDRS=http://127.0.0.1:P1,http://127.0.0.1:P2,http://127.0.0.1:P3
#   VAULT_ADDR=http://127.0.0.1:P1      (node1, the leader right after the start)
#   VAULT_TOKEN=<root token>
#   VAULT_ROLE_ID=<role_id of AppRole role "kes">
#   VAULT_SECRET_ID=<a secret_id of role "kes">
#   VAULT_INIT=DIR/init.json
#   NODE1_PID=… NODE1_ADDR=… (one pair a line, for nodes 1-3)
# Mounted: K/V v2 at secret/, K/V v1 at kv1/, AppRole at approle/ with role "kes" (policy "kes":
# create, read, update, delete, list on secret/* and kv1/*).
#
# Ports: each node needs an API port and a cluster (Raft) port, and api_addr/cluster_addr must
# name them in the config, so port 0 is impossible here. By default the launcher picks six free
# ports (binding port 0 in Python and releasing them) and, should one be taken before bao binds
# it, starts the whole cluster again on new ones (up to 3 attempts). OPENBAO_RAFT_PORTS=A1,A2,A3
# fixes the API ports instead; node N's cluster port is then AN+1.
#
# Restart a killed node:  backends/openbao-raft-node.sh DIR N  (same config and ports; unseals
#                         itself from DIR/init.json and rejoins, its Raft data being kept)
# Stop all three:         backends/openbao-raft-stop.sh DIR  (or stop.sh DIR/nodeN/openbao.pid)
# With BACKEND_OWNER_PID=PID (the Swift tests pass their own PID) a detached
# backends/watchdog.sh per node stops the nodes once process PID is gone, e.g. crashed.
# With BACKEND_HOST=ADDR the nodes listen on ADDR instead of 127.0.0.1. OPENBAO_RAFT_LISTEN=0.0.0.0
# makes the API listeners accept connections on every address (e.g. a network namespace's second
# address, netns-fault.sh alias) while api_addr and cluster_addr keep naming BACKEND_HOST.
#
# Settings (environment; written into the configs, so openbao-raft-node.sh keeps them):
#   OPENBAO_RAFT_DISABLE_STANDBY_READS=1   standbys forward every request to the active node
#                                          (disable_standby_reads): strict read-after-write
#   OPENBAO_RAFT_MISSING_HEADER_FORWARD=1  standbys forward requests carrying neither X-Vault-Index
#                                          nor X-Vault-Inconsistent (consistency_missing_header_forward)
#   OPENBAO_RAFT_MAX_INDEX_WAIT=DURATION   how long "X-Vault-Inconsistent: await-state" may hold a
#                                          request (consistency_max_index_wait; default 0 = 25 ms)
#   OPENBAO_RAFT_AUTOPILOT=1               keep Raft autopilot on (joining nodes start as non-voters
#                                          and are promoted after ~4 s); off by default
# Without them OpenBao's defaults apply: standbys answer reads from their own copy, which lags
# the leader by some 25-140 ms (backends/README.md, "OpenBao Raft cluster").
# On any failure every node started is killed and the launcher exits 1 with the reason and the
# last log lines; each wait is bounded (OPENBAO_RAFT_TIMEOUT seconds, default 30).
set -euo pipefail
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
# Sourced before the tool checks: it puts the build folder's Python tools (install.sh) on PATH.
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=openbao-raft-lib.sh
. "$here/openbao-raft-lib.sh"

if [ "$#" -ne 1 ]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi
dir="$1"

for tool in bao curl jq; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        hint=""
        [ "$tool" = "bao" ] && hint=" (install it with: backends/install.sh)"
        echo "openbao-raft.sh: '$tool' not found in PATH$hint" >&2
        exit 1
    fi
done
fixed_ports="${OPENBAO_RAFT_PORTS:-}"
if [ -z "$fixed_ports" ] && ! command -v python3 >/dev/null 2>&1; then
    echo "openbao-raft.sh: picking free ports needs python3; pass OPENBAO_RAFT_PORTS=A1,A2,A3 instead" >&2
    exit 1
fi
if [ -n "$fixed_ports" ] && ! [[ "$fixed_ports" =~ ^[0-9]+,[0-9]+,[0-9]+$ ]]; then
    echo "openbao-raft.sh: OPENBAO_RAFT_PORTS must be three API ports, A1,A2,A3 (got '$fixed_ports')" >&2
    exit 2
fi
timeout_s="${OPENBAO_RAFT_TIMEOUT:-30}"

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
host="${BACKEND_HOST:-127.0.0.1}"

# Refuse to start over live nodes recorded in the same directory.
for n in 1 2 3; do
    pid=$(raft_node_pid "$dir" "$n")
    if [ -n "$pid" ] && raft_alive "$pid"; then
        echo "openbao-raft.sh: node$n already running with PID $pid (from $dir/node$n/openbao.pid); stop it with backends/openbao-raft-stop.sh $dir" >&2
        exit 1
    fi
done

# Six free ports (API and cluster for each node), all bound at once so they differ, then
# released for bao to bind. Another process can take one in between: the start then fails on
# the bind, and the caller below tries again on new ports.
pick_ports() {
    python3 -c '
import socket, sys
socks = []
for _ in range(6):
    s = socket.socket()
    s.bind((sys.argv[1], 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
' "$host"
}

# One attempt at the whole start, run in a subshell; exits 0 after printing the KEY=VALUE
# lines, 75 when a port was taken (worth another attempt on new ports), 1 on any other failure.
# Every node it started is killed when it fails.
#   start_cluster API1 CLUSTER1 API2 CLUSTER2 API3 CLUSTER3
start_cluster() {
    local n pid code root addr1 addrs=() body
    started_ok=0
    : >"$dir/start.log"
    local -a apis=("$1" "$3" "$5") clusters=("$2" "$4" "$6")

    cleanup() {
        if [ "$started_ok" != "1" ]; then
            for n in 1 2 3; do raft_kill_node "$dir" "$n"; done
        fi
    }
    trap cleanup EXIT
    trap 'exit 1' INT TERM HUP

    fail() {
        local n
        echo "openbao-raft.sh: $1" >&2
        for n in 1 2 3; do
            if raft_bind_failed "$dir" "$n"; then
                echo "openbao-raft.sh: node$n could not bind its port; see $dir/node$n/openbao.log" >&2
                exit 75
            fi
        done
        for n in ${2:-1 2 3}; do
            echo "--- last lines of $dir/node$n/openbao.log:" >&2
            tail -n 15 "$dir/node$n/openbao.log" >&2 || true
        done
        exit 1
    }

    # Notes in DIR/start.log how long each step took (milliseconds since the attempt began).
    t0=$(date +%s%3N)
    step() { echo "$(($(date +%s%3N) - t0)) ms: $1" >>"$dir/start.log"; }

    # Fails when a node started by this attempt is gone.
    check_running() {
        local n pid
        for n in 1 2 3; do
            pid=$(raft_node_pid "$dir" "$n")
            [ -n "$pid" ] && raft_alive "$pid" || fail "node$n (bao) exited during startup" "$n"
        done
    }

    # Polls every 50 ms until COMMAND succeeds, for up to $timeout_s seconds.
    #   wait_until "what we wait for" NODES COMMAND...
    wait_until() {
        local what="$1" nodes="$2" deadline=$((SECONDS + timeout_s))
        shift 2
        while ! "$@"; do
            check_running
            [ "$SECONDS" -lt "$deadline" ] || fail "timed out after ${timeout_s}s waiting for $what" "$nodes"
            sleep 0.05
        done
    }
    health_is() { [ "$(raft_health_code "$(raft_node_addr "$dir" "$1")")" = "$2" ]; }

    # Authenticated request to node N: api N METHOD PATH [JSON]; prints the body, fails on HTTP errors.
    api() {
        local addr
        addr=$(raft_node_addr "$dir" "$1")
        curl -sf "${raft_hdr[@]}" --max-time 10 -X "$2" -H "X-Vault-Token: $root" ${4:+-d "$4"} "$addr/v1/$3"
    }

    for n in 1 2 3; do
        raft_write_config "$dir" "$n" "${apis[$((n - 1))]}" "${clusters[$((n - 1))]}"
        raft_start_node "$dir" "$n"
    done
    addr1=$(raft_node_addr "$dir" 1)

    # 501: listening, not initialised. node2 and node3 are only needed for the join.
    wait_until "node1 to listen" 1 health_is 1 501
    step "node1 listening"

    (umask 077 && curl -sf "${raft_hdr[@]}" --max-time 30 -X PUT -d '{"secret_shares":1,"secret_threshold":1}' \
        "$addr1/v1/sys/init" >"$dir/init.json") || fail "sys/init on node1 failed" 1
    root=$(jq -r '.root_token' "$dir/init.json")
    step "node1 initialised"
    raft_unseal "$dir" 1 || fail "unsealing node1 failed" 1
    # Plain sys/health answers 200 only on the active node.
    node1_active() { [ "$(curl -s "${raft_hdr[@]}" -o /dev/null -w '%{http_code}' --max-time 1 "$addr1/v1/sys/health" || true)" = "200" ]; }
    wait_until "node1 to become active" 1 node1_active
    step "node1 unsealed and active"

    # With autopilot (OPENBAO_RAFT_AUTOPILOT=1) a joining node is added as a non-voter and
    # promoted once it has been healthy for server_stabilization_time, 10 s by default; 1 s
    # still takes about 4-5 s. Without it (the default, BAO_RAFT_AUTOPILOT_DISABLE) a joining
    # node is a voter at once. (Writing the autopilot configuration with autopilot disabled
    # makes OpenBao 2.7.2 panic in the request handler, so it is only written here.)
    if [ "${OPENBAO_RAFT_AUTOPILOT:-0}" = "1" ]; then
        api 1 POST sys/storage/raft/autopilot/configuration '{"server_stabilization_time":"1s"}' >/dev/null \
            || fail "configuring autopilot failed" 1
    fi

    # Mounts first, while node1 is alone: its writes need no quorum yet, and the joining nodes
    # receive everything with their first snapshot.
    api 1 POST sys/mounts/secret '{"type":"kv","options":{"version":"2"}}' >/dev/null || fail "mounting K/V v2 at secret/ failed" 1
    api 1 POST sys/mounts/kv1 '{"type":"kv","options":{"version":"1"}}' >/dev/null || fail "mounting K/V v1 at kv1/ failed" 1
    body=$(jq -n --arg p 'path "secret/*" { capabilities = ["create", "read", "update", "delete", "list"] }
path "kv1/*" { capabilities = ["create", "read", "update", "delete", "list"] }' '{policy: $p}')
    api 1 PUT sys/policies/acl/kes "$body" >/dev/null || fail "writing policy kes failed" 1
    api 1 POST sys/auth/approle '{"type":"approle"}' >/dev/null || fail "enabling AppRole failed" 1
    api 1 POST auth/approle/role/kes '{"token_policies":["kes"],"token_ttl":"1h","token_max_ttl":"4h"}' >/dev/null \
        || fail "writing AppRole role kes failed" 1
    role_id=$(api 1 GET auth/approle/role/kes/role-id | jq -r '.data.role_id') || fail "reading the role_id failed" 1
    secret_id=$(api 1 POST auth/approle/role/kes/secret-id | jq -r '.data.secret_id') || fail "creating a secret_id failed" 1
    step "mounts, policy and AppRole written"

    for n in 2 3; do
        wait_until "node$n to listen" "$n" health_is "$n" 501
        raft_join "$dir" "$n" "$addr1" || fail "node$n: raft join failed" "1 $n"
    done
    step "node2 and node3 joined"
    for n in 2 3; do raft_unseal "$dir" "$n" || fail "unsealing node$n failed" "$n"; done
    step "node2 and node3 unsealed"

    three_voters() {
        [ "$(api 1 GET sys/storage/raft/configuration 2>/dev/null \
            | jq '[.data.config.servers[] | select(.voter)] | length' 2>/dev/null)" = "3" ]
    }
    wait_until "3 voters in the Raft configuration" "1 2 3" three_voters
    step "3 voters"
    # Every node unsealed and serving (standbys 200 thanks to standbyok), and every node already
    # sees the mounts and the role, so a client may start on any of them.
    sees_mounts() {
        api "$1" GET sys/mounts 2>/dev/null | jq -e '.data | has("secret/") and has("kv1/")' >/dev/null 2>&1 \
            && api "$1" GET auth/approle/role/kes/role-id >/dev/null 2>&1
    }
    for n in 1 2 3; do
        wait_until "node$n to be unsealed and healthy" "$n" health_is "$n" 200
        wait_until "node$n to see the mounts" "$n" sees_mounts "$n"
        step "node$n healthy and sees the mounts"
    done

    for n in 1 2 3; do addrs+=("$(raft_node_addr "$dir" "$n")"); done
    echo "VAULT_ADDRS=$(IFS=,; echo "${addrs[*]}")"
    echo "VAULT_ADDR=$addr1"
    echo "VAULT_TOKEN=$root"
    echo "VAULT_ROLE_ID=$role_id"
    echo "VAULT_SECRET_ID=$secret_id"
    echo "VAULT_INIT=$dir/init.json"
    for n in 1 2 3; do
        echo "NODE${n}_PID=$(raft_node_pid "$dir" "$n")"
        echo "NODE${n}_ADDR=${addrs[$((n - 1))]}"
    done
    started_ok=1
}

attempts=3
[ -n "$fixed_ports" ] && attempts=1
interrupted=0
for attempt in $(seq 1 "$attempts"); do
    # A fresh cluster: the data of an earlier run would already be initialised.
    rm -rf "$dir/node1" "$dir/node2" "$dir/node3" "$dir/init.json"
    if [ -n "$fixed_ports" ]; then
        IFS=, read -r a1 a2 a3 <<<"$fixed_ports"
        ports=("$a1" "$((a1 + 1))" "$a2" "$((a2 + 1))" "$a3" "$((a3 + 1))")
    else
        read -r -a picked <<<"$(pick_ports)"
        ports=("${picked[0]}" "${picked[1]}" "${picked[2]}" "${picked[3]}" "${picked[4]}" "${picked[5]}")
    fi
    # In the background, so that a SIGTERM or SIGINT to the launcher reaches the attempt at once
    # (bash runs traps only between foreground commands) and the attempt cleans up after itself.
    (set -e; start_cluster "${ports[@]}") &
    child=$!
    trap 'kill -TERM "$child" 2>/dev/null || true; interrupted=1' INT TERM HUP
    rc=0
    wait "$child" || rc=$?
    while [ "$rc" -gt 128 ] && raft_alive "$child"; do
        rc=0
        wait "$child" || rc=$?
    done
    trap - INT TERM HUP
    [ "$rc" = "0" ] && [ "$interrupted" = "0" ] && exit 0
    [ "$interrupted" = "0" ] || exit 1
    [ "$rc" = "75" ] && [ "$attempt" -lt "$attempts" ] || exit 1
    echo "openbao-raft.sh: a port was taken; starting again on other ports (attempt $((attempt + 1)) of $attempts)" >&2
done
exit 1
