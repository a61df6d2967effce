#!/usr/bin/env bash
# Stops the nodes of a cluster made by openbao-raft.sh, by the PIDs in DIR/nodeN/openbao.pid.
#
#   backends/openbao-raft-stop.sh DIR
#
# Runs backends/stop.sh on the three PID files at once (SIGTERM, SIGKILL after 10 s) and waits
# for all of them. Missing PID files and nodes already gone are not errors. The data stays in
# DIR; openbao-raft.sh starts a fresh cluster over it.
set -euo pipefail
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)

if [ "$#" -ne 1 ]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi
dir="$1"
pids=()
for n in 1 2 3; do
    "$here/stop.sh" "$dir/node$n/openbao.pid" &
    pids+=("$!")
done
rc=0
for pid in "${pids[@]}"; do
    wait "$pid" || rc=1
done
exit "$rc"
