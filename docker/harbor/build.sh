#!/usr/bin/env bash
# Builds the real Harbor server components (core, jobservice, registryctl, exporter) from
# Harbor's sources at the versions pinned in versions.env, into $OUT (default
# ~/.cache/hybrid-doctor/harbor-<HARBOR_VERSION>): bin/ (static binaries), migrations/postgresql
# (core runs them itself at start), views/ (core's mail and 404 templates), templates/ (Harbor's
# prepare templates: the configuration reference), VERSION. Idempotent: a matching stamp means
# nothing is rebuilt.
# Sources: the archive in <repo>/../shared/harbor, or HYBRID_DOCTOR_HARBOR_SRC = a Harbor v2.13
# source archive (.tar.gz, one top folder) or checkout folder. Everything is extracted into the
# cache: Harbor's sources are never copied into this repository.
# Why not `go install`: the Go module proxy here refuses github.com/goharbor/harbor/src and
# go.pinniped.dev (403); every other dependency of src/go.mod is served.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck disable=SC1091
source "$here/versions.env"
shared="$repo/../shared/harbor"
src_in=${HYBRID_DOCTOR_HARBOR_SRC:-$shared/$HARBOR_ARCHIVE}
pinniped_in=${HYBRID_DOCTOR_PINNIPED_SRC:-$shared/$PINNIPED_ARCHIVE}
[[ -e $src_in ]] || { echo "Harbor sources not found: $src_in (set HYBRID_DOCTOR_HARBOR_SRC)" >&2; exit 1; }
[[ -e $pinniped_in ]] || { echo "pinniped sources not found: $pinniped_in (set HYBRID_DOCTOR_PINNIPED_SRC)" >&2; exit 1; }
src_in=$(realpath "$src_in"); pinniped_in=$(realpath "$pinniped_in")
cache=${HYBRID_DOCTOR_CACHE:-$HOME/.cache/hybrid-doctor}
if [[ -z ${HYBRID_DOCTOR_HARBOR_SRC:-} ]]; then
  OUT=${OUT:-$cache/harbor-$HARBOR_VERSION}
else
  # a user's tree gets its own folder so the pinned build stays cached beside it
  OUT=${OUT:-$cache/harbor-src-$(printf %s "$src_in" | sha256sum | cut -c1-12)}
fi

# What identifies the sources: the archive's hash, or a checkout's file listing (name, size, mtime)
source_id() {
  if [[ -d $1 ]]; then
    (cd "$1" && find VERSION api/v2.0 src make/migrations make/photon/prepare/templates tools/swagger \
      -path src/portal -prune -o -type f -printf '%P %s %T@\n' 2>/dev/null | LC_ALL=C sort | sha256sum | cut -c1-16)
  else sha256sum "$1" | cut -c1-16; fi
}
stamp="$OUT/.stamp"
# one build at a time per output folder (parallel test workers or sessions may call this at once)
mkdir -p "$OUT"; exec 9>"$OUT/.lock"; flock 9
want="harbor-build-3 $HARBOR_VERSION $HARBOR_COMMIT src:$(source_id "$src_in") pinniped:$PINNIPED_VERSION:$(source_id "$pinniped_in") $PINNIPED_OAUTH2_VERSION go-swagger:$GO_SWAGGER_VERSION x/tools:$GO_SWAGGER_X_TOOLS_VERSION $(go env GOVERSION)"
if [[ -f $stamp && "$(cat "$stamp")" == "$want" ]]; then echo "harbor binaries cached in $OUT/bin"; exit 0; fi

export GOFLAGS="-trimpath -buildvcs=false" CGO_ENABLED=0 GOTOOLCHAIN=local
t_all=$(date +%s)
step() { # name command... ; runs a step and prints how long it took
  local name=$1 t0; shift; t0=$(date +%s)
  echo "[harbor-build] $name ..."
  "$@"
  echo "[harbor-build] $name: $(( $(date +%s) - t0 )) s"
}
mkdir -p "$OUT/src" "$OUT/tools" "$OUT/bin"
rm -f "$stamp"
H="$OUT/src/harbor" P="$OUT/src/pinniped"

extract() {
  rm -rf "$H" "$P"; mkdir -p "$H" "$P"
  if [[ -d $src_in ]]; then # a checkout: only what the server build needs (never src/portal)
    tar -C "$src_in" -c --exclude=src/portal --exclude=.git VERSION api/v2.0 src make/migrations make/photon/prepare/templates tools/swagger | tar -C "$H" -x
  else
    tar -C "$H" -xzf "$src_in" --strip-components=1 --exclude='*/src/portal'
  fi
  if [[ -d $pinniped_in ]]; then cp -a "$pinniped_in/." "$P/"; else tar -C "$P" -xzf "$pinniped_in" --strip-components=1; fi
  # the archive holds only pkg/oidcclient/pkce (all Harbor imports) and no go.mod
  [[ -f $P/go.mod ]] || printf 'module go.pinniped.dev\n\ngo 1.24\n\nrequire golang.org/x/oauth2 %s\n' "$PINNIPED_OAUTH2_VERSION" > "$P/go.mod"
  (cd "$H/src" && go mod edit -replace "go.pinniped.dev=$P")
}
step "extract sources" extract
tree_version=$(tr -d '[:space:]' < "$H/VERSION")
[[ $tree_version == "${HARBOR_VERSION%.*}".* ]] || { echo "expected a Harbor ${HARBOR_VERSION%.*} source tree, found VERSION $tree_version" >&2; exit 1; }
if [[ -z ${HYBRID_DOCTOR_HARBOR_SRC:-} ]]; then commit=$HARBOR_COMMIT
else commit=$(git -C "$src_in" rev-parse --short=8 HEAD 2>/dev/null || echo unknown); fi

# go-swagger from the Go module proxy, through a throwaway consuming module (as k8s/build.sh does)
swagger="$OUT/tools/swagger-$GO_SWAGGER_VERSION"
build_swagger() {
  local mod="$OUT/src/go-swagger"; rm -rf "$mod"; mkdir -p "$mod"; cd "$mod"
  go mod init hybrid-doctor.local/go-swagger >/dev/null 2>&1
  go get "github.com/go-swagger/go-swagger/cmd/swagger@$GO_SWAGGER_VERSION" "golang.org/x/tools@$GO_SWAGGER_X_TOOLS_VERSION" >get.log 2>&1 \
    || { echo "go get go-swagger failed:" >&2; tail -20 get.log >&2; exit 1; }
  go build -ldflags "-s -w" -o "$swagger.tmp" github.com/go-swagger/go-swagger/cmd/swagger
  mv "$swagger.tmp" "$swagger"
}
[[ -x $swagger ]] || step "build go-swagger $GO_SWAGGER_VERSION" build_swagger

# The REST server code Harbor's Makefile generates (gen_apis); same flags
generate() {
  cd "$H"
  rm -rf src/server/v2.0/models src/server/v2.0/restapi
  "$swagger" generate server --template-dir=tools/swagger/templates --exclude-main \
    --additional-initialism=CVE --additional-initialism=GC --additional-initialism=OIDC \
    -f api/v2.0/swagger.yaml -A harbor --target src/server/v2.0 >"$OUT/src/swagger-generate.log" 2>&1 \
    || { echo "swagger generate failed:" >&2; tail -20 "$OUT/src/swagger-generate.log" >&2; exit 1; }
}
step "swagger generate server" generate

ldflags="-s -w -X github.com/goharbor/harbor/src/pkg/version.ReleaseVersion=$tree_version -X github.com/goharbor/harbor/src/pkg/version.GitCommit=$commit"
build_one() { # binary package ; built to a temp name and renamed
  cd "$H/src"
  go build -ldflags "$ldflags" -o "$OUT/bin/$1.tmp" "$2"
  mv "$OUT/bin/$1.tmp" "$OUT/bin/$1"
}
step "go build core" build_one core ./core
step "go build jobservice" build_one jobservice ./jobservice
step "go build registryctl" build_one registryctl ./registryctl
step "go build exporter" build_one exporter ./cmd/exporter

# What the binaries need or document at run time, beside them (the Docker build context is $OUT)
# (views: core's beego templates, read from ./views of its working directory, as /harbor/views)
rm -rf "$OUT/migrations" "$OUT/templates" "$OUT/views"
mkdir -p "$OUT/migrations"
cp -a "$H/make/migrations/postgresql" "$OUT/migrations/postgresql"
cp -a "$H/make/photon/prepare/templates" "$OUT/templates"
cp -a "$H/src/core/views" "$OUT/views"
# $OUT is the Docker build context of docker/harbor/Dockerfile: send only what the images copy
printf '%s\n' '*' '!bin/' '!migrations/' '!views/' 'bin/*.tmp' > "$OUT/.dockerignore"
printf '%s\n' "$tree_version" > "$OUT/VERSION"
printf '%s-%s\n' "$tree_version" "$commit" > "$OUT/bin/.version"

echo "$want" > "$stamp"
echo "[harbor-build] total: $(( $(date +%s) - t_all )) s"
ls -la "$OUT/bin"
echo "harbor binaries in $OUT/bin"
