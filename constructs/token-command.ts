/**
 * The one command that stores or rotates the Docker Hub token everywhere a
 * stack keeps it. It reads the token once from stdin (a silent prompt on a
 * terminal, or a pipe), refuses an empty or oddly shaped one, and hands it to
 * each writer on stdin: never on a command line, never echoed.
 *
 * A writer is a shell fragment that reads `$TOKEN` (the shell's own variable;
 * `printf` is a builtin, so no process sees it in its arguments).
 */
export function dockerHubTokenCommand(writers: readonly string[], label: string): string {
  const script = [
    `read -rsp "Docker Hub access token for ${label}: " TOKEN; echo >&2`,
    `[ -n "$TOKEN" ] || { echo "No token given; nothing stored." >&2; exit 1; }`,
    `[[ "$TOKEN" =~ ^[A-Za-z0-9_.-]+$ ]] || { echo "That does not look like a Docker Hub access token; nothing stored." >&2; exit 1; }`,
    ...writers,
  ].join("; ");
  return `bash -c 'set -eo pipefail; ${script}'`;
}
