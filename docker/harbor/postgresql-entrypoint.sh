#!/bin/sh
# First start: a cluster whose superuser `postgres` has POSTGRES_PASSWORD (default root123,
# Harbor's default), password auth from any address, and the empty `registry` database that
# Harbor's db image creates (initial-registry.sql). Then PostgreSQL in the foreground.
# POSTGRES_PASSWORD_FILE (a mounted file) is preferred: it keeps the password out of `docker inspect`.
set -eu
if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then POSTGRES_PASSWORD=$(cat "$POSTGRES_PASSWORD_FILE"); fi
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  pw=$(mktemp); printf '%s\n' "${POSTGRES_PASSWORD:-root123}" > "$pw"
  initdb -D "$PGDATA" -U postgres --pwfile="$pw" --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pw"
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  echo "CREATE DATABASE registry ENCODING 'UTF8';" | postgres --single -D "$PGDATA" postgres >/dev/null
  echo "postgresql-entrypoint: cluster initialised with database registry"
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' -c unix_socket_directories=/run/postgresql -c max_connections="${POSTGRES_MAX_CONNECTIONS:-200}"
