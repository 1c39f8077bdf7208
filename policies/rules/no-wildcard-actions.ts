import { PolicyRule, parsePolicyDocument, statementsOf } from "../rule";

/** Attributes that hold IAM-style policy documents. */
const POLICY_ATTRIBUTES: Record<string, string[]> = {
  aws_iam_role_policy: ["policy"],
  aws_iam_policy: ["policy"],
  aws_iam_role: ["assume_role_policy"],
  aws_ecr_repository_policy: ["policy"],
  aws_ecr_registry_policy: ["policy"],
  aws_ecr_repository_creation_template: ["repository_policy"],
};

/** An allowed wildcard action grants whatever the service adds tomorrow; name each action. */
export const noWildcardActions: PolicyRule = {
  id: "DP-IAM1",
  level: "error",
  info: "No IAM statement allows a wildcard action (\"*\" or \"service:*\" or a prefix*).",
  explanation:
    "A wildcard action grants every present and future action that matches. The constructs grant exact actions through " +
    "intent-named methods (grantRead, grantPush, grantPull); add statements the same way.",
  check(stack) {
    return Object.entries(POLICY_ATTRIBUTES).flatMap(([type, attributes]) =>
      stack.ofType(type).flatMap((resource) =>
        attributes.flatMap((attribute) =>
          statementsOf(parsePolicyDocument(resource.config[attribute]))
            .filter((statement) => statement.Effect !== "Deny")
            .flatMap((statement) => [statement.Action ?? []].flat().filter((action) => action.includes("*")).map((action) => ({ statement, action })))
            .map(({ statement, action }) => ({ resource, message: `statement ${statement.Sid ?? "(no Sid)"} in ${attribute} allows ${action}` })),
        ),
      ),
    );
  },
};
