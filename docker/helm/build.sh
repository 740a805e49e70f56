#!/usr/bin/env bash
# Builds the helm CLI from its Go module (helm.sh/helm/v4 at the pinned version) into the cache,
# for linting, templating and installing the chart in deploy/helm (issue 12). No download site is
# reachable here; the Go module proxy serves helm and its dependencies. Idempotent: a matching
# binary means nothing is rebuilt.
set -euo pipefail
HELM_VERSION=v4.3.2
cache=${HYBRID_DOCTOR_CACHE:-$HOME/.cache/hybrid-doctor}
out="$cache/helm-$HELM_VERSION/bin"
if [[ -x $out/helm ]] && "$out/helm" version --short 2>/dev/null | grep -q "^$HELM_VERSION"; then
  echo "helm cached in $out"; exit 0
fi
mkdir -p "$out"
exec 9>"$out/.lock"; flock 9
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
t0=$(date +%s)
GOBIN="$out.tmp" go install -trimpath -ldflags "-s -w -X helm.sh/helm/v4/internal/version.version=$HELM_VERSION" "helm.sh/helm/v4/cmd/helm@$HELM_VERSION"
mv "$out.tmp/helm" "$out/helm"; rmdir "$out.tmp"
echo "helm $HELM_VERSION built in $(( $(date +%s) - t0 ))s: $out/helm"
