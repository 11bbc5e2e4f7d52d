#!/usr/bin/env bash
# A bare Debian bookworm base image with python3 and its venv module, made from this machine's own apt mirror, for
# building the Dockerfile where no registry serves Docker base images (`make docker-check` calls it; needs root).
#
#     tools/docker/make_base.sh [TAG]        # default shot-model-base:bookworm
#
# The Dockerfile takes it with --build-arg BASE_IMAGE=TAG in place of python:3.11-slim-bookworm.
set -euo pipefail

TAG="${1:-shot-model-base:bookworm}"
SUITE=bookworm

# The first Debian archive apt is set up with here (deb822 .sources or one-line .list), else Debian's own.
mirror() {
    local uri
    uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null |
        sed -n -E 's/^(URIs:|deb)[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+\/debian)\/?([[:space:]].*)?$/\3/p' | head -n 1) || true
    echo "${uri:-http://deb.debian.org/debian}"
}

command -v debootstrap >/dev/null || { echo "make_base.sh: debootstrap is missing (apt-get install debootstrap)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "make_base.sh: debootstrap needs root" >&2; exit 1; }

MIRROR=$(mirror)
ROOT=$(mktemp -d /var/tmp/shot-model-base.XXXXXX)
trap 'rm -rf "$ROOT"' EXIT

echo "make_base.sh: debootstrap $SUITE from $MIRROR into $ROOT"
nice -n 19 debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates "$SUITE" "$ROOT" "$MIRROR" >"$ROOT.log" 2>&1 ||
    { tail -n 20 "$ROOT.log" >&2; rm -f "$ROOT.log"; exit 1; }
rm -f "$ROOT.log"
# What an image needs no copy of: downloaded packages and package lists (the Dockerfile runs apt-get update).
rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/* "$ROOT"/tmp/*

tar -C "$ROOT" -c . | docker import --change 'ENV LANG=C.UTF-8' --change 'CMD ["/bin/bash"]' - "$TAG" >/dev/null
echo "make_base.sh: $TAG ($(docker image inspect --format '{{.Size}}' "$TAG" | awk '{printf "%.0f MB", $1 / 1e6}'))"
