#!/usr/bin/env bash
# Checks deploy/systemd/swift-kes.service offline: `systemd-analyze verify` (syntax, known
# directives, executables present) and `systemd-analyze security --offline` (the exposure score of
# its sandboxing). verify insists that ExecStart's binary exists, so the release binary is put at
# /usr/local/bin/kes inside a private mount namespace; the host's /usr/local/bin is not touched.
#
#   deploy/systemd/check.sh [TARBALL]     # default: newest tarball in $DIST (<repo>/../dist)
#
# Needs root (mount namespace) and systemd's tools (apt-get install systemd).
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
dist=${DIST:-$(dirname "$repo")/dist}
unit="$repo/deploy/systemd/swift-kes.service"
tarball=${1:-$(ls -t "$dist"/swift-kes-*-linux-*.tar.gz 2>/dev/null | head -n 1)}
[ -f "$tarball" ] || { echo "no tarball; run release/build.sh first" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -xzf "$tarball" -C "$work" --wildcards '*/kes' --strip-components=1
[ -x "$work/kes" ] || { echo "FAIL: no kes in $tarball" >&2; exit 1; }

echo "--- systemd-analyze verify $(basename "$unit")"
# An empty tmpfs over /usr/local/bin in a private namespace, holding only the release binary.
unshare --mount --propagation private sh -c '
    mount -t tmpfs tmpfs /usr/local/bin && cp "$1" /usr/local/bin/kes && chmod 0755 /usr/local/bin/kes &&
    /usr/local/bin/kes --version && systemd-analyze verify "$2"' sh "$work/kes" "$unit"
echo "verify: no findings"

echo "--- systemd-analyze security --offline=yes"
# Exposure is scored 0 (fully sandboxed) to 10; fail above 2.0 (this unit scores 1.4, "OK").
systemd-analyze security --offline=yes --threshold=20 "$unit"

echo "OK: $(basename "$unit")"
