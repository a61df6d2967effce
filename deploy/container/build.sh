#!/usr/bin/env bash
# Builds the swift-kes container image from a release tarball (release/build.sh) on the host:
# prepares a build context with the binary, the shared libraries `ldd` says it loads (copied from
# this host, which must be the distribution the binary was built on), CA certificates and a
# passwd entry, then builds deploy/container/Containerfile, which only copies files.
#
#   deploy/container/build.sh [TARBALL]    # default: newest tarball in $DIST (<repo>/../dist)
#
# Environment: CONTAINER_TOOL (podman or docker, default podman), IMAGE (default swift-kes:<version>).
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=release/lib.sh
source "$repo/release/lib.sh"
find_tarball "$repo" "${1:-}"
tool=${CONTAINER_TOOL:-podman}
image=${IMAGE:-swift-kes:$version}

# The image's non-root user. A fixed number, so that volume ownership can be set from outside.
uid=7373

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
tar -xzf "$tarball" -C "$ctx"
src="$ctx/$name"
(cd "$src" && sha256sum --quiet -c SHA256SUMS)
root="$ctx/rootfs"
mkdir -p "$root/usr/local/bin" "$root/etc/kes" "$root/etc/ssl/certs" "$root/tmp" \
    "$root/usr/share/doc/swift-kes" "$ctx/state"
chmod 1777 "$root/tmp"
install -m 0755 "$src/kes" "$root/usr/local/bin/kes"
cp -r "$src/LICENSE" "$src/README.md" "$src/config" "$src/licenses" "$root/usr/share/doc/swift-kes/"

# Every library the binary loads, and the dynamic loader itself, at the path ldd resolves, as a
# regular file: the image has no other files and no ld.so.cache, and the loader's built-in search
# path covers the multiarch directories these sit in.
libs=$(ldd "$src/kes" | awk '/=> \// {print $3} /^[ \t]*\/[^ ]*ld-linux/ {print $1}')
for lib in $libs; do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
    # The libraries' own licenses (glibc and gcc runtime: LGPL/GPL with exceptions) go with them.
    # dpkg knows a library by one of its names (usrmerge): try the path ldd printed, then the real one.
    pkg=$( (dpkg -S "$lib" 2>/dev/null || dpkg -S "$(readlink -f "$lib")" 2>/dev/null || true) | head -n 1 | cut -d: -f1)
    if [ -n "$pkg" ] && [ -f "/usr/share/doc/$pkg/copyright" ]; then
        mkdir -p "$root/usr/share/doc/$pkg"
        cp "/usr/share/doc/$pkg/copyright" "$root/usr/share/doc/$pkg/copyright"
    fi
done

# HTTPS to Vault, OpenBao, AWS or an upstream KES server verifies against the system roots
# unless the config names a CA; BoringSSL looks for this bundle.
cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"

# A user and group for USER, so tools that map the uid to a name show "kes".
cat >"$root/etc/passwd" <<EOF
root:x:0:0:root:/:/sbin/nologin
kes:x:$uid:$uid:swift-kes:/var/lib/kes:/sbin/nologin
EOF
cat >"$root/etc/group" <<EOF
root:x:0:
kes:x:$uid:
EOF
# Names in the config (a Vault endpoint, say) resolve through /etc/hosts first, then DNS; the
# container runtime provides both files.
cat >"$root/etc/nsswitch.conf" <<'EOF'
passwd: files
group: files
hosts: files dns
EOF

"$tool" build -t "$image" -f "$repo/deploy/container/Containerfile" "$ctx"
echo "$image"
