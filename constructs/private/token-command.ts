/**
 * The shell that stores the Docker Hub token where a stack keeps it (SSM
 * SecureString parameters, the mirror's Secrets Manager secret), in one of two modes:
 *
 * - `initial`: run by Terraform, once, when the store is created (a
 *   `local-exec` provisioner). The token comes from the ephemeral variable
 *   `dockerhub_token`, or a placeholder when none was given; it is stored only
 *   where no token is stored yet, so a redeploy, or a strategy switched back
 *   on, never overwrites a token someone stored since.
 * - `rotate`: the command a stack outputs. The token comes from stdin (a
 *   silent prompt on a terminal, or a pipe, with or without a trailing
 *   newline) and replaces the stored one.
 *
 * Either way the token reaches the AWS CLI on stdin only: never on a command
 * line, never echoed; and the script first checks that the credentials are
 * for the stack's account (assuming the deploy role when the stack has one).
 *
 * Terraform never holds the value: the provider (5.x) would read it back on
 * every refresh, and a pull request's plan would need permission to read it.
 */
import { terraformLiteral } from "./terraform-literal";

/** How the store is written: at creation by Terraform, or by the rotation command. */
export type TokenStoreMode = "initial" | "rotate";

/** Where the store commands run. */
export interface TokenStoreTarget {
  /** The account the stores are in: the script refuses credentials for any other. */
  readonly accountId: string;
  readonly region: string;
  /** What to call the stores in messages, e.g. `dev (SSM and Secrets Manager)`. */
  readonly label: string;
  /** A role to assume first, as the provider does (`assume_role`). @default - the caller's credentials */
  readonly assumeRoleArn?: string;
}

/** What a store holds until a real token is stored; builds fail fast on it. */
export const TOKEN_PLACEHOLDER = "UNSET";
/** The shape of a Docker Hub access token (and of the placeholder). */
export const TOKEN_PATTERN = "^[A-Za-z0-9_.-]+$";
/** The label (SSM) and staging label (Secrets Manager) that mark a stored placeholder. */
export const PLACEHOLDER_LABEL = "placeholder";

/**
 * The script for `mode`: credentials, the token, then each writer (shell
 * that stores `$TOKEN`; `$PLACEHOLDER` is `true` when it is the placeholder).
 * Lines of plain shell, no single quotes (the command wraps it in them).
 */
export function tokenStoreScript(mode: TokenStoreMode, writers: readonly string[], target: TokenStoreTarget): string {
  const lines = credentialsPreamble(target);
  if (mode === "rotate") {
    lines.push(
      `if [ -t 0 ]; then read -rsp "Docker Hub access token for ${target.label}: " TOKEN; echo >&2; else IFS= read -r TOKEN || true; fi`,
      `TOKEN="\${TOKEN//[[:space:]]/}"`,
      `if [ -z "$TOKEN" ]; then echo "No token given: nothing stored." >&2; exit 1; fi`,
      `if [[ ! "$TOKEN" =~ ${TOKEN_PATTERN} ]]; then echo "That does not look like a Docker Hub access token: nothing stored." >&2; exit 1; fi`,
      "PLACEHOLDER=false",
    );
  } else {
    lines.push(
      `TOKEN="\${DOCKERHUB_TOKEN:-}"`,
      `TOKEN="\${TOKEN//[[:space:]]/}"`,
      "PLACEHOLDER=false",
      `if [ -z "$TOKEN" ]; then TOKEN=${TOKEN_PLACEHOLDER}; PLACEHOLDER=true; fi`,
      `if [[ ! "$TOKEN" =~ ${TOKEN_PATTERN} ]]; then echo "TF_VAR_dockerhub_token does not look like a Docker Hub access token: nothing stored." >&2; exit 1; fi`,
    );
  }
  lines.push(...writers);
  return lines.join("\n");
}

/**
 * The first lines of every script that changes something in the account:
 * assume the deploy role when there is one (as the provider does), then
 * refuse credentials for any account but the target's.
 */
export function credentialsPreamble(target: TokenStoreTarget, outcome = "nothing stored"): string[] {
  const lines = ["set -euo pipefail"];
  if (target.assumeRoleArn) {
    lines.push(
      `credentials=$(aws sts assume-role --region ${target.region} --role-arn ${target.assumeRoleArn} --role-session-name dockerhub-pull-escape ` +
        `--query "Credentials.[AccessKeyId,SecretAccessKey,SessionToken]" --output text)`,
      `read -r AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN <<< "$credentials"`,
      "export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN",
    );
  }
  lines.push(
    `account=$(aws sts get-caller-identity --region ${target.region} --query Account --output text)`,
    `if [ "$account" != "${target.accountId}" ]; then echo "These AWS credentials are for account $account, not ${target.accountId}, where ${target.label} is: ${outcome}." >&2; exit 1; fi`,
  );
  return lines;
}

/**
 * The provisioner of a store record: at its creation, the `initial` script
 * stores the token Terraform hands it in DOCKERHUB_TOKEN (from an ephemeral
 * variable, so never in a plan or the state), or the placeholder.
 */
export function initialStoreProvisioner(writer: string, target: TokenStoreTarget, initialToken: string | undefined) {
  return {
    type: "local-exec" as const,
    interpreter: ["bash", "-c"],
    command: terraformLiteral(tokenStoreScript("initial", [writer], target)),
    environment: { DOCKERHUB_TOKEN: initialToken ?? "" },
  };
}

/** The rotation command: the `rotate` script as one `bash -c` command to paste, or to pipe a token into. */
export function dockerHubTokenCommand(writers: readonly string[], target: TokenStoreTarget): string {
  return `bash -c '${tokenStoreScript("rotate", writers, target)}'`;
}
