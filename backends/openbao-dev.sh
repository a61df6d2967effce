#!/usr/bin/env bash
# Starts an in-memory OpenBao dev server (unsealed, root token given) in the background.
#
#   backends/openbao-dev.sh PORT ROOT_TOKEN DIR
#
# Writes DIR/openbao.pid and DIR/openbao.log, waits until sys/health answers,
# prints VAULT_ADDR=http://127.0.0.1:PORT and exits 0. Stop it with
# backends/stop.sh DIR/openbao.pid. The dev server also binds PORT+1 (cluster).
# PORT 0 lets the kernel pick a free port (race-free, unlike choosing one first);
# VAULT_ADDR then carries the port it bound.
#
# With OPENBAO_DEV_TLS=1 it serves HTTPS with a generated CA instead and also
# prints VAULT_CACERT=DIR/tls/vault-ca.pem.
#
# With BACKEND_OWNER_PID=PID (the Swift tests pass their own PID) a detached
# backends/watchdog.sh stops the server once process PID is gone, e.g. crashed.
#
# With BACKEND_HOST=ADDR it listens on ADDR instead of 127.0.0.1 (netns-fault.sh exec sets it
# to its namespace's address, so the host reaches the server over the veth).
set -euo pipefail
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
# Sourced before the tool checks: it puts the build folder's Python tools (install.sh) on PATH.
# shellcheck source=lib.sh
. "$here/lib.sh"

if [ "$#" -ne 3 ]; then
    echo "usage: $0 PORT ROOT_TOKEN DIR" >&2
    exit 2
fi
port="$1"
root_token="$2"
dir="$3"

if ! command -v bao >/dev/null 2>&1; then
    echo "openbao-dev.sh: 'bao' not found in PATH (install it with: backends/install.sh)" >&2
    exit 1
fi
if ! command -v curl >/dev/null 2>&1; then
    echo "openbao-dev.sh: 'curl' not found in PATH" >&2
    exit 1
fi

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
host="${BACKEND_HOST:-127.0.0.1}"
addr="http://${host}:${port}"
tls_args=()
curl_args=()
# With OPENBAO_AUDIT_LOG=FILE every request is logged to FILE (OpenBao only takes audit
# devices from its config file), so tests can count the requests a client made.
audit_args=()
if [ -n "${OPENBAO_AUDIT_LOG:-}" ]; then
    cat >"$dir/audit.hcl" <<HCL
audit "file" "tests" {
  options {
    file_path = "$OPENBAO_AUDIT_LOG"
  }
}
HCL
    audit_args=(-config="$dir/audit.hcl")
fi
if [ "${OPENBAO_DEV_TLS:-0}" = "1" ]; then
    mkdir -p "$dir/tls"
    addr="https://${host}:${port}"
    tls_args=(-dev-tls -dev-tls-cert-dir="$dir/tls")
    curl_args=(--cacert "$dir/tls/vault-ca.pem")
fi

# HOME points into DIR so the dev server's token helper never touches the user's home;
# setsid and the redirections detach the server from the caller's session and terminal.
(close_inherited_fds; HOME="$dir" exec setsid bao server -dev \
    -dev-root-token-id="$root_token" \
    -dev-listen-address="${host}:${port}" \
    -dev-no-store-token \
    ${tls_args[@]+"${tls_args[@]}"} ${audit_args[@]+"${audit_args[@]}"}) \
    </dev/null >"$dir/openbao.log" 2>&1 &
pid=$!
echo "$pid" >"$dir/openbao.pid"

# With BACKEND_OWNER_PID set, a detached watchdog stops the server once that process is
# gone, so a caller that crashes before its stop.sh leaks no server.
if [ -n "${BACKEND_OWNER_PID:-}" ]; then
    setsid bash "$here/watchdog.sh" "$BACKEND_OWNER_PID" "$pid" </dev/null >/dev/null 2>&1 &
fi

# Up to ~20 s: the first start of the binary can be slow on a busy machine.
scheme="${addr%%://*}"
for _ in $(seq 1 200); do
    state=$(ps -o stat= -p "$pid" 2>/dev/null || true)
    if [ -z "$state" ] || [ "${state#Z}" != "$state" ]; then
        echo "openbao-dev.sh: bao exited during startup; last log lines:" >&2
        tail -n 20 "$dir/openbao.log" >&2 || true
        exit 1
    fi
    if [ "$port" = "0" ]; then
        bound=$(discover_http_port "$pid" "$scheme" "$host" /v1/sys/health ${curl_args[@]+"${curl_args[@]}"})
        if [ -z "$bound" ]; then
            sleep 0.1
            continue
        fi
        port="$bound"
        addr="${scheme}://${host}:${port}"
    fi
    code=$(curl -s ${curl_args[@]+"${curl_args[@]}"} -o /dev/null -w '%{http_code}' --max-time 1 "$addr/v1/sys/health" || true)
    if [ "$code" = "200" ]; then
        echo "VAULT_ADDR=$addr"
        [ -n "${tls_args[*]-}" ] && echo "VAULT_CACERT=$dir/tls/vault-ca.pem"
        exit 0
    fi
    sleep 0.1
done

echo "openbao-dev.sh: OpenBao did not become healthy on $addr; see $dir/openbao.log" >&2
kill "$pid" 2>/dev/null || true
exit 1
