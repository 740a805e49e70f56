#!/bin/sh
# Writes the bcrypt htpasswd file for harbor_registry_user at start (as Harbor's prepare does),
# from REGISTRY_PASSWORD_FILE (preferred: keeps the secret out of `docker inspect`) or
# REGISTRY_PASSWORD, then runs the registry.
set -eu
user="${REGISTRY_USER:-harbor_registry_user}"
if [ -n "${REGISTRY_PASSWORD_FILE:-}" ]; then pw=$(cat "$REGISTRY_PASSWORD_FILE"); else pw="${REGISTRY_PASSWORD:-}"; fi
[ -n "$pw" ] || { echo "registry-entrypoint: no password (REGISTRY_PASSWORD_FILE or REGISTRY_PASSWORD)" >&2; exit 1; }
htpasswd -nbB "$user" "$pw" | sed '/^$/d' > /etc/docker/registry/passwd
chmod 0600 /etc/docker/registry/passwd
unset pw REGISTRY_PASSWORD
# A random per-start HTTP secret (upload state signing); one instance, so no sharing needed.
REGISTRY_HTTP_SECRET=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
export REGISTRY_HTTP_SECRET
exec /usr/bin/docker-registry serve /etc/docker/registry/config.yml
