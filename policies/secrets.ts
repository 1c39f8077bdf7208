/**
 * Environment files live in git and end up in synthesized JSON and Terraform
 * state, so anything that looks like a secret is refused before validation,
 * with a pointer to where secrets go instead.
 */

/** Key names that suggest a secret. No field of the schema matches these. */
const SECRET_KEY = /pass(word|wd)?$|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|credential/i;
/** ...unless the key names where a secret lives, not the secret: `credentialSecretName`, `alarmTopicArn`. */
const REFERENCE_KEY = /(Name|Arn|Id|Ids|Prefix)$/;

/** Value shapes of well-known credentials. */
const SECRET_VALUES: readonly { readonly pattern: RegExp; readonly what: string }[] = [
  { pattern: /\bdckr_(pat|oat)_[A-Za-z0-9_-]{8,}/, what: "a Docker Hub access token" },
  { pattern: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/, what: "an AWS access key id" },
  { pattern: /\bgh[pousr]_[A-Za-z0-9]{30,}/, what: "a GitHub token" },
  { pattern: /\bglpat-[A-Za-z0-9_-]{20,}/, what: "a GitLab token" },
  { pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/, what: "a private key" },
];

export const SECRETS_GO_ELSEWHERE =
  "secrets never go in environment files (they would be committed to git and copied into the synthesized JSON and the " +
  "Terraform state). Give the Docker Hub token to the first deploy as TF_VAR_dockerhub_token, or store it with the " +
  "stack's dockerhub_set_token_command output; see the README section \"Docker Hub credentials\"";

export interface SecretFinding {
  /** Path of the key or value, as a list of keys and indexes. */
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** What kind of well-known credential `value` looks like ("a Docker Hub access token"), or undefined. */
export function looksLikeSecret(value: string): string | undefined {
  return SECRET_VALUES.find((s) => s.pattern.test(value))?.what;
}

/** Walks parsed JSON and reports every key or string value that looks like a secret. */
export function findSecrets(value: unknown, path: readonly (string | number)[] = []): SecretFinding[] {
  if (typeof value === "string") {
    const what = looksLikeSecret(value);
    return what ? [{ path, message: `looks like ${what}: ${SECRETS_GO_ELSEWHERE}` }] : [];
  }
  if (Array.isArray(value)) return value.flatMap((item, index) => findSecrets(item, [...path, index]));
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([key, child]) =>
      SECRET_KEY.test(key) && !REFERENCE_KEY.test(key)
        ? [{ path: [...path, key], message: `"${key}" looks like a secret field: ${SECRETS_GO_ELSEWHERE}` }]
        : findSecrets(child, [...path, key]),
    );
  }
  return [];
}
