#!/usr/bin/env bash
# Builds the image from a release tarball and checks it without starting a container (a
# container runtime may not be usable where this runs): reads the image's settings, copies its
# filesystem out of `podman image mount`, and runs the image's entrypoint and command in a chroot
# of that copy as the image's user, with a config in /etc/kes and keys in /var/lib/kes as the
# volumes would provide them. Then it talks to the server over mTLS, reloads it with SIGHUP and
# stops it with SIGTERM.
#
#   deploy/container/check.sh [TARBALL]   # default: newest tarball in $DIST (<repo>/../dist)
#
# Needs root (podman image mount, chroot) and podman.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=release/lib.sh
source "$repo/release/lib.sh"
find_tarball "$repo" "${1:-}"
image=${IMAGE:-swift-kes:$version}

IMAGE=$image CONTAINER_TOOL=podman "$repo/deploy/container/build.sh" "$tarball"

work=$(mktemp -d)
server=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# 1. The image's settings.
inspect() { podman image inspect --format "$1" "$image"; }
user=$(inspect '{{.Config.User}}')
entrypoint=$(inspect '{{range .Config.Entrypoint}}{{.}} {{end}}')
cmd=$(inspect '{{range .Config.Cmd}}{{.}} {{end}}')
echo "--- image $image"
echo "size:       $(inspect '{{.Size}}') bytes"
echo "user:       $user"
echo "workdir:    $(inspect '{{.Config.WorkingDir}}')"
echo "ports:      $(inspect '{{range $p, $_ := .Config.ExposedPorts}}{{$p}} {{end}}')"
echo "volumes:    $(inspect '{{range $v, $_ := .Config.Volumes}}{{$v}} {{end}}')"
echo "entrypoint: $entrypoint"
echo "cmd:        $cmd"
[ -n "$user" ] && [ "${user%%:*}" != 0 ] && [ "${user%%:*}" != root ] || fail "the image runs as root"
[[ "$(inspect '{{range $p, $_ := .Config.ExposedPorts}}{{$p}} {{end}}')" == *7373/tcp* ]] || fail "port 7373 not exposed"

# 2. Its filesystem, copied out so that the chroot can write /tmp and /var/lib/kes as the
#    container's writable layer and volumes would let it.
root="$work/root"
mnt=$(podman image mount "$image")
cp -a "$mnt" "$root"
podman image unmount "$image" >/dev/null
echo "--- files"
(cd "$root" && find . -type f -printf '%m %U:%G %10s %P\n' | sort -k4)
ls -ld "$root/var/lib/kes" "$root/tmp"
[ "$(stat -c %u "$root/var/lib/kes")" = "${user%%:*}" ] || fail "/var/lib/kes is not owned by the image's user"

# What a container runtime provides and the image does not: /proc (the Swift runtime reads the
# command line from /proc/self/cmdline) and /dev. Mounted in a private mount namespace that ends
# with the process, so the host never sees them and removing the copy stays safe.
mkdir -p "$root/proc" "$root/dev"
chroot_bin=$(command -v chroot)
# run_as USER CMD...: CMD in the image's filesystem as USER, with only the environment the image
# sets (ENV), nothing from this shell.
# (A command prefix rather than a function for the server: a backgrounded function would be a
# subshell, and $! would be that shell instead of kes. Every step execs the next.)
in_image() {
    printf '%s\0' unshare --mount --propagation private sh -c '
        root=$1 user=$2 chroot_bin=$3; shift 3
        mount -t proc proc "$root/proc" && mount --bind /dev "$root/dev" &&
        exec env -i PATH=/usr/local/bin TMPDIR=/tmp "$chroot_bin" --userspec="$user" "$root" "$@"' \
        sh "$root" "$1" "$chroot_bin"
}
mapfile -d '' as_root < <(in_image 0:0)
mapfile -d '' as_user < <(in_image "$user")
run_as() { if [ "$1" = 0:0 ]; then shift; "${as_root[@]}" "$@"; else shift; "${as_user[@]}" "$@"; fi; }
run() { "${as_user[@]}" "$@"; }

echo "--- chroot: kes --version"
got=$(run /usr/local/bin/kes --version)
echo "$got"
[ "$got" = "$version" ] || fail "--version says '$got', expected '$version'"

# 3. What a user mounts at /etc/kes: a config with absolute paths, a server certificate and key
#    readable by the image's user, and an admin identity. Generated with the image's own binary.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# /etc/kes belongs to root in the image (a volume replaces it): create the files as root and give
# the private key to the image's user, as an operator preparing the volume would.
run_as 0:0 /usr/local/bin/kes identity new --key /etc/kes/server.key --cert /etc/kes/server.crt \
    --ip 127.0.0.1 --dns localhost localhost >/dev/null || fail "kes identity new in the image"
chown "${user%%:*}" "$root/etc/kes/server.key"
run_as 0:0 /usr/local/bin/kes identity new --key /tmp/admin.key --cert /tmp/admin.crt admin >/dev/null
admin=$(run_as 0:0 /usr/local/bin/kes identity of /tmp/admin.crt)
cat >"$root/etc/kes/config.yaml" <<EOF
address: 127.0.0.1:$port
admin:
  identity: $admin
tls:
  key: /etc/kes/server.key
  cert: /etc/kes/server.crt
keystore:
  fs:
    path: /var/lib/kes/keys
EOF

# 4. The image's entrypoint and command, as its user, in the chroot.
echo "--- chroot: $entrypoint$cmd (as $user)"
# shellcheck disable=SC2086  # entrypoint and cmd are word lists from the image
"${as_user[@]}" $entrypoint $cmd >"$work/server.out" 2>"$work/server.err" &
server=$!
wait_for_output 'listening on'
cat "$work/server.out"

url="https://127.0.0.1:$port"
curl_kes() { curl -sS --fail-with-body --cacert "$root/etc/kes/server.crt" --cert "$root/tmp/admin.crt" --key "$root/tmp/admin.key" "$@"; }
status=$(curl_kes "$url/v1/status") || { cat "$work/server.err" >&2; fail "/v1/status: $status"; }
echo "/v1/status: $status"
curl_kes -X PUT "$url/v1/key/create/image-check" >/dev/null || fail "key create"
curl_kes -X PUT -d '{}' "$url/v1/key/generate/image-check" | grep -q '"ciphertext"' || fail "generate"
ls -l "$root/var/lib/kes/keys"
[ "$(stat -c '%u %a' "$root/var/lib/kes/keys/image-check")" = "${user%%:*} 600" ] \
    || fail "key file is not mode 0600 owned by the image's user"

kill -HUP "$server"
sleep 0.5
curl_kes "$url/v1/ready" >/dev/null || fail "not ready after SIGHUP"
echo "SIGHUP: reloaded, still serving"

expect_clean_sigterm
echo "OK: $image"
