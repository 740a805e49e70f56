#!/usr/bin/env bash
# Builds k8sgpt (github.com/k8sgpt-ai/k8sgpt, pinned as K8SGPT_VERSION in versions.env) from the Go
# module proxy into $OUT/bin/k8sgpt (default ~/.cache/hybrid-doctor/k8s-<K8S_VERSION>/bin), for the
# side-by-side bench (bench/compare-k8sgpt.ts). Not needed by the sandbox or the tests.
# Idempotent: a binary with a matching stamp is never rebuilt.
# Why a consuming module: k8sgpt's go.mod has replace directives (docker/docker, mergo), so
# `go install github.com/k8sgpt-ai/k8sgpt@v` is refused; we require it from a throwaway module and
# copy its replace directives (from its go.mod) and its go.sum into that module.
# Run it niced on shared machines: `nice -n 10 bash docker/k8s/build-k8sgpt.sh`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck disable=SC1091
source "$here/versions.env"
: "${K8SGPT_VERSION:?K8SGPT_VERSION missing from versions.env}"
OUT=${OUT:-${HYBRID_DOCTOR_CACHE:-$HOME/.cache/hybrid-doctor}/k8s-$K8S_VERSION}
mkdir -p "$OUT/bin"
stamp="$OUT/bin/.stamp-k8sgpt"
if [[ -x "$OUT/bin/k8sgpt" && -f $stamp && "$(cat "$stamp")" == "$K8SGPT_VERSION" ]]; then
  echo "k8sgpt $K8SGPT_VERSION cached in $OUT/bin"; exit 0
fi
export GOFLAGS="-trimpath -buildvcs=false -mod=mod" CGO_ENABLED=0 GOTOOLCHAIN=local
ldflags="-s -w -X main.version=$K8SGPT_VERSION"

mod="$OUT/src/k8sgpt"; rm -rf "$mod"; mkdir -p "$mod"; cd "$mod"
log="$mod/build.log"; : > "$log"
fail() { echo "k8sgpt build failed at: $1" >&2; tail -20 "$log" >&2; exit 1; }

# The module's own go.mod, from the module cache (downloads only the .mod file).
dl=$(go mod download -json "github.com/k8sgpt-ai/k8sgpt@$K8SGPT_VERSION" 2>>"$log") || true
upstream=$(sed -n 's/.*"GoMod": "\(.*\)",*/\1/p' <<<"$dl"); srcdir=$(sed -n 's/.*"Dir": "\(.*\)",*/\1/p' <<<"$dl")
[[ -n $upstream && -f $upstream && -f $srcdir/go.sum ]] || fail "go mod download github.com/k8sgpt-ai/k8sgpt@$K8SGPT_VERSION"
goline=$(grep -m1 '^go ' "$upstream" || echo "go 1.23")
{ echo "module hybrid-doctor.local/build-k8sgpt"; echo; echo "$goline"; echo
  echo "require github.com/k8sgpt-ai/k8sgpt $K8SGPT_VERSION"; echo
  # single-line replace directives (k8sgpt writes them one per line; commented ones are skipped)
  grep -E '^replace [^(]' "$upstream" || true
  # and the block form, should a later version use it
  sed -n '/^replace (/,/^)/p' "$upstream"
} > go.mod
# Its go.sum too: some dependencies (buf.build/gen/go/k8sgpt-ai/... generated gRPC modules) are not
# in the public checksum database (lookup: 404 Not Found), so they are verified against the hashes
# k8sgpt itself recorded instead of being refused.
cp "$srcdir/go.sum" go.sum; chmod u+w go.sum
cat > tools.go <<'GO'
//go:build tools

package tools

import _ "github.com/k8sgpt-ai/k8sgpt"
GO
echo "resolving modules"
go mod tidy >>"$log" 2>&1 || fail "go mod tidy"
echo "building k8sgpt $K8SGPT_VERSION"
go build -ldflags "$ldflags" -o "$OUT/bin/k8sgpt" github.com/k8sgpt-ai/k8sgpt >>"$log" 2>&1 || fail "go build"
echo "$K8SGPT_VERSION" > "$stamp"
"$OUT/bin/k8sgpt" version || true
