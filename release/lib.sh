# shellcheck shell=bash
# Shared by release/check.sh and deploy/container/{build,check}.sh; sourced, not run. The
# functions below read the caller's $work (its scratch directory) and $server (the server PID).
# shellcheck disable=SC2154

fail() { echo "FAIL: $*" >&2; exit 1; }

# Sets tarball (absolute), name (swift-kes-VERSION-linux-ARCH) and version from the argument or,
# without one, the newest tarball in $DIST (<repo>/../dist).
find_tarball() {
    local repo=$1 given=${2:-}
    local dist=${DIST:-$(dirname "$repo")/dist}
    tarball=${given:-$(ls -t "$dist"/swift-kes-*-linux-*.tar.gz 2>/dev/null | head -n 1)}
    [ -f "$tarball" ] || { echo "no tarball; run release/build.sh first" >&2; exit 2; }
    tarball=$(cd "$(dirname "$tarball")" && pwd)/$(basename "$tarball")
    name=$(basename "$tarball" .tar.gz)
    version=${name#swift-kes-}
    version=${version%-linux-*}
}

# Waits up to 10 s for PATTERN in the server's stdout ($work/server.out), failing early if the
# server ($server) exits.
wait_for_output() {
    local pattern=$1
    for _ in $(seq 1 100); do
        grep -q "$pattern" "$work/server.out" 2>/dev/null && return 0
        kill -0 "$server" 2>/dev/null || { cat "$work/server.out" "$work/server.err" >&2; fail "server exited"; }
        sleep 0.1
    done
    cat "$work/server.err" >&2
    fail "the server printed no '$pattern'"
}

# SIGTERM shuts down gracefully: the server exits by itself with status 0.
expect_clean_sigterm() {
    kill -TERM "$server"
    local rc=0
    wait "$server" || rc=$?
    server=""
    [ "$rc" -eq 0 ] || { cat "$work/server.err" >&2; fail "exit status $rc after SIGTERM"; }
    echo "SIGTERM: exited with status 0"
}
