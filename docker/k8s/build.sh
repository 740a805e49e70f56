#!/usr/bin/env bash
# Builds the upstream Kubernetes components the sandbox needs from the Go module proxy, at the
# versions pinned in versions.env, into $OUT (default ~/.cache/hybrid-doctor/k8s-<K8S_VERSION>).
# Idempotent: a binary already present with a matching stamp is never rebuilt.
# Why a consuming module: k8s.io/kubernetes replaces its k8s.io/* staging modules with local
# paths, so `go install k8s.io/kubernetes/cmd/...@v` is refused; we require it and replace each
# staging module with its published version instead.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck disable=SC1091
source "$here/versions.env"
OUT=${OUT:-${HYBRID_DOCTOR_CACHE:-$HOME/.cache/hybrid-doctor}/k8s-$K8S_VERSION}
mkdir -p "$OUT/bin"
stamp="$OUT/bin/.stamp"
want="$K8S_VERSION $ETCD_VERSION $COREDNS_VERSION $CRICTL_VERSION ${KIND_VERSION:-} version-stamped kubeadm"
if [[ -f $stamp && "$(cat "$stamp")" == "$want" ]]; then echo "k8s binaries cached in $OUT/bin"; exit 0; fi
export GOFLAGS="-trimpath -buildvcs=false" CGO_ENABLED=0 GOTOOLCHAIN=local
ldflags="-s -w"

build_mod() { # dir module-requires... ; creates a throwaway consuming module
  local dir=$1; shift
  mkdir -p "$dir"; cd "$dir"
  [[ -f go.mod ]] || go mod init hybrid-doctor.local/build >/dev/null 2>&1
}

# Kubernetes
mod="$OUT/src/kubernetes"; build_mod "$mod"
staging="api apiextensions-apiserver apimachinery apiserver cli-runtime client-go cloud-provider cluster-bootstrap code-generator component-base component-helpers controller-manager cri-api cri-client csi-translation-lib dynamic-resource-allocation endpointslice externaljwt kms kube-aggregator kube-controller-manager kube-proxy kube-scheduler kubectl kubelet metrics mount-utils pod-security-admission sample-apiserver sample-cli-plugin sample-controller"
{ echo "module hybrid-doctor.local/build"; echo; echo "go 1.24.0"; echo; echo "require k8s.io/kubernetes $K8S_VERSION"; echo; echo "replace ("
  for s in $staging; do echo "	k8s.io/$s => k8s.io/$s $K8S_STAGING_VERSION"; done; echo ")"; } > go.mod
cat > tools.go <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kubeadm"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
GO
go mod tidy >/dev/null
# Version stamping (what upstream's hack/lib/version.sh does): without it every component reports
# v0.0.0-master+$Format:%H$ (kubelet version in Node status, kubectl version, /version).
minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
k8s_ldflags="$ldflags"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  k8s_ldflags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done
restamp=0
[[ "$(cat "$OUT/bin/.k8s-ldflags" 2>/dev/null)" == "$k8s_ldflags" ]] || restamp=1
for c in kubectl kubelet kubeadm kube-proxy kube-apiserver kube-controller-manager kube-scheduler; do
  # built to a temp name and renamed: a binary being relinked stays usable until replaced
  if [[ $restamp == 1 || ! -x "$OUT/bin/$c" ]]; then echo "building $c"; go build -ldflags "$k8s_ldflags" -o "$OUT/bin/$c.tmp" "k8s.io/kubernetes/cmd/$c"; mv "$OUT/bin/$c.tmp" "$OUT/bin/$c"; fi
done
echo "$k8s_ldflags" > "$OUT/bin/.k8s-ldflags"

# etcd (server module's main package)
mod="$OUT/src/etcd"; build_mod "$mod"
[[ -x "$OUT/bin/etcd" ]] || { go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >/dev/null 2>&1; echo "building etcd"; go build -ldflags "$ldflags" -o "$OUT/bin/etcd" go.etcd.io/etcd/server/v3; }

# CoreDNS
mod="$OUT/src/coredns"; build_mod "$mod"
[[ -x "$OUT/bin/coredns" ]] || { go get "github.com/coredns/coredns@$COREDNS_VERSION" >/dev/null 2>&1; echo "building coredns"; go build -ldflags "$ldflags" -o "$OUT/bin/coredns" github.com/coredns/coredns; }

# crictl
mod="$OUT/src/crictl"; build_mod "$mod"
[[ -x "$OUT/bin/crictl" ]] || { go get "sigs.k8s.io/cri-tools/cmd/crictl@$CRICTL_VERSION" >/dev/null 2>"$mod/get.log" || { echo "go get cri-tools@$CRICTL_VERSION failed:" >&2; cat "$mod/get.log" >&2; exit 1; }; echo "building crictl"; go build -ldflags "$ldflags" -o "$OUT/bin/crictl" sigs.k8s.io/cri-tools/cmd/crictl; }

# kind CLI (optional: the kind provider also needs its node image, which air-gapped hosts lack)
if [[ -n ${KIND_VERSION:-} && ${HYBRID_DOCTOR_SKIP_KIND:-0} != 1 && ! -x "$OUT/bin/kind" ]]; then
  mod="$OUT/src/kind"; build_mod "$mod"
  if go get "sigs.k8s.io/kind@$KIND_VERSION" >/dev/null 2>"$mod/get.log"; then
    echo "building kind"; go build -ldflags "$ldflags" -o "$OUT/bin/kind" sigs.k8s.io/kind || echo "kind build failed (optional; the source provider does not need it)" >&2
  else
    echo "go get kind@$KIND_VERSION failed (optional): $(tail -1 "$mod/get.log")" >&2
  fi
fi

echo "$want" > "$stamp"
ls -la "$OUT/bin"
