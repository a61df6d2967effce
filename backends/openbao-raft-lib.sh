# Shared by openbao-raft.sh, openbao-raft-node.sh and openbao-raft-stop.sh; source it after
# lib.sh (with $here set to this directory, as the launchers do); do not run it. Every function
# takes the cluster directory DIR (absolute) and a node number N (1-3); node N lives in
# DIR/nodeN: openbao.hcl, openbao.pid, openbao.log and data/ (its Raft storage).

# A zombie counts as gone: its parent (often init in a container) may never reap it.
raft_alive() {
    local state
    state=$(ps -o stat= -p "$1" 2>/dev/null || true)
    [ -n "$state" ] && [ "${state#Z}" = "$state" ]
}

# The PID recorded for node N, or nothing.
raft_node_pid() {
    local file="$1/node$2/openbao.pid"
    [ -f "$file" ] && tr -dc '0-9' <"$file"
    return 0
}

# The API address of node N, from its config (api_addr = "http://127.0.0.1:PORT").
raft_node_addr() {
    sed -n 's/^api_addr *= *"\(.*\)"$/\1/p' "$1/node$2/openbao.hcl"
}

# Writes DIR/nodeN/openbao.hcl for API port API and cluster (Raft and request forwarding) port
# CLUSTER. performance_multiplier 1 is Raft's tightest timing (heartbeat and election timeouts
# of 1 s instead of the default 5 s): leader election after a kill takes about 1-3 s, not 10.
#   raft_write_config DIR N API CLUSTER
#
# Consistency settings (environment), all off by default, i.e. OpenBao's defaults: standbys serve
# reads from their own, possibly stale, copy of the data (eventual consistency).
#   OPENBAO_RAFT_DISABLE_STANDBY_READS=1   disable_standby_reads = true: standbys forward every
#                                          request to the active node (strict consistency)
#   OPENBAO_RAFT_MISSING_HEADER_FORWARD=1  listener consistency_missing_header_forward = true:
#                                          requests without X-Vault-Index/-Inconsistent forwarded
#   OPENBAO_RAFT_MAX_INDEX_WAIT=DURATION   listener consistency_max_index_wait (X-Vault-Inconsistent:
#                                          await-state holds a request up to this long)
#   OPENBAO_RAFT_LISTEN=ADDR               the API listener binds ADDR (e.g. 0.0.0.0, every address of
#                                          a network namespace) instead of the host; api_addr and
#                                          the cluster listener keep BACKEND_HOST (127.0.0.1)
raft_write_config() {
    local dir="$1" n="$2" api="$3" cluster="$4" host="${BACKEND_HOST:-127.0.0.1}"
    local listen="${OPENBAO_RAFT_LISTEN:-$host}"
    local listener_extra="" global_extra=""
    [ "${OPENBAO_RAFT_MISSING_HEADER_FORWARD:-0}" = "1" ] && listener_extra+=$'\n  consistency_missing_header_forward = true'
    [ -n "${OPENBAO_RAFT_MAX_INDEX_WAIT:-}" ] && listener_extra+=$'\n  consistency_max_index_wait = "'"$OPENBAO_RAFT_MAX_INDEX_WAIT"'"'
    [ "${OPENBAO_RAFT_DISABLE_STANDBY_READS:-0}" = "1" ] && global_extra+=$'\ndisable_standby_reads = true'
    [ "${OPENBAO_RAFT_AUTOPILOT:-0}" = "1" ] && global_extra+=$'\n# autopilot: on'
    mkdir -p "$dir/node$n/data"
    cat >"$dir/node$n/openbao.hcl" <<EOF
storage "raft" {
  path                         = "$dir/node$n/data"
  node_id                      = "node$n"
  performance_multiplier       = 1
  autopilot_reconcile_interval = "500ms"
  autopilot_update_interval    = "250ms"
}
listener "tcp" {
  address         = "$listen:$api"
  cluster_address = "$host:$cluster"
  tls_disable     = true$listener_extra
}
api_addr      = "http://$host:$api"
cluster_addr  = "https://$host:$cluster"
disable_mlock = true
ui            = false$global_extra
EOF
}

# Starts node N from its config in the background: PID to DIR/nodeN/openbao.pid, output to
# DIR/nodeN/openbao.log (appended, so a restart keeps the first run's log). As in the other
# launchers, inherited descriptors are closed and the server gets its own session; bao, a Go
# program, unblocks the signals it handles itself, so no shim is needed for the signal mask.
# With BACKEND_OWNER_PID set a detached watchdog.sh stops the node once that process is gone.
#   raft_start_node DIR N
raft_start_node() {
    local dir="$1" n="$2" pid
    # Autopilot off unless OPENBAO_RAFT_AUTOPILOT=1 (see openbao-raft.sh). OpenBao disables it
    # when BAO_RAFT_AUTOPILOT_DISABLE is set at all, even to "false": it is unset to keep it on.
    # The choice is kept in the config (a comment), so a restarted node makes the same one.
    local autopilot=(BAO_RAFT_AUTOPILOT_DISABLE=true)
    grep -q '^# autopilot: on$' "$dir/node$n/openbao.hcl" && autopilot=(-u BAO_RAFT_AUTOPILOT_DISABLE)
    (close_inherited_fds; HOME="$dir/node$n" exec env "${autopilot[@]}" \
        setsid bao server -config="$dir/node$n/openbao.hcl") \
        </dev/null >>"$dir/node$n/openbao.log" 2>&1 &
    pid=$!
    # Not a job of the launcher's shell: no "Killed" notice when a failed start kills it.
    disown "$pid" 2>/dev/null || true
    echo "$pid" >"$dir/node$n/openbao.pid"
    if [ -n "${BACKEND_OWNER_PID:-}" ]; then
        setsid bash "$here/watchdog.sh" "$BACKEND_OWNER_PID" "$pid" </dev/null >/dev/null 2>&1 &
    fi
}

# SIGKILLs node N (used to clean up after a failed start: its data is thrown away anyway).
raft_kill_node() {
    local pid
    pid=$(raft_node_pid "$1" "$2")
    [ -n "$pid" ] || return 0
    kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
        raft_alive "$pid" || break
        sleep 0.02
    done
    rm -f "$1/node$2/openbao.pid"
}

# Whether node N's log (from byte OFFSET on, default 0) says a listener could not bind, i.e.
# its port was taken meanwhile.
#   raft_bind_failed DIR N [OFFSET]
raft_bind_failed() {
    tail -c +"$((${3:-0} + 1))" "$1/node$2/openbao.log" 2>/dev/null | grep -qiE 'address already in use|bind: '
}

# X-Vault-Inconsistent: fail, sent with every request the launchers make: without X-Vault-Index
# it changes nothing, but it marks the request as from a consistency-aware client, so a node
# answers it itself even with consistency_missing_header_forward = true
# (OPENBAO_RAFT_MISSING_HEADER_FORWARD=1). Without it OpenBao 2.7.2 tries to forward even
# sys/health, sys/init and sys/unseal of an uninitialised or sealed node to an active node
# and answers 503 "Vault is sealed" or an error, so the node could never be set up.
raft_hdr=(-H "X-Vault-Inconsistent: fail")

# HTTP status of GET ADDR/v1/sys/health?standbyok=true (000 while nothing answers):
# 200 active or unsealed standby, 501 not initialised, 503 sealed.
raft_health_code() {
    curl -s "${raft_hdr[@]}" -o /dev/null -w '%{http_code}' --max-time 1 "$1/v1/sys/health?standbyok=true" || true
}

# Unseals node N with the key in DIR/init.json; prints nothing, fails on an HTTP error.
raft_unseal() {
    local dir="$1" n="$2" key addr
    key=$(jq -r '.keys_base64[0]' "$dir/init.json")
    addr=$(raft_node_addr "$dir" "$n")
    curl -sf "${raft_hdr[@]}" --max-time 10 -X PUT -d "{\"key\":\"$key\"}" \
        "$addr/v1/sys/unseal" >/dev/null
}

# Asks the uninitialised node N to join the cluster led by LEADER_ADDR (its API address); the
# node completes the join when it is unsealed afterwards (Shamir seal: it needs the key to answer
# the leader's challenge).
#   raft_join DIR N LEADER_ADDR
raft_join() {
    curl -sf "${raft_hdr[@]}" --max-time 10 -X PUT -d "{\"leader_api_addr\":\"$3\"}" \
        "$(raft_node_addr "$1" "$2")/v1/sys/storage/raft/join" >/dev/null
}
