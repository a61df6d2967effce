#!/usr/bin/env bash
# Starts node N of a cluster made by openbao-raft.sh again, e.g. after a fault test killed it:
# same config, same ports, same Raft data.
#
#   backends/openbao-raft-node.sh DIR N
#
# Starts bao from DIR/nodeN/openbao.hcl (PID to DIR/nodeN/openbao.pid, output appended to
# DIR/nodeN/openbao.log), unseals it with the key in DIR/init.json, and waits until it is unsealed
# and knows a leader: its Raft data names the cluster, so it rejoins by itself (a node whose data
# directory is gone is joined again through sys/storage/raft/join first). Then prints
#   NODEn_PID=<pid>
#   NODEn_ADDR=http://127.0.0.1:PORT
# Should its port still be taken (the killed process not gone yet), it retries for about 5 s.
# OPENBAO_RAFT_WAIT_LEADER=0 skips the wait for a leader, for restarting a cluster that has lost
# its quorum one node at a time. Each wait is bounded by OPENBAO_RAFT_TIMEOUT (default 30) s; on
# failure the node is killed again and the script exits 1 with the last log lines.
# With BACKEND_OWNER_PID=PID a detached backends/watchdog.sh stops the node once PID is gone.
set -euo pipefail
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
# Sourced before the tool checks: it puts the build folder's Python tools (install.sh) on PATH.
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=openbao-raft-lib.sh
. "$here/openbao-raft-lib.sh"

if [ "$#" -ne 2 ] || ! [[ "$2" =~ ^[123]$ ]]; then
    echo "usage: $0 DIR N   (N = 1, 2 or 3)" >&2
    exit 2
fi
dir="$1"
n="$2"
for tool in bao curl jq; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        hint=""
        [ "$tool" = "bao" ] && hint=" (install it with: backends/install.sh)"
        echo "openbao-raft-node.sh: '$tool' not found in PATH$hint" >&2
        exit 1
    fi
done
if [ ! -f "$dir/node$n/openbao.hcl" ] || [ ! -f "$dir/init.json" ]; then
    echo "openbao-raft-node.sh: no cluster in $dir (need node$n/openbao.hcl and init.json from openbao-raft.sh)" >&2
    exit 1
fi
dir=$(cd "$dir" && pwd)
timeout_s="${OPENBAO_RAFT_TIMEOUT:-30}"
addr=$(raft_node_addr "$dir" "$n")

pid=$(raft_node_pid "$dir" "$n")
if [ -n "$pid" ] && raft_alive "$pid"; then
    echo "openbao-raft-node.sh: node$n already running with PID $pid (from $dir/node$n/openbao.pid)" >&2
    exit 1
fi

started_ok=0
trap '[ "$started_ok" = "1" ] || raft_kill_node "$dir" "$n"' EXIT
trap 'exit 1' INT TERM HUP

fail() {
    echo "openbao-raft-node.sh: node$n: $1; last lines of $dir/node$n/openbao.log:" >&2
    tail -n 15 "$dir/node$n/openbao.log" >&2 || true
    exit 1
}

# Polls every 50 ms until COMMAND succeeds, for up to $timeout_s seconds; fails when bao is gone.
#   wait_until "what we wait for" COMMAND...
wait_until() {
    local what="$1" deadline=$((SECONDS + timeout_s))
    shift
    while ! "$@"; do
        raft_alive "$pid" || return 2
        [ "$SECONDS" -lt "$deadline" ] || fail "timed out after ${timeout_s}s waiting for $what"
        sleep 0.05
    done
}
answers() { [ "$(raft_health_code "$addr")" != "000" ]; }

# Start; a port still held (the killed process not reaped yet) shows as a bind error: try again.
for try in $(seq 1 10); do
    offset=$(stat -c %s "$dir/node$n/openbao.log" 2>/dev/null || echo 0)
    raft_start_node "$dir" "$n"
    pid=$(raft_node_pid "$dir" "$n")
    rc=0
    wait_until "node$n to listen" answers || rc=$?
    [ "$rc" = "0" ] && break
    if raft_bind_failed "$dir" "$n" "$offset" && [ "$try" -lt 10 ]; then
        sleep 0.5
        continue
    fi
    fail "bao exited during startup"
done

# 501: its data directory is gone, so it is a new, uninitialised node: join it to the leader
# (found through any other live node) before unsealing, as openbao-raft.sh does.
if [ "$(raft_health_code "$addr")" = "501" ]; then
    leader=""
    for other in 1 2 3; do
        [ "$other" = "$n" ] && continue
        leader=$(curl -s "${raft_hdr[@]}" --max-time 2 "$(raft_node_addr "$dir" "$other")/v1/sys/leader" | jq -r '.leader_address // empty' 2>/dev/null || true)
        [ -n "$leader" ] && break
    done
    [ -n "$leader" ] || fail "uninitialised, and no other node knows a leader to join"
    raft_join "$dir" "$n" "$leader" || fail "raft join to $leader failed"
fi

raft_unseal "$dir" "$n" || fail "sys/unseal failed"
unsealed() { [ "$(raft_health_code "$addr")" = "200" ]; }
wait_until "node$n to be unsealed" unsealed || fail "bao exited"
if [ "${OPENBAO_RAFT_WAIT_LEADER:-1}" != "0" ]; then
    knows_leader() {
        [ -n "$(curl -s "${raft_hdr[@]}" --max-time 1 "$addr/v1/sys/leader" | jq -r '.leader_address // empty' 2>/dev/null)" ]
    }
    wait_until "node$n to know a leader (OPENBAO_RAFT_WAIT_LEADER=0 skips this)" knows_leader || fail "bao exited"
fi

echo "NODE${n}_PID=$pid"
echo "NODE${n}_ADDR=$addr"
started_ok=1
