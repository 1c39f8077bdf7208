import { PolicyRule, parsePolicyDocument, statementsOf } from "../rule";

/** Condition keys that pin a `*` principal to known accounts. */
const PINNING_KEYS = ["aws:PrincipalOrgID", "aws:PrincipalAccount", "aws:SourceAccount", "aws:PrincipalOrgPaths"];

/**
 * A mirror shared with `*` and no condition would let every AWS account pull
 * through the cache on the host's Docker Hub credentials, and import into it.
 */
export const ecrPolicyPrincipals: PolicyRule = {
  id: "DP-ECR1",
  level: "error",
  info: "ECR repository and registry policies never grant a * principal without an account or organization condition.",
  explanation:
    "Principal \"*\" without aws:PrincipalOrgID (or an account condition) opens the registry to every AWS account. " +
    "Share the mirror with mirror.sharing.accountIds or mirror.sharing.organizationId.",
  check(stack) {
    const documents = [
      ...stack.ofType("aws_ecr_repository_policy").map((r) => ({ resource: r, document: parsePolicyDocument(r.config.policy) })),
      ...stack.ofType("aws_ecr_registry_policy").map((r) => ({ resource: r, document: parsePolicyDocument(r.config.policy) })),
      ...stack.ofType("aws_ecr_repository_creation_template").map((r) => ({ resource: r, document: parsePolicyDocument(r.config.repository_policy) })),
    ];
    return documents.flatMap(({ resource, document }) =>
      statementsOf(document)
        .filter((statement) => statement.Effect !== "Deny")
        .filter((statement) => {
          const principal = statement.Principal as unknown;
          const everyone = principal === "*" || (typeof principal === "object" && principal !== null && [(principal as { AWS?: unknown }).AWS].flat().includes("*"));
          const pinned = Object.values(statement.Condition ?? {}).some((keys) => Object.keys(keys).some((key) => PINNING_KEYS.includes(key)));
          return everyone && !pinned;
        })
        .map((statement) => ({ resource, message: `statement ${statement.Sid ?? "(no Sid)"} grants * without an account or organization condition` })),
    );
  },
};
