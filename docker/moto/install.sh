#!/usr/bin/env bash
# moto's server mode (PyPI `moto[server]`, pinned) in a Python venv under the cache, for the AWS
# checks' tests and the sandbox: EKS DescribeCluster with remoteNetworkConfig, EC2 security
# groups, network ACLs and route tables answered over the real AWS wire protocols on loopback.
# Idempotent: a stamp naming the pinned version means nothing is reinstalled. Prints the path of
# moto_server on its last line (fixtures/aws/moto.ts finds it the same way).
set -euo pipefail
MOTO_VERSION=5.2.6
cache=${HYBRID_DOCTOR_CACHE:-$HOME/.cache/hybrid-doctor}
venv="$cache/moto-$MOTO_VERSION"
stamp="$venv/.installed-$MOTO_VERSION"
if [[ -f $stamp && -x $venv/bin/moto_server ]]; then
  echo "$venv/bin/moto_server"; exit 0
fi
mkdir -p "$cache"
exec 9>"$cache/.moto-$MOTO_VERSION.lock"; flock 9
if [[ -f $stamp && -x $venv/bin/moto_server ]]; then
  echo "$venv/bin/moto_server"; exit 0
fi
py=${HYBRID_DOCTOR_PYTHON:-python3}
if ! "$py" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  # Debian ships venv's pip bootstrap (ensurepip) apart from python3.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv >&2 ||
    { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv >&2; }
fi
t0=$(date +%s)
# Built in place (a venv's scripts name their interpreter by absolute path); the stamp is
# written last, so an interrupted install is redone from scratch.
rm -rf "$venv"
"$py" -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check "moto[server]==$MOTO_VERSION" >&2
touch "$stamp"
echo "moto $MOTO_VERSION installed in $(( $(date +%s) - t0 ))s" >&2
echo "$venv/bin/moto_server"
