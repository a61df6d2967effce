#!/usr/bin/env bash
# Starts a real (non-dev) OpenBao, initialised through the HTTP API with a single
# unseal key, so tests can seal and unseal it.
#
#   backends/openbao-sealed.sh PORT DIR
#
# PORT 0 lets the kernel pick a free port; VAULT_ADDR then carries the port bound.
# Writes DIR/openbao.hcl, DIR/openbao.pid, DIR/openbao.log and DIR/init.json (the
# sys/init answer: "keys_base64"[0] is the unseal key, "root_token" the root
# token). The server is left unsealed and active. Prints
#   VAULT_ADDR=http://127.0.0.1:PORT
#   VAULT_INIT=DIR/init.json
# Storage is "inmem": OpenBao 2.x dropped the "file" backend, and "raft" would
# need a second (cluster) port. Data therefore lives only as long as the process,
# which is what tests want; sealing keeps it, since sealing does not restart.
# Seal:   curl -X PUT -H "X-Vault-Token: $ROOT" $VAULT_ADDR/v1/sys/seal
# Unseal: curl -X PUT -d '{"key":"<unseal key>"}' $VAULT_ADDR/v1/sys/unseal
# Stop:   backends/stop.sh DIR/openbao.pid
# With BACKEND_OWNER_PID=PID (the Swift tests pass their own PID) a detached
# backends/watchdog.sh stops the server once process PID is gone, e.g. crashed.
set -euo pipefail
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
# Sourced before the tool checks: it puts the build folder's Python tools (install.sh) on PATH.
# shellcheck source=lib.sh
. "$here/lib.sh"

if [ "$#" -ne 2 ]; then
    echo "usage: $0 PORT DIR" >&2
    exit 2
fi
port="$1"
dir="$2"

for tool in bao curl jq; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        hint=""
        [ "$tool" = "bao" ] && hint=" (install it with: backends/install.sh)"
        echo "openbao-sealed.sh: '$tool' not found in PATH$hint" >&2
        exit 1
    fi
done

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
addr="http://127.0.0.1:${port}"

cat >"$dir/openbao.hcl" <<EOF
storage "inmem" {}
listener "tcp" {
  address     = "127.0.0.1:${port}"
  tls_disable = true
}
api_addr = "$addr"
EOF

(close_inherited_fds; HOME="$dir" exec setsid bao server -config="$dir/openbao.hcl") \
    </dev/null >"$dir/openbao.log" 2>&1 &
pid=$!
echo "$pid" >"$dir/openbao.pid"

# With BACKEND_OWNER_PID set, a detached watchdog stops the server once that process is
# gone, so a caller that crashes before its stop.sh leaks no server.
if [ -n "${BACKEND_OWNER_PID:-}" ]; then
    setsid bash "$here/watchdog.sh" "$BACKEND_OWNER_PID" "$pid" </dev/null >/dev/null 2>&1 &
fi

fail() {
    echo "openbao-sealed.sh: $1; last log lines:" >&2
    tail -n 20 "$dir/openbao.log" >&2 || true
    kill "$pid" 2>/dev/null || true
    exit 1
}

is_running() {
    local state
    state=$(ps -o stat= -p "$pid" 2>/dev/null || true)
    [ -n "$state" ] && [ "${state#Z}" = "$state" ]
}

# Polls sys/health until it returns one of the codes in $1 (e.g. "200|501|503").
wait_for_health() {
    local wanted="$1" code
    for _ in $(seq 1 200); do
        is_running || fail "bao exited"
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$addr/v1/sys/health" || true)
        if [[ "$code" =~ ^($wanted)$ ]]; then
            return 0
        fi
        sleep 0.1
    done
    fail "OpenBao did not answer sys/health with $wanted on $addr"
}

# With PORT 0, find the port the listener bound before anything else talks to it.
if [ "$port" = "0" ]; then
    for _ in $(seq 1 200); do
        is_running || fail "bao exited"
        port=$(discover_http_port "$pid" http 127.0.0.1 /v1/sys/health)
        [ -n "$port" ] && break
        sleep 0.1
    done
    [ -n "$port" ] || fail "OpenBao did not listen"
    addr="http://127.0.0.1:${port}"
fi

# 501 = not initialised, 503 = sealed, 200 = active.
wait_for_health "200|501|503"

(umask 077 && curl -sf --max-time 30 -X PUT -d '{"secret_shares":1,"secret_threshold":1}' \
    "$addr/v1/sys/init" >"$dir/init.json") || fail "sys/init failed"

unseal_key=$(jq -r '.keys_base64[0]' "$dir/init.json")
curl -sf --max-time 10 -X PUT -d "{\"key\":\"$unseal_key\"}" "$addr/v1/sys/unseal" >/dev/null \
    || fail "sys/unseal failed"
wait_for_health "200"

echo "VAULT_ADDR=$addr"
echo "VAULT_INIT=$dir/init.json"
