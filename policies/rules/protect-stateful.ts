import { CheckedResource, PolicyRule } from "../rule";

/**
 * What users rely on survives config changes: Elastic IPs others have
 * allow-listed, mirrored images, stored credentials carry prevent_destroy,
 * and no ECR repository is force-deleted with its images.
 */
export const protectStateful: PolicyRule = {
  id: "DP-DATA1",
  level: "error",
  info: "Elastic IPs, image and mirror repositories and stored credentials carry prevent_destroy; no ECR repository is force-deleted unless its removal policy says so.",
  explanation:
    "An allow-listed address, mirrored images and a stored token are data, not details: losing one breaks other teams or builds. " +
    'Protection is lifted only on purpose, with removalPolicy "destroy" in the environment file.',
  check(stack) {
    const protectedResource = (resource: CheckedResource) =>
      (resource.config.lifecycle as { prevent_destroy?: boolean } | undefined)?.prevent_destroy === true;
    const mustProtect = stack.resources.filter(
      (resource) => (resource.type === "aws_eip" || resource.stateful) && !resource.stateful?.unprotectedBecause,
    );
    return [
      ...mustProtect
        .filter((resource) => !protectedResource(resource))
        .map((resource) => ({ resource, message: `holds ${resource.stateful?.holds ?? "an Elastic IP"} but has no prevent_destroy` })),
      ...stack
        .ofType("aws_ecr_repository")
        .filter((repository) => repository.config.force_delete === true && !repository.stateful?.unprotectedBecause)
        .map((resource) => ({ resource, message: "force_delete would delete the repository with its images" })),
    ];
  },
};
