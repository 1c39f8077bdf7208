#!/usr/bin/env bash
# Removes the registry credentials docker login stored in ~/.docker/config.json,
# so they do not outlive the build steps that needed them.
set -uo pipefail

logged_out="Docker Hub"
docker logout >/dev/null 2>&1 || true
for registry in $(printf '%s\n' "${ECR_REGISTRY:-}" "${MIRROR_REGISTRY:-}" | awk 'NF && !seen[$0]++'); do
  docker logout "$registry" >/dev/null 2>&1 || true
  logged_out="${logged_out}, ${registry}"
done
echo "Logged out of ${logged_out}."
