#!/usr/bin/env bash
# Starts moto (an in-memory AWS emulator) on 127.0.0.1:PORT for the AWS Secrets
# Manager key store tests and for manual runs of `kes` against a fake AWS.
#
#   backends/moto.sh PORT DIR
#
# Writes the server's PID to DIR/moto.pid and its output to DIR/moto.log, waits
# until it answers HTTP, then prints AWS_ENDPOINT=http://127.0.0.1:PORT. PORT 0 lets
# the kernel pick a free port; AWS_ENDPOINT then carries the port moto bound.
# moto keeps everything in memory: stopping it loses every secret and KMS key.
# Stop it with: kill "$(cat DIR/moto.pid)"
# With BACKEND_OWNER_PID=PID (the Swift tests pass their own PID) a detached
# backends/watchdog.sh stops the server once process PID is gone, e.g. crashed.
# With BACKEND_HOST=ADDR it listens on ADDR instead of 127.0.0.1 (netns-fault.sh exec sets it
# to its namespace's address, so the host reaches the server over the veth).
set -euo pipefail
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
# Sourced before the tool checks: it puts the build folder's Python tools (install.sh) on PATH.
# shellcheck source=lib.sh
. "$here/lib.sh"

if [ $# -ne 2 ]; then
    echo "usage: $0 PORT DIR" >&2
    exit 2
fi
port=$1
dir=$2
host=${BACKEND_HOST:-127.0.0.1}

if ! command -v moto_server >/dev/null 2>&1; then
    echo "moto.sh: moto_server not found; install it with: backends/install.sh" >&2
    exit 127
fi

mkdir -p "$dir"
pidfile="$dir/moto.pid"
logfile="$dir/moto.log"

# Refuse to start a second server over a live one recorded in the same directory.
if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "moto.sh: moto already running with PID $(cat "$pidfile") (from $pidfile)" >&2
    exit 1
fi

# Callers such as Foundation.Process hand their children a fully blocked signal
# mask and extra inherited descriptors (Foundation's child-exit socket). moto would
# keep both: SIGTERM would stay pending forever and the caller would wait for the
# launcher until moto exits. A tiny Python shim (moto needs Python anyway) resets
# the mask and closes everything above stderr, then execs moto, so the recorded
# PID is moto's own.
shim='
import os, signal, sys
signal.pthread_sigmask(signal.SIG_SETMASK, [])
os.closerange(3, 65536)
os.execvp("moto_server", ["moto_server", "-H", sys.argv[2], "-p", sys.argv[1]])
'
if command -v python3 >/dev/null 2>&1; then
    nohup python3 -c "$shim" "$port" "$host" </dev/null >"$logfile" 2>&1 &
else
    nohup moto_server -H "$host" -p "$port" </dev/null >"$logfile" 2>&1 &
fi
pid=$!
echo "$pid" >"$pidfile"

# With BACKEND_OWNER_PID set, a detached watchdog stops the server once that process is
# gone, so a caller that crashes before its stop.sh leaks no server.
if [ -n "${BACKEND_OWNER_PID:-}" ]; then
    setsid bash "$here/watchdog.sh" "$BACKEND_OWNER_PID" "$pid" </dev/null >/dev/null 2>&1 &
fi

# Any HTTP status means it is serving; curl prints 000 while the port is closed.
for _ in $(seq 1 150); do
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "moto.sh: moto_server exited during startup; see $logfile:" >&2
        tail -n 20 "$logfile" >&2 || true
        rm -f "$pidfile"
        exit 1
    fi
    if [ "$port" = "0" ]; then
        bound=$(discover_http_port "$pid" http "$host" /)
        if [ -z "$bound" ]; then
            sleep 0.1
            continue
        fi
        port="$bound"
    fi
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://$host:$port/" || true)
    if [ -n "$code" ] && [ "$code" != "000" ]; then
        echo "AWS_ENDPOINT=http://$host:$port"
        exit 0
    fi
    sleep 0.1
done

echo "moto.sh: moto_server did not answer on $host:$port within 15 s; see $logfile" >&2
kill "$pid" 2>/dev/null || true
rm -f "$pidfile"
exit 1
