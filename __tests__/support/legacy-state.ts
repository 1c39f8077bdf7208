/**
 * What an environment deployed by an earlier version of this stack holds in
 * its state, for plans against it: the Docker Hub parameters, once Terraform
 * resources (the token's value was never recorded: write-only).
 */
import { Environment } from "../../config";
import { LEGACY } from "../../stacks";
import { ExistingResource } from "./recorded-state";

export function legacyTokenParameters(environment: Environment): ExistingResource[] {
  const [legacyUsername, legacyToken] = LEGACY.dockerHubParameters;
  const parameter = (name: string, address: { type: string; name: string }): ExistingResource => ({
    type: address.type,
    name: address.name,
    attributes: {
      id: name,
      name,
      arn: `arn:aws:ssm:${environment.region}:${environment.accountId}:parameter${name}`,
      type: "SecureString",
      key_id: "alias/aws/ssm",
      tier: "Standard",
      data_type: "text",
      allowed_pattern: "",
      description: "",
      has_value_wo: address === legacyToken,
      value: null,
      value_wo: null,
      value_wo_version: address === legacyToken ? 1 : null,
      insecure_value: null,
      overwrite: null,
      version: 4,
      tags: null,
      tags_all: environment.tags,
    },
    sensitive: ["value", "value_wo"],
  });
  const prefix = environment.dockerHub.parameterPrefix;
  return [parameter(`${prefix}/username`, legacyUsername), parameter(`${prefix}/token`, legacyToken)];
}
