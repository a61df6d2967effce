#!/usr/bin/env bash
# Builds the release tarball swift-kes-<version>-linux-<arch>.tar.gz: the kes binary with the
# Swift runtime and Foundation linked in statically, so the host needs no Swift toolchain, plus
# LICENSE, README.md, the example configs, the licenses of the packages compiled into the binary
# and a SHA256SUMS file. A <tarball>.sha256 file is written next to it for download checks.
#
#   release/build.sh            # build, then package into $DIST
#
# Environment:
#   SCRATCH  build directory, outside the repository (default: <repo>/../.build-release)
#   DIST     where the tarball goes (default: <repo>/../dist)
#   BUILD_LOCK  lock file serializing builds on a shared machine (default: /tmp/swift-build.lock)
#   NO_BUILD=1  package the binary an earlier run left in SCRATCH instead of building (a release
#               build takes minutes; repackaging after a script change does not need one)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
parent=$(dirname "$repo")
scratch=${SCRATCH:-$parent/.build-release}
dist=${DIST:-$parent/dist}
lock=${BUILD_LOCK:-/tmp/swift-build.lock}

# Build outputs must never land in the working tree: the release build's scratch path and the
# tarball both live next to the repository.
case "$scratch/" in "$repo"/*) echo "SCRATCH must be outside $repo" >&2; exit 2 ;; esac
case "$dist/" in "$repo"/*) echo "DIST must be outside $repo" >&2; exit 2 ;; esac

# The version the binary reports is the one in the file name, so read it from the same constant.
version=$(sed -n 's/.*static let version = "\(.*\)".*/\1/p' "$repo/Sources/KESServer/API/ServerAPI.swift")
[ -n "$version" ] || { echo "cannot find KESVersion.version" >&2; exit 1; }

# Go and container tooling call the architectures amd64 and arm64; KES's own releases use those names.
case "$(uname -m)" in
    x86_64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) arch=$(uname -m) ;;
esac
name="swift-kes-$version-linux-$arch"

# --static-swift-stdlib links the Swift runtime and Foundation into the binary; only glibc and
# the C++/gcc runtime and zlib stay dynamic. flock and nice: builds share two cores with other work.
build=(swift build -c release --static-swift-stdlib --product kes --scratch-path "$scratch" --package-path "$repo")
if [ "${NO_BUILD:-}" != 1 ]; then
    flock "$lock" nice -n 10 "${build[@]}"
fi
bin="$scratch/release/kes"

# A binary that still loads libswift*.so (or any library that is not found) would only run where
# a toolchain is installed: refuse to package it.
deps=$(ldd "$bin")
echo "$deps"
if grep -Eq 'libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime|not found' <<<"$deps"; then
    echo "kes still needs a Swift runtime library; not packaging it" >&2
    exit 1
fi
# SwiftPM sets RUNPATH $ORIGIN (the binary's own directory, which holds no libraries); any other
# entry, such as a toolchain directory, would make the binary depend on where it was built.
if readelf -d "$bin" | grep -E 'R(UN)?PATH' | grep -Eo '\[.*\]' | tr -d '[]' | tr ':' '\n' | grep -qv '^\$ORIGIN$'; then
    echo "kes carries an RPATH/RUNPATH beyond \$ORIGIN; not packaging it" >&2
    readelf -d "$bin" | grep -E 'R(UN)?PATH' >&2
    exit 1
fi

reported=$("$bin" --version)
[ "$reported" = "$version" ] || { echo "kes --version says '$reported', expected '$version'" >&2; exit 1; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root="$stage/$name"
mkdir -p "$root/config" "$root/licenses"
# Debug info is most of the binary's size and is not needed to run it; symbols stay for backtraces.
strip --strip-debug -o "$root/kes" "$bin"
cp "$repo/LICENSE" "$repo/README.md" "$root/"
cp "$repo"/config/*.yaml "$root/config/"

# The binary contains code of the packages it was built from; their licenses (and NOTICE files,
# which Apache-2.0 asks redistributors to pass on) travel with it. Every package the build
# resolved is listed: a few may contribute nothing to kes itself.
for dir in "$scratch"/checkouts/*/; do
    pkg=$(basename "$dir")
    for file in "$dir"LICENSE* "$dir"NOTICE* "$dir"COPYING*; do
        [ -f "$file" ] && cp "$file" "$root/licenses/$pkg-$(basename "$file")"
    done
done
# The Swift runtime and Foundation are linked in too (Apache-2.0 with the Runtime Library Exception).
toolchain_license="$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")/share/swift/LICENSE.txt"
if [ -f "$toolchain_license" ]; then cp "$toolchain_license" "$root/licenses/swift-toolchain-LICENSE.txt"; fi

# Inside the tarball: checksums of its files, checked with `sha256sum -c SHA256SUMS` after unpacking.
(cd "$root" && find . -type f ! -name SHA256SUMS -printf '%P\n' | LC_ALL=C sort | xargs sha256sum > SHA256SUMS)

mkdir -p "$dist"
tarball="$dist/$name.tar.gz"
# Fixed owner, order and timestamps: the same inputs give the same tarball.
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime='2000-01-01 00:00:00Z' \
    -C "$stage" -czf "$tarball" "$name"
(cd "$dist" && sha256sum "$name.tar.gz" > "$name.tar.gz.sha256")

echo
echo "$tarball ($(du -h "$tarball" | cut -f1))"
cat "$tarball.sha256"
