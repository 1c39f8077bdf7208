#!/usr/bin/env bash
# Prints Docker Hub's pull quota as Docker Hub counts it for this build: for the
# logged-in account when DOCKERHUB_TOKEN is set, else for the build's egress IP.
# A HEAD request on a manifest costs no pull. Credentials reach curl on stdin
# (a config read from -), never on a command line. Never fails the build.
set -uo pipefail

repository="ratelimitpreview/test"
auth_url="https://auth.docker.io/token?service=registry.docker.io&scope=repository:${repository}:pull"
manifest_url="https://registry-1.docker.io/v2/${repository}/manifests/latest"

curl_config() {   # escape for curl's config syntax: \ and "
  local value="${1//\\/\\\\}"
  printf '%s' "${value//\"/\\\"}"
}

if [ -n "${DOCKERHUB_TOKEN:-}" ] && [ "${DOCKERHUB_TOKEN}" != "UNSET" ]; then
  who="the Docker Hub account ${DOCKERHUB_USERNAME:-}"
  auth=$(printf 'user = "%s:%s"\n' "$(curl_config "${DOCKERHUB_USERNAME:-}")" "$(curl_config "$DOCKERHUB_TOKEN")" |
    curl --silent --show-error --fail --max-time 10 --config - "$auth_url")
else
  who="this build's egress IP (anonymous)"
  auth=$(curl --silent --show-error --fail --max-time 10 "$auth_url")
fi || { echo "WARNING: Docker Hub quota check skipped: auth.docker.io did not answer." >&2; exit 0; }

bearer=$(printf '%s' "$auth" | sed -n 's/.*"token" *: *"\([^"]*\)".*/\1/p')
headers=$(printf 'header = "Authorization: Bearer %s"\n' "$bearer" |
  curl --silent --show-error --fail --max-time 10 --head --config - "$manifest_url") ||
  { echo "WARNING: Docker Hub quota check skipped: registry-1.docker.io did not answer." >&2; exit 0; }

header() { printf '%s\n' "$headers" | tr -d '\r' | grep -i "^$1:" | head -n 1 | cut -d: -f2- | tr -d ' '; }
limit=$(header ratelimit-limit)
remaining=$(header ratelimit-remaining)
source_of=$(header docker-ratelimit-source)

if [ -z "$remaining" ]; then
  echo "Docker Hub quota for ${who}: no limit reported (paid plans are unlimited)."
else
  window="${remaining#*w=}"
  echo "Docker Hub quota for ${who}: ${remaining%%;*} of ${limit%%;*} pulls left in a ${window:-21600} s window (counted for ${source_of:-unknown})."
fi
