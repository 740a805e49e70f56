#!/usr/bin/env bash
# The guide's hand troubleshooting for ImagePullBackOff (eks-hybrid-harbor-guide.md, Step 13,
# items 1 "ImagePullBackOff" and 3 "DNS"), as one script: the baseline an engineer would run by
# hand. Used by bench/compare-k8sgpt.ts; no analysis, just the commands and their output.
#
#   bench/guide-troubleshooting.sh NAMESPACE POD
#   env: KUBECTL (default: the source-built kubectl), KUBECONFIG (required),
#        REGISTRY_HOST (default harbor.sandbox.test), PULL_SECRET (default harbor-registry),
#        DEBUG_IMAGE (default harbor.sandbox.test/library/busybox:1.36)
#
# Deviations from the guide, each forced by the sandbox or by hygiene:
# - every command gets `-n NAMESPACE` (the guide runs in the current namespace);
# - the decoded pull secret is printed with its password/auth values masked (the guide prints them);
# - the nslookup pod uses DEBUG_IMAGE with imagePullPolicy IfNotPresent instead of `busybox`
#   (Docker Hub is unreachable; the image is already on every node), and is run/waited/logged/
#   deleted in steps instead of `run -it --rm` (no TTY here), with `--command` (the seeded image
#   has an entrypoint, Docker Hub's busybox only a CMD). Loops are bounded.
set -uo pipefail
ns=${1:?namespace}; pod=${2:?pod}
: "${KUBECONFIG:?KUBECONFIG must point at the cluster}"
KUBECTL=${KUBECTL:-${HYBRID_DOCTOR_CACHE:-$HOME/.cache/hybrid-doctor}/k8s-v1.33.13/bin/kubectl}
REGISTRY_HOST=${REGISTRY_HOST:-harbor.sandbox.test}
PULL_SECRET=${PULL_SECRET:-harbor-registry}
DEBUG_IMAGE=${DEBUG_IMAGE:-$REGISTRY_HOST/library/busybox:1.36}
k() { "$KUBECTL" --kubeconfig "$KUBECONFIG" --request-timeout=20s "$@"; }
step() { printf '\n$ %s\n' "$*"; }

# 1. ImagePullBackOff: diagnose the pod
step kubectl describe pod "$pod"
k -n "$ns" describe pod "$pod" 2>&1
step kubectl get events --field-selector "involvedObject.name=$pod"
k -n "$ns" get events --field-selector "involvedObject.name=$pod" 2>&1

# ... check the secret
step kubectl get secret "$PULL_SECRET" -o "jsonpath={.data.\\.dockerconfigjson}" '|' base64 -d
out=$(k -n "$ns" get secret "$PULL_SECRET" -o 'jsonpath={.data.\.dockerconfigjson}' 2>&1); rc=$?
if [[ $rc -eq 0 ]]; then
  printf '%s' "$out" | base64 -d 2>&1 | sed -E 's/"(password|auth)":"[^"]*"/"\1":"<masked>"/g'; echo
else
  printf '%s\n' "$out"
fi

# 3. DNS: CoreDNS logs, then nslookup from a pod
step kubectl logs -n kube-system -l k8s-app=kube-dns
k logs -n kube-system -l k8s-app=kube-dns --tail=50 2>&1

dbg="debug-$(date +%s%N | tail -c 7)"
step kubectl run "$dbg" --image="$DEBUG_IMAGE" --restart=Never -- nslookup "$REGISTRY_HOST"
k -n "$ns" run "$dbg" --image="$DEBUG_IMAGE" --image-pull-policy=IfNotPresent --restart=Never \
  --labels=app.kubernetes.io/managed-by=hybrid-doctor-bench --command -- nslookup "$REGISTRY_HOST" 2>&1
phase=""
for _ in $(seq 1 60); do # at most ~60 s
  phase=$(k -n "$ns" get pod "$dbg" -o 'jsonpath={.status.phase}' 2>/dev/null)
  [[ $phase == Succeeded || $phase == Failed ]] && break
  sleep 1
done
[[ $phase == Succeeded || $phase == Failed ]] || { echo "debug pod $dbg did not finish (phase ${phase:-unknown})"; k -n "$ns" get pod "$dbg" -o 'jsonpath={.status.containerStatuses[0].state}' 2>&1; echo; }
k -n "$ns" logs "$dbg" 2>&1
k -n "$ns" delete pod "$dbg" --grace-period=0 --wait=false >/dev/null 2>&1
exit 0
