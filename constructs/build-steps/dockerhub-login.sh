#!/usr/bin/env bash
# Logs in to Docker Hub with the credentials CodeBuild maps in from SSM Parameter Store.
# The token reaches docker on stdin only: never on a command line, never in the log.
set -euo pipefail

unset_marker="UNSET"   # what the parameters hold until someone stores real values
if [ -z "${DOCKERHUB_USERNAME:-}" ] || [ "$DOCKERHUB_USERNAME" = "$unset_marker" ]; then
  echo "ERROR: the Docker Hub username is not set (SSM parameter ${DOCKERHUB_USERNAME_PARAMETER:-unknown})." >&2
  echo "       Set dockerHub.username in the environment file and deploy." >&2
  exit 1
fi
if [ -z "${DOCKERHUB_TOKEN:-}" ] || [ "$DOCKERHUB_TOKEN" = "$unset_marker" ]; then
  echo "ERROR: the Docker Hub access token is not set (SSM parameter ${DOCKERHUB_TOKEN_PARAMETER:-unknown})." >&2
  echo "       Store it with the stack's dockerhub_set_token_command output (README: Docker Hub credentials)." >&2
  exit 1
fi

printf '%s' "$DOCKERHUB_TOKEN" | docker login --username "$DOCKERHUB_USERNAME" --password-stdin
