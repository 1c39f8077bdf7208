#!/usr/bin/env bash
# Copies each pinned image by tag, from its upstream registry into the ECR mirror, as it
# is upstream: a multi-arch index stays that index, a single-platform image stays that
# manifest (--prefer-index=false: imagetools would otherwise wrap it in a new index, with a
# digest of its own). It records the digest, and checks that it is the upstream one.
#
#   MIRROR_IMAGES     newline- or space-separated references: library/node:20 (Docker Hub),
#                     public.ecr.aws/docker/library/python:3.12-slim, ghcr.io/org/tool:1.2
#   MIRROR_TARGET     <account>.dkr.ecr.<region>.amazonaws.com/<prefix>
#   DOCKERHUB_USERNAME, DOCKERHUB_TOKEN   from the mirror's Secrets Manager secret: Docker Hub
#                     pulls stay inside the account's limit (the token goes to docker on stdin only)
#
# The ECR login before it and the logout after it are the buildspec's ecr-login and docker-logout steps.
# Every image is attempted; the job fails at the end if any copy failed (the alarm watches that).
set -uo pipefail

: "${MIRROR_TARGET:?MIRROR_TARGET is not set}"
report="${MIRROR_REPORT:-mirror-sync-report.tsv}"
printf 'image\tsource\tdestination\tdigest\tresult\n' >"$report"

if [ -n "${DOCKERHUB_TOKEN:-}" ] && [ "$DOCKERHUB_TOKEN" != "UNSET" ]; then
  printf '%s' "$DOCKERHUB_TOKEN" | docker login --username "${DOCKERHUB_USERNAME:?DOCKERHUB_USERNAME is not set}" --password-stdin ||
    { echo "ERROR: Docker Hub login failed." >&2; exit 1; }
else
  echo "WARNING: no Docker Hub token in the mirror's secret: copying anonymously (100 pulls / 6 h per IP)." >&2
fi

failed=0
copied=0
for image in ${MIRROR_IMAGES:-}; do
  first="${image%%/*}"
  if [[ "$image" == */* && ( "$first" == *.* || "$first" == *:* ) ]]; then
    source="$image"                      # a registry host is given
    path="${image#*/}"
  else
    source="docker.io/$image"            # Docker Hub
    path="$image"
  fi
  destination="${MIRROR_TARGET}/${path}"
  if upstream=$(docker buildx imagetools inspect "$source" --format '{{json .Manifest.Digest}}' | tr -d '"') &&
    docker buildx imagetools create --prefer-index=false --tag "$destination" "$source"; then
    digest=$(docker buildx imagetools inspect "$destination" --format '{{json .Manifest.Digest}}' | tr -d '"')
    if [ "$digest" != "$upstream" ]; then
      printf '%s\t%s\t%s\t%s\tDIGEST MISMATCH\n' "$image" "$source" "$destination" "$digest" >>"$report"
      echo "ERROR: ${destination} is ${digest}, upstream ${source} is ${upstream}" >&2
      failed=$((failed + 1))
      continue
    fi
    printf '%s\t%s\t%s\t%s\tcopied\n' "$image" "$source" "$destination" "$digest" >>"$report"
    echo "copied ${source} -> ${destination} (${digest})"
    copied=$((copied + 1))
  else
    printf '%s\t%s\t%s\t\tFAILED\n' "$image" "$source" "$destination" >>"$report"
    echo "ERROR: could not copy ${source} to ${destination}" >&2
    failed=$((failed + 1))
  fi
done

echo "mirror sync: ${copied} copied, ${failed} failed (report: ${report})"
[ "$failed" -eq 0 ]
