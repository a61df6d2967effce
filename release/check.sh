#!/usr/bin/env bash
# Checks a release tarball the way a user would use it, on a host without a Swift toolchain:
# verifies its SHA-256, unpacks it into an empty directory, checks that kes loads no Swift
# library, then starts the dev server from it with an empty environment (and, where mount
# namespaces are available, with the toolchain directory hidden) and talks to it over mTLS.
#
#   release/check.sh [TARBALL]     # default: the newest tarball in $DIST (<repo>/../dist)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=release/lib.sh
source "$repo/release/lib.sh"
find_tarball "$repo" "${1:-}"
expected_version=$version

work=$(mktemp -d)
server=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# 1. The published checksum matches, and the files inside match their SHA256SUMS.
(cd "$(dirname "$tarball")" && sha256sum -c "$name.tar.gz.sha256") || fail "tarball checksum"
tar -xzf "$tarball" -C "$work"
cd "$work/$name"
sha256sum --quiet -c SHA256SUMS || fail "SHA256SUMS inside the tarball"
for f in kes LICENSE README.md config/server-config.yaml; do
    [ -e "$f" ] || fail "$f missing from the tarball"
done

# 2. Nothing dynamic from a Swift toolchain: only system libraries, all found, no RPATH into a toolchain
#    (SwiftPM's RUNPATH $ORIGIN is the unpacked directory itself).
echo "--- ldd kes"
ldd ./kes | tee "$work/ldd.txt"
if grep -Eq 'libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime|not found' "$work/ldd.txt"; then
    fail "kes needs a library that only a Swift toolchain provides"
fi
if readelf -d ./kes | grep -E 'R(UN)?PATH' | grep -Eo '\[.*\]' | tr -d '[]' | tr ':' '\n' | grep -qv '^\$ORIGIN$'; then
    fail "kes has an RPATH/RUNPATH other than \$ORIGIN"
fi

# 3. Run it as a user would: empty environment, no LD_LIBRARY_PATH. If this machine has a
#    toolchain, hide its directory behind an empty tmpfs in a private mount namespace, so that a
#    library loaded from it by path would fail the check instead of passing silently.
#    As root, drop to nobody as well: a server runs unprivileged (systemd unit, container), and
#    some socket options that succeed for root fail for other users.
run=(env -i PATH=/usr/bin:/bin LD_LIBRARY_PATH= HOME="$work" TMPDIR="$work/tmp")
mkdir -m 1777 "$work/tmp"
if [ "$(id -u)" = 0 ]; then
    chmod 0755 "$work"
    run=(setpriv --reuid=65534 --regid=65534 --clear-groups "${run[@]}")
fi
hide=""
if command -v swift >/dev/null 2>&1; then
    toolchain=$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")
    if unshare --mount --propagation private true 2>/dev/null; then
        hide="$toolchain"
    else
        echo "note: no mount namespace here; the toolchain at $toolchain stays visible (ldd above shows it is not used)"
    fi
fi
# A command prefix, not a function: a backgrounded function would be a subshell, and $! (which
# gets the SIGTERM below) would be that shell instead of kes. Every step here execs the next.
launch=()
if [ -n "$hide" ]; then
    launch=(unshare --mount --propagation private sh -c 'mount -t tmpfs tmpfs "$1" && shift && exec "$@"' sh "$hide")
fi

echo "--- ./kes --version"
version=$("${launch[@]}" "${run[@]}" ./kes --version)
echo "$version"
[ "$version" = "$expected_version" ] || fail "--version says '$version', the tarball name says '$expected_version'"
if [ -n "$hide" ]; then
    # The hiding works: the toolchain's swift driver is gone inside the namespace.
    "${launch[@]}" test ! -e "$hide/bin/swift" || fail "could not hide the toolchain"
    echo "(run with $hide hidden)"
fi

echo "--- ./kes server --dev --addr 127.0.0.1:0"
"${launch[@]}" "${run[@]}" ./kes server --dev --addr 127.0.0.1:0 >"$work/server.out" 2>"$work/server.err" &
server=$!
# The dev server prints its endpoint and the client certificate's files once it listens.
wait_for_output 'Client TLS'
url=$(awk '/Endpoint/ {print $2; exit}' "$work/server.out")
read -r cert key < <(awk '/Client TLS/ {print $3, $4; exit}' "$work/server.out")
echo "endpoint $url"

curl_kes() { curl -sS --fail-with-body -k --cert "$cert" --key "$key" "$@"; }
status=$(curl_kes "$url/v1/status") || fail "/v1/status: $status"
echo "/v1/status: $status"
grep -Eq "\"version\": *\"$expected_version\"" <<<"$status" || fail "/v1/status reports another version"
curl_kes -X PUT "$url/v1/key/create/release-check" >/dev/null || fail "key create"
dek=$(curl_kes -X PUT -d '{}' "$url/v1/key/generate/release-check") || fail "key generate"
grep -q '"ciphertext"' <<<"$dek" || fail "generate returned no ciphertext: $dek"
echo "created a key and generated a data key with it"

# 4. SIGTERM shuts down gracefully: the process exits by itself with status 0.
expect_clean_sigterm

echo "OK: $name"
