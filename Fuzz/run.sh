#!/usr/bin/env bash
# Builds the fuzz targets (incrementally) and runs libFuzzer.
#
#   Fuzz/run.sh TARGET SECONDS     fuzz one target, e.g. Fuzz/run.sh FuzzStoredKey 60
#   Fuzz/run.sh all SECONDS        fuzz every target for SECONDS each, one after another
#   Fuzz/run.sh merge TARGET       fold the new inputs of earlier runs into Fuzz/corpus/TARGET
#   Fuzz/run.sh build              build every target and stop
#   Fuzz/run.sh list               print the target names
#
# The checked-in corpus Fuzz/corpus/TARGET is only read. New inputs go to a scratch corpus,
# $KES_FUZZ_WORK/TARGET (default /work/.fuzz-work), which later runs keep growing; `merge` adds
# to the repository only the inputs that reach coverage its corpus lacks. Crashes, timeouts and
# out-of-memory inputs go to $KES_FUZZ_FINDINGS/TARGET (default /work/.fuzz-findings), and the
# script then exits non-zero. Extra libFuzzer flags can be passed in $KES_FUZZ_FLAGS.
#
# Builds go to $KES_FUZZ_BUILD (default /work/.build-fuzz), never to the repository's .build,
# and wait for /tmp/swift-build.lock so that they never run beside another Swift build.
set -euo pipefail

FUZZ_DIR="$(cd "$(dirname "$0")" && pwd)"
BUILD="${KES_FUZZ_BUILD:-/work/.build-fuzz}"
WORK="${KES_FUZZ_WORK:-/work/.fuzz-work}"
FINDINGS="${KES_FUZZ_FINDINGS:-/work/.fuzz-findings}"
TARGETS=(FuzzCiphertext FuzzCiphertextTamper FuzzStoredKey FuzzJSONBody FuzzHTTPHead FuzzPolicyGlob FuzzIdentity
    FuzzGoDuration FuzzConfig)

usage() {
    sed -n '2,8p' "$0" >&2
    exit 2
}

# Always builds every target: building one product, then all, relinks everything in between.
build() {
    # The debug configuration compiles every module with -enable-testing, which the targets'
    # @testable imports need, and without whole-module optimization, which keeps builds short.
    # -O on top: unoptimized generic code under ASan and coverage ran about ten times slower.
    # The sanitizer flags apply to every Swift module, so the code under test carries coverage
    # instrumentation; C modules (BoringSSL, llhttp, libyaml) are built without it.
    local started=$SECONDS
    # KES_FUZZ_OPTIMIZE=none builds without -O: a third quicker to build, ten times slower to
    # run, which suits CI's few seconds per target.
    local optimize=(-Xswiftc -O)
    [[ "${KES_FUZZ_OPTIMIZE:-O}" == none ]] && optimize=()
    flock /tmp/swift-build.lock nice -n 10 swift build --package-path "$FUZZ_DIR" --scratch-path "$BUILD" \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library "${optimize[@]}" "$@" >&2
    echo "build: $((SECONDS - started)) s" >&2
}

binary() {
    echo "$BUILD/debug/$1"
}

known() {
    local target
    for target in "${TARGETS[@]}"; do [[ "$target" == "$1" ]] && return 0; done
    echo "unknown target $1; targets: ${TARGETS[*]}" >&2
    exit 2
}

fuzz() {
    local target=$1 seconds=$2
    mkdir -p "$WORK/$target" "$FINDINGS/$target"
    echo "== $target: $seconds s, new inputs in $WORK/$target, findings in $FINDINGS/$target" >&2
    # One process: the machine is shared with Swift builds. (-jobs=1 would fork a child and send
    # its output to fuzz-0.log in the working directory, so no -jobs.) The run happens in the
    # scratch directory so that nothing libFuzzer writes lands in the repository. Leak detection
    # is off: the Swift runtime's metadata caches and the targets' fixed keys live until exit.
    # shellcheck disable=SC2086
    (cd "$WORK" && "$(binary "$target")" "$WORK/$target" "$FUZZ_DIR/corpus/$target" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -detect_leaks=0 -print_final_stats=1 \
        -artifact_prefix="$FINDINGS/$target/" ${KES_FUZZ_FLAGS:-})
}

[[ $# -ge 1 ]] || usage
case "$1" in
list)
    printf '%s\n' "${TARGETS[@]}"
    ;;
build)
    build
    ;;
merge)
    [[ $# -eq 2 ]] || usage
    known "$2"
    build
    mkdir -p "$WORK/$2"
    (cd "$WORK" && "$(binary "$2")" -merge=1 -detect_leaks=0 "$FUZZ_DIR/corpus/$2" "$WORK/$2")
    ;;
all)
    [[ $# -eq 2 ]] || usage
    build
    failed=()
    for target in "${TARGETS[@]}"; do
        fuzz "$target" "$2" || failed+=("$target")
    done
    if [[ ${#failed[@]} -gt 0 ]]; then
        echo "findings in: ${failed[*]} (see $FINDINGS)" >&2
        exit 1
    fi
    ;;
*)
    [[ $# -eq 2 ]] || usage
    known "$1"
    build
    fuzz "$1" "$2"
    ;;
esac
