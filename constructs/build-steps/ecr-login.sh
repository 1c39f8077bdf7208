#!/usr/bin/env bash
# Logs docker in to the ECR registries the build uses: its own (ECR_REGISTRY, to push)
# and the mirror's (MIRROR_REGISTRY, to pull), which may be another account's.
# The short-lived ECR password goes from aws to docker through a pipe, never on a command line.
set -euo pipefail

: "${AWS_REGION:?AWS_REGION is not set}"
registries=$(printf '%s\n' "${ECR_REGISTRY:-}" "${MIRROR_REGISTRY:-}" | awk 'NF && !seen[$0]++')
[ -n "$registries" ] || { echo "ERROR: neither ECR_REGISTRY nor MIRROR_REGISTRY is set" >&2; exit 1; }

for registry in $registries; do
  region=$(printf '%s' "$registry" | cut -d. -f4)   # <account>.dkr.ecr.<region>.amazonaws.com
  aws ecr get-login-password --region "${region:-$AWS_REGION}" |
    docker login --username AWS --password-stdin "$registry"
done
