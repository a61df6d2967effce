#!/usr/bin/env bash
# Stops a process started by one of the launchers, by the PID in PIDFILE, and waits for it.
#
#   backends/stop.sh PIDFILE
#
# Sends SIGTERM, waits up to 10 s, then SIGKILL. A missing PID file or a process
# that is already gone is not an error.
set -euo pipefail

if [ "$#" -ne 1 ]; then
    echo "usage: $0 PIDFILE" >&2
    exit 2
fi
pidfile="$1"
[ -f "$pidfile" ] || exit 0
pid=$(tr -dc '0-9' <"$pidfile")
[ -n "$pid" ] || exit 0

# A zombie counts as gone: its parent (often init in a container) may never reap it.
alive() {
    local state
    state=$(ps -o stat= -p "$pid" 2>/dev/null || true)
    [ -n "$state" ] && [ "${state#Z}" = "$state" ]
}

kill -TERM "$pid" 2>/dev/null || { rm -f "$pidfile"; exit 0; }
for _ in $(seq 1 100); do
    alive || { rm -f "$pidfile"; exit 0; }
    sleep 0.1
done
kill -KILL "$pid" 2>/dev/null || true
for _ in $(seq 1 20); do
    alive || break
    sleep 0.1
done
rm -f "$pidfile"
