#!/usr/bin/env bash
# CI's fuzzing pass: builds every fuzz target and runs each for a few seconds on its checked-in
# corpus (FUZZ_SECONDS, default 15). A crash or a violated invariant fails the run; the input
# that caused it is kept under $KES_FUZZ_FINDINGS (default /work/.fuzz-findings).
#
# A CI run must not leave anything in the clone and must not reuse inputs from earlier runs, so
# the scratch corpus is a fresh temporary directory.
set -euo pipefail
cd "$(dirname "$0")"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
started=$SECONDS
KES_FUZZ_WORK="$work" ./run.sh all "${FUZZ_SECONDS:-15}"
echo "fuzz CI: $((SECONDS - started)) s" >&2
