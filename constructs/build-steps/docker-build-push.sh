#!/usr/bin/env bash
# Builds the Dockerfile in the source directory and, when IMAGE_REPOSITORY_URI is
# set, pushes it there. Tag: $IMAGE_TAG, else <commit, 12 chars>-<build number>,
# unique per build so it works with immutable tags.
set -euo pipefail

revision="${CODEBUILD_RESOLVED_SOURCE_VERSION:-local}"
default_tag="$(printf '%s' "${revision:0:12}" | tr -c 'A-Za-z0-9_.-' '-')-${CODEBUILD_BUILD_NUMBER:-0}"
tag="${IMAGE_TAG:-$default_tag}"
image="${IMAGE_REPOSITORY_URI:-local/build}:${tag}"

build_args=()
if [ -n "${REGISTRY_MIRROR:-}" ]; then
  build_args+=(--build-arg "REGISTRY=${REGISTRY_MIRROR}")
fi

docker build "${build_args[@]}" --tag "$image" "${DOCKER_BUILD_CONTEXT:-.}"
if [ -n "${IMAGE_REPOSITORY_URI:-}" ]; then
  docker push "$image"
  echo "Pushed ${image}"
fi
