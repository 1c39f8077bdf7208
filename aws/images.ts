/** Image references, as Docker and ECR name them: no cdktf. */

/**
 * The repository path an image reference lands in, without registry host
 * and tag: `library/node:20` and `docker.io`-less references keep their
 * path; `ghcr.io/org/tool:1.2` becomes `org/tool` (as mirror-sync.sh does).
 */
export function repositoryPathOf(image: string): string {
  const withoutTag = image.slice(0, image.lastIndexOf(":"));
  const [first, ...rest] = withoutTag.split("/");
  return rest.length > 0 && (first.includes(".") || first.includes(":")) ? rest.join("/") : withoutTag;
}
