#!/usr/bin/env bash
# Everything the sandbox needs on this host, idempotent and quick when already done:
# Debian packages + Docker engine + local base image (host-setup.sh), then the upstream
# Kubernetes components built from source and cached (k8s/build.sh), moto[server] for the AWS
# checks (moto/install.sh). Run by `npm start` and
# `npm test` (pre-scripts) and by .ci/run. HYBRID_DOCTOR_SKIP_SETUP=1 skips it (e.g. running
# against a remote target only).
set -euo pipefail
[[ ${HYBRID_DOCTOR_SKIP_SETUP:-0} == 1 ]] && exit 0
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/host-setup.sh"
bash "$here/k8s/build.sh"
bash "$here/kind/build.sh" >/dev/null  # kind node image (issue 11); cached by content hash
bash "$here/harbor/build.sh"
bash "$here/helm/build.sh"
bash "$here/krew/build.sh"   # krew, for the test of the krew manifest (issue 12)
bash "$here/moto/install.sh" >/dev/null
