#!/usr/bin/env bash
# Builds the kind node image hybrid-doctor/kind-node:<K8S_VERSION>-<hash> with no registry
# (issue 11), and prints its tag as the last line. Cached: the tag is a content hash of this
# directory, the kind version, pause.c and the cached binaries, so a warm call is one
# `docker image inspect`. HYBRID_DOCTOR_SKIP_KIND=1 skips it.
#
# Why not `kind build node-image`: its assembly `ctr content fetch`es every image kubeadm lists
# that is not one of the four release tarballs (etcd, CoreDNS, pause, kindnetd,
# local-path-provisioner), and that fetch needs a registry. So this script does the same steps
# itself, in the same order: run the base image with `sleep`, copy kubeadm/kubelet/kubectl to
# /usr/bin, write /kind/version, start containerd, import the image archives into the k8s.io
# namespace (--no-unpack, pinned, as kind does), retag them to kubeadm's names, stop containerd,
# `docker commit` with kind's entrypoint (behind hd-unprivileged, a no-op under --privileged).
#
# CNI: kind's default kindnetd is not available (kind v0.29.0 pins the image
# kindest/kindnetd:v20250512-df8de77b; its sources, sigs.k8s.io/kindnet, are not on the Go
# module proxy: 403). The image ships no /kind/manifests/default-cni.yaml; the sandbox's kind
# provider sets disableDefaultCNI and installs ptp + host-local (Debian's CNI plugins) with routes
# between nodes itself. No local-path-provisioner either (no /kind/manifests/default-storage.yaml:
# kind falls back to its host-path StorageClass; the sandbox has no volumes).
set -euo pipefail
[[ ${HYBRID_DOCTOR_SKIP_KIND:-0} == 1 ]] && { echo "kind node image skipped (HYBRID_DOCTOR_SKIP_KIND=1)" >&2; exit 0; }
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck disable=SC1091
source "$here/../k8s/versions.env"
CACHE=${HYBRID_DOCTOR_CACHE:-$HOME/.cache/hybrid-doctor}
BIN="$CACHE/k8s-$K8S_VERSION/bin"
for b in kubeadm kubelet kubectl kube-apiserver kube-controller-manager kube-scheduler kube-proxy etcd coredns crictl; do
  [[ -x $BIN/$b ]] || { echo "missing $BIN/$b: run docker/k8s/build.sh first" >&2; exit 1; }
done
GOMODCACHE=$(go env GOMODCACHE)
KIND_MOD="$GOMODCACHE/sigs.k8s.io/kind@$KIND_VERSION"
if [[ ! -d $KIND_MOD/images/base/files ]]; then
  KIND_MOD=$(cd "$CACHE" && GOFLAGS=-mod=mod go mod download -json "sigs.k8s.io/kind@$KIND_VERSION" | jq -r .Dir)
fi
PAUSE_C="$GOMODCACHE/k8s.io/kubernetes@$K8S_VERSION/build/pause/linux/pause.c"
[[ -f $PAUSE_C ]] || { echo "missing $PAUSE_C: run docker/k8s/build.sh first" >&2; exit 1; }

hash=$( { cat "$here/build.sh" "$here"/*.Dockerfile "$here/iptables-mode" "$here/hd-unprivileged"; echo "$KIND_VERSION"; sha256sum < "$PAUSE_C"
  (cd "$KIND_MOD/images/base/files" && find . -type f | sort | xargs sha256sum)
  for b in kubeadm kubelet kubectl kube-apiserver kube-controller-manager kube-scheduler kube-proxy etcd coredns crictl; do stat -c '%n %s %Y' "$BIN/$b"; done; } | sha256sum | cut -c1-16)
TAG="hybrid-doctor/kind-node:$K8S_VERSION-$hash"
if docker image inspect "$TAG" >/dev/null 2>&1; then echo "$TAG"; exit 0; fi

t0=$(date +%s)
work="$CACHE/kind-build/$hash"
rm -rf "$work"; mkdir -p "$work"
cid="hd-kind-build-$hash"
cleanup() { docker rm -f -v "$cid" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
ln_or_cp() { ln -f "$1" "$2" 2>/dev/null || cp "$1" "$2"; }

# 1. base image (kind's images/base files from the module, not committed)
BASE="hybrid-doctor/kind-base:$hash"
if ! docker image inspect "$BASE" >/dev/null 2>&1; then
  echo "building $BASE" >&2
  mkdir -p "$work/base"; cp -r "$KIND_MOD/images/base/files" "$work/base/files"; chmod -R u+w "$work/base"
  ln_or_cp "$BIN/crictl" "$work/base/crictl"; cp "$here/hd-unprivileged" "$work/base/"
  docker build -q --label io.hybrid-doctor.image=kind-base -f "$here/base.Dockerfile" -t "$BASE" "$work/base" >/dev/null
fi

# 2. the images kubeadm lists, from the cached binaries, under private names (the shared engine
#    gets no registry.k8s.io/* tags); renamed to kubeadm's names inside the node's containerd.
declare -A want=()
while read -r ref; do
  name=${ref##*/}; name=${name%%:*}
  want[$name]=$ref
done < <("$BIN/kubeadm" config images list --kubernetes-version "$K8S_VERSION")
tmpref() { echo "hybrid-doctor/kind-img-$1:$hash"; }
refs=()
for c in kube-apiserver kube-controller-manager kube-scheduler etcd coredns; do
  mkdir -p "$work/$c"; ln_or_cp "$BIN/$c" "$work/$c/$c"
  if [[ $c == coredns ]]; then printf 'FROM scratch\nCOPY coredns /coredns\nEXPOSE 53 53/udp 9153\nENTRYPOINT ["/coredns"]\n' > "$work/$c/Dockerfile"; f="$work/$c/Dockerfile"; else f="$here/component.Dockerfile"; fi
  docker build -q --build-arg "BIN=$c" -f "$f" -t "$(tmpref "$c")" "$work/$c" >/dev/null; refs+=("$(tmpref "$c")")
done
mkdir -p "$work/kube-proxy"; ln_or_cp "$BIN/kube-proxy" "$work/kube-proxy/kube-proxy"; cp "$here/iptables-mode" "$work/kube-proxy/"
docker build -q -f "$here/kube-proxy.Dockerfile" -t "$(tmpref kube-proxy)" "$work/kube-proxy" >/dev/null; refs+=("$(tmpref kube-proxy)")
mkdir -p "$work/pause"
gcc -static -O2 -Wall -DVERSION=v3.10-hybrid-doctor -o "$work/pause/pause" "$PAUSE_C"; strip "$work/pause/pause"
printf 'FROM scratch\nCOPY pause /pause\nUSER 65535:65535\nENTRYPOINT ["/pause"]\n' > "$work/pause/Dockerfile"
docker build -q -t "$(tmpref pause)" "$work/pause" >/dev/null; refs+=("$(tmpref pause)")
docker save -o "$work/images.tar" "${refs[@]}"
docker rmi "${refs[@]}" >/dev/null

# 3. assemble like `kind build node-image`
docker run -d --name "$cid" --entrypoint=sleep --security-opt seccomp=unconfined "$BASE" infinity >/dev/null
for b in kubeadm kubelet kubectl; do docker cp "$BIN/$b" "$cid:/usr/bin/$b"; done
docker exec "$cid" sh -c "chown root:root /usr/bin/kubeadm /usr/bin/kubelet /usr/bin/kubectl && chmod 0755 /usr/bin/kubeadm /usr/bin/kubelet /usr/bin/kubectl && printf %s '$K8S_VERSION' > /kind/version"
docker exec "$cid" bash -c 'nohup containerd >/tmp/containerd.log 2>&1 &'
for i in $(seq 1 50); do docker exec "$cid" ctr version >/dev/null 2>&1 && break; sleep 0.2; done
docker exec -i "$cid" ctr --namespace=k8s.io images import --label=io.cri-containerd.pinned=pinned --all-platforms --no-unpack - < "$work/images.tar" >/dev/null
for c in "${!want[@]}"; do
  docker exec "$cid" ctr --namespace=k8s.io images tag --force "docker.io/$(tmpref "$c")" "${want[$c]}" >/dev/null
  docker exec "$cid" ctr --namespace=k8s.io images rm "docker.io/$(tmpref "$c")" >/dev/null
done
docker exec "$cid" ctr --namespace=k8s.io images list -q | sort > "$work/imported"
# stopped cleanly before the commit (its bolt DB closed); `sleep` as PID 1 reaps nothing, so the
# exited containerd stays a zombie: wait for a state other than running/sleeping
docker exec "$cid" sh -c 'pkill -x containerd; for i in $(seq 1 50); do ps -C containerd -o stat= | grep -qv Z || exit 0; sleep 0.2; done; exit 1'
missing=$(printf '%s\n' "${want[@]}" | sort | comm -23 - "$work/imported")
[[ -z $missing ]] || { echo "images missing from the node image: $missing" >&2; exit 1; }
docker commit \
  --change 'ENTRYPOINT [ "/usr/local/bin/hd-unprivileged", "/usr/local/bin/entrypoint", "/sbin/init" ]' \
  --change "LABEL io.hybrid-doctor.image=kind-node io.hybrid-doctor.kind-version=$KIND_VERSION io.hybrid-doctor.cni=none" \
  "$cid" "$TAG" >/dev/null
# superseded node/base images go (not forced: one still used by a container stays)
old=$(docker images --filter label=io.hybrid-doctor.image=kind-node --format '{{.Repository}}:{{.Tag}}' | grep -vxF "$TAG" || true)
oldb=$(docker images --filter label=io.hybrid-doctor.image=kind-base --format '{{.Repository}}:{{.Tag}}' | grep -vxF "$BASE" || true)
[[ -z $old$oldb ]] || docker rmi $old $oldb >/dev/null 2>&1 || true
echo "built $TAG in $(( $(date +%s) - t0 )) s" >&2
echo "$TAG"
