#!/usr/bin/env bash
# Logs docker in to the account's ECR registry, to push the images the build makes.
# The short-lived ECR password goes from aws to docker through a pipe, never on a command line.
set -euo pipefail

aws ecr get-login-password --region "${AWS_REGION:?AWS_REGION is not set}" |
  docker login --username AWS --password-stdin "${ECR_REGISTRY:?ECR_REGISTRY is not set}"
