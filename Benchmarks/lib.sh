# Shared by the benchmark scripts in this directory; source it, do not run it.

# new_admin KES_BIN: a fresh API key from `kes identity new`, in $api_key and its identity in
# $admin_identity. Fails when the output cannot be read.
new_admin() {
    local output
    output=$("$1" identity new)
    api_key=$(echo "$output" | grep -o 'kes:v1:[A-Za-z0-9+/=]*' | head -n 1)
    admin_identity=$(echo "$output" | sed -n 's/^Identity: *//p')
    if [ -z "$api_key" ] || [ -z "$admin_identity" ]; then
        echo "could not parse 'kes identity new'" >&2
        return 1
    fi
}

# server_certificate DIR: a self-signed P-256 certificate for 127.0.0.1 and localhost, valid two
# days, as DIR/server.crt and DIR/server.key (mode 600).
server_certificate() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
        -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
        -keyout "$1/server.key" -out "$1/server.crt" 2>/dev/null
    chmod 600 "$1/server.key"
}

now_ns() { date +%s%N; }

# wait_ready START_NS PID URL CERT KEY [LOG]: polls URL every 5 ms with a client certificate until
# it answers 200, then prints the milliseconds since START_NS. Fails (printing LOG's tail) when
# PID exits first, or after 10 s.
wait_ready() {
    local start=$1 pid=$2 url=$3 cert=$4 key=$5 log=${6:-} code
    for _ in $(seq 1 2000); do
        code=$(curl -sk --cert "$cert" --key "$key" -o /dev/null -w '%{http_code}' --max-time 1 "$url" || true)
        if [ "$code" = 200 ]; then echo $(( ($(now_ns) - start) / 1000000 )); return 0; fi
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "process $pid exited before $url was ready" >&2
            [ -n "$log" ] && tail -n 20 "$log" >&2
            return 1
        fi
        sleep 0.005
    done
    echo "$url was not ready after 10 s" >&2
    return 1
}

# probe_certificate DIR: a throwaway client certificate (DIR/probe.crt, DIR/probe.key) for curl's
# readiness polls; the servers skip authentication on /v1/ready.
probe_certificate() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=ready-probe \
        -keyout "$1/probe.key" -out "$1/probe.crt" 2>/dev/null
    chmod 600 "$1/probe.key"
}

# rss_mib PID [children]: resident set size of a process (and its direct children) in MiB.
rss_mib() {
    local total=0 kib
    for kib in $(ps -o rss= -p "$1" 2>/dev/null) $( [ "${2:-}" = children ] && ps -o rss= --ppid "$1" 2>/dev/null ); do
        total=$((total + kib))
    done
    awk -v k="$total" 'BEGIN { printf "%.1f", k / 1024 }'
}

# cpu_ticks PID [children]: user + system CPU time of a process (and its direct children, as
# nginx's workers are) in clock ticks, from /proc.
cpu_ticks() {
    local total=0 pid
    for pid in "$1" $( [ "${2:-}" = children ] && ps -o pid= --ppid "$1" 2>/dev/null ); do
        total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0)))
    done
    echo "$total"
}

# start_nginx DIR PORT CERT KEY: nginx serving a static 100-byte body over TLS 1.3 from DIR
# (nginx.conf.template), in the background; sets $nginx_pid. The caller stops it by PID.
start_nginx() {
    local dir=$1 port=$2 cert=$3 key=$4 template
    template="$(dirname "${BASH_SOURCE[0]}")/nginx.conf.template"
    mkdir -p "$dir/www" "$dir/tmp"
    # nginx's workers run as an unprivileged user and must read the static body.
    chmod 755 "$dir" "$dir/www"
    printf '%0100d' 0 >"$dir/www/body.txt"
    chmod 644 "$dir/www/body.txt"
    sed -e "s|@WORK@|$dir|g" -e "s|@PORT@|$port|g" -e "s|@CERT@|$cert|g" -e "s|@KEY@|$key|g" \
        "$template" >"$dir/nginx.conf"
    "$(command -v nginx || echo /usr/sbin/nginx)" -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' </dev/null >"$dir/stdout.log" 2>&1 &
    nginx_pid=$!
}

# ensure_nginx: installs nginx from Debian when it is missing.
ensure_nginx() {
    if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
        echo "nginx missing; installing the Debian package" >&2
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
    fi
}

# release_binaries REPO BUILD: sets KES_BIN and BENCH_BIN (kept when already set), building both
# release products first when BUILD is 1. They are built as release/build.sh builds the shipped
# binary (Swift runtime linked in statically, measured 10-20 % cheaper per request than linking
# libswiftCore dynamically) and share its build directory, $SCRATCH or <repo>/../.build-release.
# Fails when either is missing.
release_binaries() {
    local repo=$1 build=$2 scratch build_start
    scratch=${SCRATCH:-$(dirname "$repo")/.build-release}
    if [ -z "${KES_BIN:-}" ] || [ -z "${BENCH_BIN:-}" ]; then
        if [ "$build" = 1 ]; then
            echo "building release binaries in $scratch (several minutes on a cold cache)" >&2
            build_start=$(now_ns)
            # One Swift build at a time on a shared machine: the same lock as release/build.sh.
            for product in kes kes-bench; do
                flock "${BUILD_LOCK:-/tmp/swift-build.lock}" swift build -c release --static-swift-stdlib \
                    --product "$product" --scratch-path "$scratch" --package-path "$repo" >&2 || return 1
            done
            echo "release build took $(( ($(now_ns) - build_start) / 1000000000 )) s" >&2
        fi
        KES_BIN=${KES_BIN:-$scratch/release/kes}
        BENCH_BIN=${BENCH_BIN:-$scratch/release/kes-bench}
    fi
    [ -x "$KES_BIN" ] || { echo "no kes binary at $KES_BIN" >&2; return 1; }
    [ -x "$BENCH_BIN" ] || { echo "no kes-bench binary at $BENCH_BIN" >&2; return 1; }
}

# config_head PORT DIR: the start of a server config the benchmark scripts share: the address,
# $admin_identity as admin, DIR/server.crt and DIR/server.key, and /v1/ready open to the
# readiness probe. Callers append keys:, policy: and keystore:.
config_head() {
    cat <<YAML
address: 127.0.0.1:$1
admin:
  identity: $admin_identity
tls:
  key: $2/server.key
  cert: $2/server.crt
api:
  /v1/ready:
    skip_auth: true
YAML
}

# stop_pids PID...: stops each process the script started (empty arguments are skipped) and waits
# for it, so that nothing outlives the script.
stop_pids() {
    local pid
    for pid in "$@"; do
        [ -n "$pid" ] || continue
        { kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; } || true
    done
}

# drop_work DIR KEEP: removes the work directory unless KEEP is 1, when it says where it is.
drop_work() {
    if [ "$2" = 1 ]; then echo "kept $1" >&2; else rm -rf "$1"; fi
}

# reference_kes REPO: the MinIO KES 2023 binary to measure against, in $reference:
# $KES_REFERENCE_BIN, else kes-2023 in $KES_REFERENCE_DIR (default: shared/anchors beside the
# repository). Fails when there is none.
reference_kes() {
    reference=${KES_REFERENCE_BIN:-${KES_REFERENCE_DIR:-$1/../shared/anchors}/kes-2023}
    [ -x "$reference" ]
}

# launch_key_server SERVER CONFIG LOG: starts swift-kes ($KES_BIN) or kes-2023 ($reference) on
# CONFIG in the background; the caller takes its PID from $! and waits for it with wait_ready.
# KES 2023 runs with --auth off: the client certificates here are self-signed, and it still maps
# each to its identity.
launch_key_server() {
    case "$1" in
        swift-kes) "$KES_BIN" server --config "$2" </dev/null >"$3" 2>&1 & ;;
        kes-2023) "$reference" server --config "$2" --auth off </dev/null >"$3" 2>&1 & ;;
        *) echo "launch_key_server: unknown server '$1'" >&2; return 1 ;;
    esac
}
