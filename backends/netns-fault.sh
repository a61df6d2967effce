#!/usr/bin/env bash
# A network namespace joined to the host by a veth pair, and network faults on that one path,
# for tests of swift-kes against a key store it reaches over a real (if virtual) network.
#
#   backends/netns-fault.sh up NAME               create namespace NAME and its veth; prints
#                                                 NETNS=, HOST_IF=, HOST_ADDR=, NS_ADDR=
#   backends/netns-fault.sh exec NAME CMD [ARG…]  run CMD inside NAME with BACKEND_HOST=NS_ADDR;
#                                                 a CMD naming a script in backends/ runs that script
#   backends/netns-fault.sh alias NAME            give NAME a second address; prints ALIAS_ADDR=
#   backends/netns-fault.sh delay NAME 2000ms     hold every host→namespace packet that long
#   backends/netns-fault.sh loss NAME 30%         drop that share of host→namespace packets
#   backends/netns-fault.sh reset NAME            answer every host→namespace TCP segment with a RST
#   backends/netns-fault.sh blackhole NAME        drop everything, both ways, silently
#   backends/netns-fault.sh heal NAME             remove the current fault
#   backends/netns-fault.sh show NAME             print the state and the fault rules
#   backends/netns-fault.sh down NAME             stop what runs inside, remove rules, veth, namespace
#   (delay, loss, reset and blackhole take an optional trailing `--addr ADDR`: then only packets
#   to that one namespace address, and for blackhole from it, are disturbed, e.g. the alias's)
#
# NAME is 1-12 lowercase letters or digits. Each namespace gets its own /30 out of 10.203.0.0/16
# (host .1, namespace .2), picked under a lock, so parallel test runs do not collide. The faults
# act on the host side only (iptables chains jumped to from OUTPUT -o HOST_IF and INPUT -i HOST_IF),
# so nothing else on the machine is affected, and a new fault replaces the previous one.
#
# `alias` puts a second address, ALIAS_ADDR (10.204.X.Y for NS_ADDR 10.203.X.Y, so unique per
# namespace as the /30 is), on the namespace's end of the veth as a /32, and routes it on the host
# via NS_ADDR over the same veth (a /30 has no third usable address). Servers listening on 0.0.0.0
# inside answer on both; with `--addr ALIAS_ADDR` a fault hits the clients that use the alias and
# leaves those that use NS_ADDR alone. It is idempotent and prints ALIAS_ADDR= again.
#
# Why not tc netem: many kernels (this project's CI VM among them) are built without sch_netem.
# iptables is there wherever netfilter is: loss uses the `statistic` match, delay the NFQUEUE
# target with backends/nfqueue-delay.py holding the packets, resets and drops the REJECT and DROP
# targets. Needs root, `ip` (iproute2), iptables and python3.
#
# With BACKEND_OWNER_PID=PID (the Swift tests pass their own PID), `up` starts a detached watcher
# that runs `down NAME` once process PID is gone, so a crashed test leaves no namespace, rule or
# server behind. `down` is idempotent.
set -euo pipefail
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
self="$here/$(basename -- "$0")"
state_root=${KES_NETNS_STATE_DIR:-/run/kes-netns-fault}

usage() {
    sed -n '4,18p' "$self" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

die() {
    echo "netns-fault.sh: $*" >&2
    exit 1
}

[ "$#" -ge 2 ] || usage
command=$1
name=$2
shift 2
[[ "$name" =~ ^[a-z0-9]{1,12}$ ]] || die "NAME must be 1-12 lowercase letters or digits, not '$name'"
state="$state_root/$name"
chain_out="KF-$name-O"
chain_in="KF-$name-I"

ipt() { iptables -w 10 "$@"; }

load_state() {
    [ -f "$state/env" ] || die "no namespace '$name' (run: $0 up $name)"
    # shellcheck disable=SC1091
    . "$state/env"
}

# A zombie counts as gone: its parent (often init in a container) may never reap it.
alive() {
    local process
    process=$(ps -o stat= -p "$1" 2>/dev/null || true)
    [ -n "$process" ] && [ "${process#Z}" = "$process" ]
}

# SIGTERM, then SIGKILL after about 5 s; waits until the process is gone.
stop_pid() {
    local pid=$1
    alive "$pid" || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 50); do
        alive "$pid" || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do
        alive "$pid" || return 0
        sleep 0.1
    done
}

stop_delayer() {
    if [ -f "$state/delay.pid" ]; then
        stop_pid "$(tr -dc '0-9' <"$state/delay.pid")"
        rm -f "$state/delay.pid" "$state/delay.ready"
    fi
}

heal() {
    # Rules first: new packets flow at once, then the delayer lets go of what it still holds.
    ipt -F "$chain_out" 2>/dev/null || true
    ipt -F "$chain_in" 2>/dev/null || true
    stop_delayer
}

# Picks the first free /30 after a random start, under a lock shared by every caller on the host.
allocate() {
    mkdir -p "$state_root"
    exec 9>"$state_root/.lock"
    flock -w 10 9 || die "could not lock $state_root/.lock"
    [ ! -e "$state/env" ] || die "namespace '$name' exists already"
    ! ip netns list | grep -w -- "$name" >/dev/null || die "network namespace '$name' exists already"
    local taken start index a b
    taken=$(ip -4 -o addr show | awk '{print $4}')
    taken+=$'\n'$(cat "$state_root"/*/env 2>/dev/null | sed -n 's/^HOST_ADDR=//p' || true)
    start=$((RANDOM % 16384))
    for offset in $(seq 0 16383); do
        index=$(((start + offset) % 16384))
        a=$((index / 64))
        b=$(((index % 64) * 4))
        if ! grep -q "^10\.203\.$a\.$((b + 1))\(/\|$\)" <<<"$taken"; then
            mkdir -p "$state"
            cat >"$state/env" <<EOF
NETNS=$name
HOST_IF=${name}h
NS_IF=${name}n
HOST_ADDR=10.203.$a.$((b + 1))
NS_ADDR=10.203.$a.$((b + 2))
QUEUE=$((20000 + index))
EOF
            return 0
        fi
    done
    die "no free /30 left in 10.203.0.0/16"
}

up() {
    [ "$(id -u)" = "0" ] || die "needs root (network namespaces, veth and iptables)"
    for tool in ip iptables python3 flock; do
        command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found in PATH"
    done
    allocate
    # The lock is held until the addresses are on the interfaces, so no one else picks them.
    load_state
    # Any failure from here on leaves half a setup; take it down again before reporting.
    up_complete=0
    trap '[ "$up_complete" = 1 ] || down >/dev/null 2>&1 || true' EXIT
    ip netns add "$NETNS"
    ip link add "$HOST_IF" type veth peer name "$NS_IF"
    ip link set "$NS_IF" netns "$NETNS"
    ip addr add "$HOST_ADDR/30" dev "$HOST_IF"
    ip link set "$HOST_IF" up
    ip netns exec "$NETNS" ip addr add "$NS_ADDR/30" dev "$NS_IF"
    ip netns exec "$NETNS" ip link set "$NS_IF" up
    # Launchers probe their server on 127.0.0.1 too; a new namespace starts with lo down.
    ip netns exec "$NETNS" ip link set lo up
    ipt -N "$chain_out"
    ipt -N "$chain_in"
    ipt -I OUTPUT -o "$HOST_IF" -j "$chain_out"
    ipt -I INPUT -i "$HOST_IF" -j "$chain_in"
    up_complete=1
    exec 9>&-
    if [ -n "${BACKEND_OWNER_PID:-}" ]; then
        setsid bash "$self" _watch "$name" "$BACKEND_OWNER_PID" </dev/null >/dev/null 2>&1 &
    fi
    echo "NETNS=$NETNS"
    echo "HOST_IF=$HOST_IF"
    echo "HOST_ADDR=$HOST_ADDR"
    echo "NS_ADDR=$NS_ADDR"
}

down() {
    if [ ! -f "$state/env" ]; then
        # Nothing recorded; still remove a namespace of that name left by an interrupted `up`.
        ip netns del "$name" 2>/dev/null || true
        return 0
    fi
    load_state
    stop_delayer
    ipt -D OUTPUT -o "$HOST_IF" -j "$chain_out" 2>/dev/null || true
    ipt -D INPUT -i "$HOST_IF" -j "$chain_in" 2>/dev/null || true
    ipt -F "$chain_out" 2>/dev/null || true
    ipt -F "$chain_in" 2>/dev/null || true
    ipt -X "$chain_out" 2>/dev/null || true
    ipt -X "$chain_in" 2>/dev/null || true
    # A namespace lives on while a process is inside it: stop those first, each by its PID.
    local pid
    for pid in $(ip netns pids "$NETNS" 2>/dev/null || true); do
        stop_pid "$pid"
    done
    ip netns del "$NETNS" 2>/dev/null || true
    # Deleting the namespace destroys its end of the pair, and with it this one; make sure.
    ip link del "$HOST_IF" 2>/dev/null || true
    rm -rf "$state"
}

# Adds the second address (see the header) unless it is there already, under the same lock as
# `up`, and records it as ALIAS_ADDR in the state.
add_alias() {
    load_state
    exec 9>"$state_root/.lock"
    flock -w 10 9 || die "could not lock $state_root/.lock"
    if [ -z "${ALIAS_ADDR:-}" ]; then
        ALIAS_ADDR="10.204.${NS_ADDR#10.203.}"
        ! ip -4 -o addr show | awk -v a="$ALIAS_ADDR" '{split($4, p, "/")} p[1] == a {f = 1} END {exit !f}' \
            || die "address $ALIAS_ADDR is already in use on this host"
        ip netns exec "$NETNS" ip addr add "$ALIAS_ADDR/32" dev "$NS_IF"
        ip route add "$ALIAS_ADDR/32" via "$NS_ADDR" dev "$HOST_IF" src "$HOST_ADDR"
        echo "ALIAS_ADDR=$ALIAS_ADDR" >>"$state/env"
    fi
    exec 9>&-
    echo "ALIAS_ADDR=$ALIAS_ADDR"
}

# Reads an optional trailing `--addr ADDR` from the fault's arguments: sets `args` to the rest and
# `only_out`/`only_in` to the iptables matches for traffic to and from ADDR (empty without it).
#   fault_arguments ARG…
fault_arguments() {
    args=("$@")
    only_out=()
    only_in=()
    local count=${#args[@]}
    if [ "$count" -ge 2 ] && [ "${args[$((count - 2))]}" = "--addr" ]; then
        local addr=${args[$((count - 1))]}
        [[ "$addr" =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]] || die "--addr takes an IPv4 address, not '$addr'"
        only_out=(-d "$addr")
        only_in=(-s "$addr")
        args=("${args[@]:0:$((count - 2))}")
    fi
}

watch() {
    # shellcheck source=lib.sh
    . "$here/lib.sh"
    close_inherited_fds
    local owner=$1
    while [ -f "$state/env" ]; do
        if ! alive "$owner"; then
            down
            return 0
        fi
        sleep 1
    done
}

case "$command" in
    up)
        [ "$#" -eq 0 ] || usage
        up
        ;;
    down)
        [ "$#" -eq 0 ] || usage
        down
        ;;
    exec)
        [ "$#" -ge 1 ] || usage
        load_state
        if [ -f "$here/$1" ] && [[ "$1" == *.sh ]]; then
            set -- bash "$here/$1" "${@:2}"
        fi
        export BACKEND_HOST=$NS_ADDR
        exec ip netns exec "$NETNS" "$@"
        ;;
    alias)
        [ "$#" -eq 0 ] || usage
        add_alias
        ;;
    delay)
        fault_arguments "$@"
        set -- "${args[@]}"
        [ "$#" -eq 1 ] || usage
        load_state
        case "$1" in
            *ms) millis=${1%ms} ;;
            *s) millis=$((${1%s} * 1000)) ;;
            *) millis="" ;;
        esac
        [[ "$millis" =~ ^[0-9]+$ ]] || die "delay must look like 2000ms or 2s, not '$1'"
        heal
        # Detached and with inherited descriptors closed, like the server launchers: the caller
        # must not wait for EOF on a pipe this process keeps open.
        . "$here/lib.sh"
        (close_inherited_fds; exec setsid python3 "$here/nfqueue-delay.py" "$QUEUE" "$millis" "$state/delay.ready") \
            </dev/null >"$state/delay.log" 2>&1 &
        echo "$!" >"$state/delay.pid"
        for _ in $(seq 1 50); do
            [ -s "$state/delay.ready" ] && break
            alive "$!" || { cat "$state/delay.log" >&2; die "the delayer exited"; }
            sleep 0.1
        done
        [ -s "$state/delay.ready" ] || die "the delayer did not bind queue $QUEUE within 5 s"
        # --queue-bypass: should the delayer die, packets pass instead of vanishing.
        ipt -A "$chain_out" "${only_out[@]}" -j NFQUEUE --queue-num "$QUEUE" --queue-bypass
        ;;
    loss)
        fault_arguments "$@"
        set -- "${args[@]}"
        [ "$#" -eq 1 ] || usage
        load_state
        percent=${1%\%}
        [[ "$percent" =~ ^[0-9]+$ ]] && [ "$percent" -le 100 ] || die "loss must look like 30%, not '$1'"
        heal
        if [ "$percent" -ge 100 ]; then
            ipt -A "$chain_out" "${only_out[@]}" -j DROP
        elif [ "$percent" -gt 0 ]; then
            ipt -A "$chain_out" "${only_out[@]}" -m statistic --mode random --probability "$(printf '0.%02d' "$percent")" -j DROP
        fi
        ;;
    reset)
        fault_arguments "$@"
        [ "${#args[@]}" -eq 0 ] || usage
        load_state
        heal
        # Connects fail with "connection refused", open connections with "connection reset".
        ipt -A "$chain_out" "${only_out[@]}" -p tcp -j REJECT --reject-with tcp-reset
        ;;
    blackhole)
        fault_arguments "$@"
        [ "${#args[@]}" -eq 0 ] || usage
        load_state
        heal
        # Both ways: no answer ever comes back, and nothing sent during the fault reaches the
        # store either, so a request cut off by the fault has not half-happened there.
        ipt -A "$chain_out" "${only_out[@]}" -j DROP
        ipt -A "$chain_in" "${only_in[@]}" -j DROP
        ;;
    heal)
        [ "$#" -eq 0 ] || usage
        load_state
        heal
        ;;
    show)
        [ "$#" -eq 0 ] || usage
        load_state
        cat "$state/env"
        [ -f "$state/delay.pid" ] && echo "DELAYER_PID=$(cat "$state/delay.pid")"
        ipt -S "$chain_out"
        ipt -S "$chain_in"
        ;;
    _watch)
        [ "$#" -eq 1 ] && [[ "$1" =~ ^[0-9]+$ ]] || usage
        watch "$1"
        ;;
    *)
        usage
        ;;
esac
