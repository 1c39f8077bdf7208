#!/usr/bin/env bash
# A stand-in for docker (buildx imagetools included), aws or curl: installed under each command's name
# (__tests__/support/stand-ins.ts), it records the call and answers like the real command would.
# Each call gets a numbered folder under STAND_IN_LOG: `args` (the command's name and arguments,
# NUL-separated) and, where the real command reads stdin, `stdin` (what it read, byte for byte).
set +e +u +o pipefail
command=${0##*/}
[[ -d $STAND_IN_LOG ]] || { printf '%s stand-in: STAND_IN_LOG is not a folder: %s\n' "$command" "$STAND_IN_LOG" >&2; exit 90; }
has() { local arg; for arg in "${@:2}"; do [[ $arg == "$1" ]] && return 0; done; return 1; }
# What follows the first $1 in the arguments (empty when nothing does).
after() { local i; for ((i = 2; i < $#; i++)); do [[ ${!i} == "$1" ]] && { local next=$((i + 1)); printf '%s' "${!next}"; return; }; done; }
digest() {
  local sum
  if command -v sha256sum >/dev/null; then sum=$(printf '%s' "$1" | sha256sum); else sum=$(printf '%s' "$1" | shasum -a 256); fi
  printf 'sha256:%s' "${sum%% *}"
}

reads_stdin=false
case $command in
  docker) has --password-stdin "$@" && reads_stdin=true ;;
  aws) has file:///dev/stdin "$@" && reads_stdin=true ;;
  curl) [[ $(after --config "$@") == - ]] && reads_stdin=true ;;
esac
# Read stdin before taking a number, as the real commands read it before they act: in
# `aws ecr get-login-password | docker login --password-stdin`, docker is recorded after aws.
if $reads_stdin; then stdin=${STAND_IN_LOG%/*}/stdin.$$; cat > "$stdin"; fi

shopt -s nullglob
made=("$STAND_IN_LOG"/*)
n=${#made[@]}
printf -v record '%s/%06d' "$STAND_IN_LOG" "$n"
until mkdir "$record" 2>/dev/null; do
  [[ -e $record ]] || { printf '%s stand-in: cannot record the call in %s\n' "$command" "$STAND_IN_LOG" >&2; rm -f "$stdin"; exit 90; }
  n=$((n + 1))
  printf -v record '%s/%06d' "$STAND_IN_LOG" "$n"
done
printf '%s\0' "$command" "$@" > "$record/args"
if $reads_stdin; then mv "$stdin" "$record/stdin"; fi

# STAND_IN_FAIL: a comma-separated list of commands ("docker") or commands and subcommands ("docker push") to fail;
# STAND_IN_FAIL_MATCH: fail any call with an argument that contains it.
simulated_failure() { printf '%s: simulated failure\n' "$command" >&2; exit 7; }
IFS=, read -ra fail <<< "$STAND_IN_FAIL"
for entry in "${fail[@]}"; do [[ $entry == "$command" || ($# -gt 0 && $entry == "$command $1") ]] && simulated_failure; done
if [[ -n $STAND_IN_FAIL_MATCH ]]; then for arg in "$@"; do [[ $arg == *"$STAND_IN_FAIL_MATCH"* ]] && simulated_failure; done; fi

if [[ $command == aws && $1 == ssm && $2 == put-parameter && -n $STAND_IN_PARAMETER_EXISTS ]] && ! has --overwrite "$@"; then
  echo "An error occurred (ParameterAlreadyExists) when calling the PutParameter operation: The parameter already exists." >&2
  exit 254
fi
case "$command $1 $2" in
  "aws sts get-caller-identity") printf '%s\n' "${STAND_IN_ACCOUNT:-123456789012}" ;;
  "aws sts assume-role") echo "ASIAASSUMED SECRETASSUMED TOKENASSUMED" ;;
  "aws secretsmanager list-secret-version-ids") printf '%s\n' "${STAND_IN_SECRET_VERSIONS:-0}" ;;
  # The key a stored SecureString parameter is encrypted with, as DescribeParameters reports it (never its value).
  "aws ssm describe-parameters") printf '%s\n' "${STAND_IN_PARAMETER_KEY:-alias/aws/ssm}" ;;
  "aws ecr get-registry-scanning-configuration") printf '%s\n' "${STAND_IN_SCAN_TYPE:-BASIC}" ;;
  "aws ecr get-registry-policy")
    if [[ -z $STAND_IN_REGISTRY_POLICY || $STAND_IN_REGISTRY_POLICY == none ]]; then
      echo "An error occurred (RegistryPolicyNotFoundException) when calling the GetRegistryPolicy operation" >&2
      exit 254
    fi
    printf '%s\n' "$STAND_IN_REGISTRY_POLICY" ;;
  "aws ecr get-login-password") echo "ecr-password-from-aws" ;;
esac
[[ $command == docker && $1 == login ]] && echo "Login Succeeded"
if [[ $command == curl ]]; then
  for arg in "$@"; do [[ $arg == https://auth.docker.io/* ]] && { printf '%s' '{"token":"registry.jwt.value","expires_in":300}'; break; }; done
  has --head "$@" && printf '%s' "${STAND_IN_HEADERS-$'HTTP/1.1 200 OK\r\nratelimit-limit: 100;w=21600\r\nratelimit-remaining: 76;w=21600\r\ndocker-ratelimit-source: 203.0.113.7\r\n\r\n'}"
fi

# Images, as buildx imagetools sees them: an upstream reference has a stable digest; a copy has its source's digest
# when it is a carbon copy (an index, or --prefer-index=false), else a new index's (single-platform sources wrapped).
# STAND_IN_SINGLE_PLATFORM lists (whitespace-separated) the upstream references that are single-platform manifests.
# A copy's digest is kept in a file named after its reference, % and / escaped.
images=${STAND_IN_LOG%/*}/images
copy_file() { local name=${1//%/%25}; printf '%s/%s' "$images" "${name//\//%2F}"; }
if [[ $command == docker && $1 == buildx && $2 == imagetools && $3 == create ]]; then
  destination=$(after --tag "$@")
  source=${!#}
  IFS=$' \t\r\n' read -rd '' -a single_platform <<< "$STAND_IN_SINGLE_PLATFORM"
  wraps=false
  if ! has --prefer-index=false "$@" || [[ $STAND_IN_ALWAYS_WRAP == 1 ]]; then has "$source" "${single_platform[@]}" && wraps=true; fi
  mkdir -p "$images"
  if $wraps; then digest "index wrapping $source" > "$(copy_file "$destination")"; else digest "$source" > "$(copy_file "$destination")"; fi
fi
if [[ $command == docker && $1 == buildx && $2 == imagetools && $3 == inspect ]]; then
  # As {{json .Manifest.Digest}} prints it.
  copy=$(copy_file "$4")
  if [[ -f $copy ]]; then printf '"%s"\n' "$(< "$copy")"; else printf '"%s"\n' "$(digest "$4")"; fi
fi
exit 0
