#!/usr/bin/env bash
# Builds containerd + ctr 1.7 and 2.x from the Go module proxy (versions.env) into
# $OUT/containerd-<line>/ (default ~/.cache/hybrid-doctor/clients). Idempotent: a line whose
# stamp matches its version is not rebuilt. A throwaway consuming module per line requires the
# containerd module and builds its cmd/ packages (CGO off: no btrfs/devmapper/seccomp, which
# pulls do not need).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck disable=SC1091
source "$here/versions.env"
OUT=${OUT:-${HYBRID_DOCTOR_CACHE:-$HOME/.cache/hybrid-doctor}/clients}
export GOFLAGS="-mod=mod -trimpath -buildvcs=false" CGO_ENABLED=0 GOTOOLCHAIN=local

build_line() { # line module version
  local line=$1 module=$2 version=$3 dir="$OUT/containerd-$1" src="$OUT/src/containerd-$1"
  if [[ -f $dir/.stamp && "$(cat "$dir/.stamp")" == "$version" && -x $dir/containerd && -x $dir/ctr ]]; then
    echo "containerd $line ($version) cached in $dir"; return 0
  fi
  mkdir -p "$dir" "$src"; cd "$src"
  printf 'module hybrid-doctor.local/build\n\ngo 1.23\n' > go.mod
  printf '//go:build tools\n\npackage tools\n\nimport (\n\t_ "%s/cmd/containerd"\n\t_ "%s/cmd/ctr"\n)\n' "$module" "$module" > tools.go
  go get "$module@$version" >"$src/get.log" 2>&1 || { echo "go get $module@$version failed:" >&2; tail -5 "$src/get.log" >&2; return 1; }
  go mod tidy >>"$src/get.log" 2>&1 || { echo "go mod tidy for $module@$version failed:" >&2; tail -5 "$src/get.log" >&2; return 1; }
  # The version the binaries report (`containerd --version`, ctr's user agent) as upstream's Makefile sets it.
  local ld="-s -w -X $module/version.Version=$version -X $module/version.Revision=module-proxy"
  for c in containerd ctr; do
    echo "building $c $version"
    go build -ldflags "$ld" -o "$dir/$c.tmp" "$module/cmd/$c"; mv "$dir/$c.tmp" "$dir/$c"
  done
  echo "$version" > "$dir/.stamp"
}

rc=0
build_line 1.7 github.com/containerd/containerd "$CONTAINERD_17_VERSION" || rc=1
build_line 2 github.com/containerd/containerd/v2 "$CONTAINERD_2_VERSION" || rc=1
exit $rc
