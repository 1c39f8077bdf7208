#!/usr/bin/env bash
# Removes the registry credentials docker login stored in ~/.docker/config.json,
# so they do not outlive the build steps that needed them.
set -uo pipefail

docker logout >/dev/null 2>&1 || true
if [ -n "${ECR_REGISTRY:-}" ]; then
  docker logout "$ECR_REGISTRY" >/dev/null 2>&1 || true
fi
echo "Logged out of Docker Hub${ECR_REGISTRY:+ and ${ECR_REGISTRY}}."
