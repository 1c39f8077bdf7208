import { looksLikeSecret } from "../secrets";
import { PolicyRule } from "../rule";

/** Names of variables that would hold a secret; names of where one lives (`*_PARAMETER`, `*_ARN`) are fine. */
const SECRET_NAME = /TOKEN|PASSWORD|PASSWD|SECRET|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL/i;
const REFERENCE_NAME = /_(PARAMETER|NAME|ARN|ID)$/i;

/**
 * No secret in a PLAINTEXT CodeBuild variable: plaintext values are in the
 * project's configuration, in Terraform state, and readable by anyone who can
 * describe the project. Secrets go in PARAMETER_STORE or SECRETS_MANAGER variables.
 */
export const noPlaintextSecrets: PolicyRule = {
  id: "DP-CB2",
  level: "error",
  info: "No CodeBuild PLAINTEXT variable whose name or value looks like a secret.",
  explanation:
    "PLAINTEXT variables are stored in the project, in Terraform state, and shown to anyone with codebuild:BatchGetProjects. " +
    "Use type PARAMETER_STORE (an SSM SecureString) or SECRETS_MANAGER.",
  check(stack) {
    return stack.ofType("aws_codebuild_project").flatMap((project) => {
      const environment = project.config.environment as { environment_variable?: { name: string; value: string; type?: string }[] } | undefined;
      return (environment?.environment_variable ?? [])
        .filter((variable) => (variable.type ?? "PLAINTEXT") === "PLAINTEXT")
        .filter(
          (variable) =>
            (SECRET_NAME.test(variable.name) && !REFERENCE_NAME.test(variable.name)) || looksLikeSecret(String(variable.value)) !== undefined,
        )
        .map((variable) => ({ resource: project, message: `PLAINTEXT variable ${variable.name} looks like a secret` }));
    });
  },
};
