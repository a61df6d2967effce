#!/usr/bin/env bash
# Stops a backend server once the process that started it is gone.
#
#   backends/watchdog.sh OWNER_PID SERVER_PID
#
# The launchers run this detached when BACKEND_OWNER_PID is set (the Swift tests set
# it to their own PID): a test process that crashes or is killed never reaches its
# stop.sh, and its servers would otherwise run forever. Checks once a second; exits
# as soon as the server is gone (stopped normally), and when the owner is gone sends
# the server SIGTERM, then SIGKILL if it is still alive after about 5 s.
set -uo pipefail

# First thing: inherited descriptors must not keep the launcher's caller waiting for EOF
# until the server stops (lib.sh).
# shellcheck source=lib.sh
. "$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)/lib.sh"
close_inherited_fds

if [ "$#" -ne 2 ] || ! [[ "$1" =~ ^[0-9]+$ ]] || ! [[ "$2" =~ ^[0-9]+$ ]]; then
    echo "usage: $0 OWNER_PID SERVER_PID" >&2
    exit 2
fi
owner="$1"
server="$2"

# A zombie counts as gone: its parent (often init in a container) may never reap it.
alive() {
    local state
    state=$(ps -o stat= -p "$1" 2>/dev/null || true)
    [ -n "$state" ] && [ "${state#Z}" = "$state" ]
}

# A PID can be reused once its process is gone: the server is only the process with the
# start time it had when the watchdog began.
started() { ps -o lstart= -p "$1" 2>/dev/null || true; }
server_start=$(started "$server")
same_server() { alive "$server" && [ "$(started "$server")" = "$server_start" ]; }

while same_server; do
    if ! alive "$owner"; then
        same_server && kill -TERM "$server" 2>/dev/null || exit 0
        for _ in $(seq 1 50); do
            same_server || exit 0
            sleep 0.1
        done
        same_server && kill -KILL "$server" 2>/dev/null
        exit 0
    fi
    sleep 1
done
