import { PolicyRule } from "../rule";

/** Parameter names that hold credentials. */
const CREDENTIAL_NAME = /token|password|passwd|secret|credential|dockerhub|api[-_]?key/i;

/** A credential in a String parameter is readable by anyone with ssm:GetParameter, and unencrypted at rest. */
export const credentialsSecureString: PolicyRule = {
  id: "DP-SSM1",
  level: "error",
  info: "SSM parameters that hold credentials are SecureString.",
  explanation:
    "String and StringList parameters are stored unencrypted and returned to anyone who may read them; " +
    "SecureString parameters are encrypted with KMS and need kms:Decrypt as well.",
  check(stack) {
    return stack
      .ofType("aws_ssm_parameter")
      .filter((parameter) => CREDENTIAL_NAME.test(String(parameter.config.name)) && parameter.config.type !== "SecureString")
      .map((resource) => ({ resource, message: `${String(resource.config.name)} holds credentials but is ${String(resource.config.type)}` }));
  },
};
