#!/usr/bin/env bash
# Builds krew (the kubectl plugin manager) from its Go module at the pinned version into the
# cache, so the test of deploy/krew/hybrid-doctor.yaml installs the plugin the way users do:
# `kubectl krew install --manifest=… --archive=…` (krew's offline path: no index, no download).
# The Go module proxy serves krew and its dependencies. Idempotent: a matching binary means
# nothing is rebuilt.
set -euo pipefail
KREW_VERSION=v0.4.3
cache=${HYBRID_DOCTOR_CACHE:-$HOME/.cache/hybrid-doctor}
out="$cache/krew-$KREW_VERSION/bin"
if [[ -x $out/kubectl-krew ]] && [[ "$(cat "$out/.version" 2>/dev/null)" == "$KREW_VERSION" ]]; then
  echo "krew cached in $out"; exit 0
fi
mkdir -p "$out"
exec 9>"$out/.lock"; flock 9
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
t0=$(date +%s)
GOBIN="$out.tmp" go install -trimpath -ldflags "-s -w -X sigs.k8s.io/krew/internal/version.gitTag=$KREW_VERSION" "sigs.k8s.io/krew/cmd/krew@$KREW_VERSION"
mv "$out.tmp/krew" "$out/kubectl-krew"; rmdir "$out.tmp"
echo "$KREW_VERSION" > "$out/.version"
echo "krew $KREW_VERSION built in $(( $(date +%s) - t0 ))s: $out/kubectl-krew"
