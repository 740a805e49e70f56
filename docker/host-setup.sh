#!/usr/bin/env bash
# Prepares a fresh Debian 12 host (root) for the sandbox: Debian packages, a running Docker
# engine, and a locally bootstrapped debian:bookworm-slim base image when none can be pulled.
# Safe to run repeatedly; does nothing that is already done. Used by .ci/run and `sandbox up`.
set -euo pipefail
log() { echo "[host-setup] $*" >&2; }
# gcc + libc6-dev: the static pause binary (fixtures/sandbox/pause-image.ts); binutils: strip;
# docker-registry: the real distribution registry the unit tests start on loopback.
# python3-yaml/-jinja2/-click: Harbor's own prepare (make/photon/prepare), which
# helpers/harbor-config/harbor-config.test.ts runs to prove the harbor.yml lint agrees with it.
# prometheus: promtool (deploy/prometheus rules) and a real Prometheus scraping `watch` in the
# unit tests (the service is not started; tests run the binary themselves).
need_pkgs=(docker.io debootstrap iproute2 iptables gcc libc6-dev binutils docker-registry python3-yaml python3-jinja2 python3-click prometheus)
missing=()
if command -v dpkg >/dev/null 2>&1; then
  for p in "${need_pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
else
  log "not a Debian host: install a Docker engine, gcc (static libc) and iproute2 yourself"
fi
if ((${#missing[@]})); then
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if ! docker info >/dev/null 2>&1; then
  log "starting dockerd"
  mkdir -p /var/log
  nohup dockerd >/var/log/hybrid-doctor-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { log "dockerd did not start; see /var/log/hybrid-doctor-dockerd.log"; tail -20 /var/log/hybrid-doctor-dockerd.log >&2; exit 1; }
fi
if ! docker image inspect debian:bookworm-slim >/dev/null 2>&1; then
  # Pull only when asked: on air-gapped hosts (the supported default) no registry is reachable,
  # and the sandbox sends no traffic outside the machine.
  if [[ ${HYBRID_DOCTOR_PULL_BASE:-0} != 1 ]] || ! docker pull -q debian:bookworm-slim >/dev/null 2>&1; then
    mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    mirror=${mirror:-http://deb.debian.org/debian}
    log "bootstrapping debian:bookworm-slim from $mirror (no registry reachable)"
    dir=$(mktemp -d)
    debootstrap --variant=minbase bookworm "$dir" "$mirror" >/dev/null
    # Keep apt inside image builds pointed at the same mirror.
    echo "deb $mirror bookworm main" > "$dir/etc/apt/sources.list"
    tar -C "$dir" -c . | docker import - debian:bookworm-slim >/dev/null
    rm -rf "$dir"
  fi
fi
log "ready: $(docker version --format 'engine {{.Server.Version}}')"
