import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { CloudBackend, LocalBackend, NamedCloudWorkspace, S3Backend, TerraformStack } from "cdktf";
import { Environment } from "../config/environment";

/**
 * The environment's AWS provider: its region, the account guard
 * (`allowed_account_ids`: credentials for another account fail before
 * anything is touched), the role to assume, and the default tags.
 */
export function configureProvider(stack: TerraformStack, environment: Environment): AwsProvider {
  return new AwsProvider(stack, "aws", {
    region: environment.region,
    allowedAccountIds: [environment.accountId],
    assumeRole: environment.deploy.assumeRoleArn
      ? [{ roleArn: environment.deploy.assumeRoleArn, sessionName: `cdktf-${environment.name}` }]
      : undefined,
    defaultTags: [{ tags: { ...environment.tags } }],
  });
}

/**
 * The Terraform version every stack needs: ephemeral variables (the Docker Hub
 * token) came in 1.10, `removed` blocks with `lifecycle` and import blocks
 * with `for_each` in 1.7, and 1.11 is what the project is tested with.
 * An older CLI stops at init with this range in its message.
 */
export const REQUIRED_TERRAFORM_VERSION = ">= 1.11.0";

/** Pins the Terraform version range (`terraform { required_version }`). */
export function requireTerraformVersion(stack: TerraformStack): void {
  stack.addOverride("terraform.required_version", REQUIRED_TERRAFORM_VERSION);
}

/**
 * The environment's state backend. S3 state is encrypted and locked with
 * S3-native lock files; cdktf 0.21's S3Backend has no `use_lockfile`, so it
 * goes in through the documented escape hatch (addOverride).
 */
export function configureBackend(stack: TerraformStack, state: Environment["state"]): void {
  switch (state.backend) {
    case "local":
      new LocalBackend(stack, { path: state.path });
      return;
    case "s3":
      new S3Backend(stack, {
        bucket: state.bucket,
        key: state.key,
        region: state.region,
        encrypt: true,
        kmsKeyId: state.kmsKeyId,
        assumeRole: state.roleArn ? { roleArn: state.roleArn } : undefined,
      });
      stack.addOverride("terraform.backend.s3.use_lockfile", true);
      return;
    case "cloud":
      new CloudBackend(stack, {
        organization: state.organization,
        workspaces: new NamedCloudWorkspace(state.workspace),
        hostname: state.hostname,
      });
      return;
  }
}

/** What every stack of an environment starts with: its provider, its backend, the Terraform it needs. */
export function configureEnvironmentStack(stack: TerraformStack, environment: Environment, state: Environment["state"]): void {
  configureProvider(stack, environment);
  configureBackend(stack, state);
  requireTerraformVersion(stack);
}
