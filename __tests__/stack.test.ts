/** The stack: provider, backend, variable and outputs from an environment, and the addresses that must never move. */
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TerraformStack, Testing } from "cdktf";
import { retain, RETAINED, TeardownStack } from "../stacks";
import { environmentFrom, merge, readShipped, synthStack, synthStackJson } from "./support/environments";

const prod = environmentFrom(readShipped("prod"), "prod");

test("the provider deploys only into the environment's account, in its region, tagging everything", () => {
  expect(synthStack(prod)).toHaveProviderWithProperties(AwsProvider, {
    region: "us-east-1",
    allowed_account_ids: ["222222222222"],
    default_tags: [{ tags: { environment: "prod", project: "docker-builds", "managed-by": "cdktf", "cost-center": "platform" } }],
  });
});

test("local state by default: in the project root, one file per environment", () => {
  const dev = environmentFrom(readShipped("dev"), "dev");
  const json = synthStackJson(dev) as { terraform: { backend: unknown } };
  expect(dev.state).toEqual({ backend: "local", path: expect.stringMatching(/\/terraform\.dev\.tfstate$/) });
  expect(json.terraform.backend).toEqual({ local: { path: (dev.state as { path: string }).path } });
});

test("S3 state: a key per environment, encrypted, S3-native locking, an optional role for state", () => {
  const environment = environmentFrom(
    merge(readShipped("prod"), { state: { backend: "s3", bucket: "example-terraform-state", roleArn: "arn:aws:iam::999999999999:role/state" } }),
    "prod",
  );
  expect((synthStackJson(environment) as { terraform: { backend: unknown } }).terraform.backend).toEqual({
    s3: {
      bucket: "example-terraform-state",
      key: "docker-builds/prod/terraform.tfstate",
      region: "us-east-1",
      encrypt: true,
      use_lockfile: true,
      assume_role: { role_arn: "arn:aws:iam::999999999999:role/state" },
    },
  });
});

test("HCP Terraform state: a workspace per environment", () => {
  const environment = environmentFrom(merge(readShipped("prod"), { state: { backend: "cloud", organization: "example-org" } }), "prod");
  expect((synthStackJson(environment) as { terraform: { cloud: unknown } }).terraform.cloud).toEqual({
    organization: "example-org",
    workspaces: { name: "docker-builds-prod" },
  });
});

test("the provider assumes the environment's deploy role when one is set", () => {
  const { deploy: _ciRoles, ...byHand } = readShipped("prod");
  const environment = environmentFrom(merge(byHand, { deploy: { assumeRoleArn: "arn:aws:iam::222222222222:role/deployer" } }), "prod");
  expect(synthStack(environment)).toHaveProviderWithProperties(AwsProvider, {
    assume_role: [{ role_arn: "arn:aws:iam::222222222222:role/deployer", session_name: "cdktf-prod" }],
  });
});

test("dockerhub_token is an ephemeral, sensitive, optional variable: plans never need it", () => {
  const json = synthStackJson(prod) as { variable: Record<string, unknown> };
  expect(json.variable.dockerhub_token).toEqual({
    type: "string",
    ephemeral: true,
    sensitive: true,
    nullable: false,
    default: "",
    description: expect.stringMatching(/stored where no token is stored yet \(the first deploy\); never in plans or state/),
  });
});

test("the outputs: parameter names, project, repository, egress addresses, and the exact command that sets the token", () => {
  const json = synthStackJson(prod) as { output: Record<string, { value: string; description: string }> };
  expect(Object.keys(json.output).sort()).toEqual([
    "build_role_arn",
    "codebuild_project_name",
    "dockerhub_set_token_command",
    "dockerhub_token_parameter",
    "dockerhub_username_parameter",
    "egress_public_ips",
    "image_repository_url",
    "nat_gateway_ids",
    "private_subnet_ids",
    "vpc_id",
  ]);
  for (const output of Object.values(json.output)) expect(output.description).not.toBe("");
  expect(json.output.dockerhub_token_parameter.value).toBe("/docker-builds/prod/dockerhub/token");
  expect(json.output.codebuild_project_name.value).toBe("docker-builds-prod");
  expect(json.output.image_repository_url.value).toBe("222222222222.dkr.ecr.us-east-1.amazonaws.com/docker-builds-prod");
  expect(json.output.dockerhub_set_token_command.value).toContain(
    "--key-id arn:aws:kms:us-east-1:222222222222:key/0b9c6c1e-7d1a-4c4e-9a51-2f4d0b7e6a11",
  );
});

test("what users rely on has pinned addresses, whatever the construct tree looks like", () => {
  const json = synthStackJson(prod) as { resource: Record<string, Record<string, unknown>> };
  expect(Object.keys(json.resource.terraform_data)).toEqual([RETAINED.credentialsStore.name]);
  expect(Object.keys(json.resource.aws_eip)).toEqual([RETAINED.egressIp(0).name]);
  expect(Object.keys(json.resource.aws_ecr_repository)).toEqual([RETAINED.imageRepository.repository.name]);
  expect(json.resource).not.toHaveProperty("aws_ssm_parameter");
});

test("retain() forgets instead of destroying: removed blocks with destroy = false, accumulated over calls", () => {
  const stack = new TerraformStack(Testing.app(), "s");
  retain(stack, [RETAINED.egressIp(0)]);
  retain(stack, [RETAINED.mirrorSecret]);
  expect(JSON.parse(Testing.synth(stack)).removed).toEqual([
    { from: "aws_eip.egress_ip_0", lifecycle: { destroy: false } },
    { from: "aws_secretsmanager_secret.dockerhub_mirror", lifecycle: { destroy: false } },
  ]);
});

test("every deploy forgets what earlier versions held as resources and no longer do: the SSM parameters, the secret's version", () => {
  const removedFrom = (json: Record<string, unknown>) => ((json.removed ?? []) as { from: string }[]).map((r) => r.from);
  for (const strategy of ["authenticated", "fixed-ip", "mirror"]) {
    expect(removedFrom(synthStackJson(environmentFrom({ ...readShipped("prod"), strategy }, "prod")))).toEqual(
      expect.arrayContaining(["aws_ssm_parameter.dockerhub_username", "aws_ssm_parameter.dockerhub_token", "aws_secretsmanager_secret_version.dockerhub_mirror_initial"]),
    );
  }
});

test("the image repository moves from the address cdktf once derived to its pinned one", () => {
  expect(synthStackJson(prod).moved).toEqual(
    expect.arrayContaining([
      { from: "aws_ecr_repository.images_repository_F169625C", to: "aws_ecr_repository.image_repository" },
      { from: "aws_ecr_lifecycle_policy.images_lifecycle_3E0390F9", to: "aws_ecr_lifecycle_policy.image_repository_lifecycle" },
    ]),
  );
});

test("every stack requires Terraform 1.11 (ephemeral variables), so an older CLI stops at init, not half-way", () => {
  for (const name of ["dev", "prod", "shared"]) {
    const json = synthStackJson(environmentFrom(readShipped(name), name)) as { terraform: Record<string, unknown> };
    expect(json.terraform.required_version).toBe(">= 1.11.0");
  }
  const teardown = JSON.parse(Testing.synth(new TeardownStack(Testing.app(), "prod", prod))) as { terraform: Record<string, unknown> };
  expect(teardown.terraform.required_version).toBe(">= 1.11.0");
});
