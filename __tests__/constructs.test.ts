/** Each construct on its own, through cdktf's matchers: what it creates and what its grants allow. */
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CodebuildProject } from "@cdktf/provider-aws/lib/codebuild-project";
import { CodebuildWebhook } from "@cdktf/provider-aws/lib/codebuild-webhook";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { TerraformStack, Testing } from "cdktf";
import { Construct } from "constructs";
import { AwsStack, DockerBuildProject, DockerHubCredentials, EgressNetwork, formatArn, ImageRepository, PolicyStatement, ServiceRole } from "../constructs";
import { terraformLiteral } from "../constructs/private/terraform-literal";
import { resourcesIn, synthIn } from "./support/environments";

const KEY = "arn:aws:kms:eu-west-1:123456789012:key/0b9c6c1e-7d1a-4c4e-9a51-2f4d0b7e6a11";

const synth = (build: (scope: Construct) => void) => synthIn("123456789012", "eu-west-1", build);

/** A grantee that just collects statements. */
class Recorder implements Pick<ServiceRole, "addToPrincipalPolicy"> {
  readonly statements: PolicyStatement[] = [];
  addToPrincipalPolicy(statement: PolicyStatement): void {
    this.statements.push(statement);
  }
}

function policyOf(json: string): { Sid: string; Action: string | string[]; Resource: string | string[]; Condition?: unknown }[] {
  const [policy] = Object.values(JSON.parse(json).resource.aws_iam_role_policy) as { policy: string }[];
  return JSON.parse(policy.policy).Statement;
}

describe("AwsStack and formatArn", () => {
  test("ARNs use the partition of the region", () => {
    const app = Testing.app();
    for (const [region, expected] of [
      ["eu-west-1", "arn:aws:ssm:eu-west-1:123456789012:parameter/x"],
      ["cn-north-1", "arn:aws-cn:ssm:cn-north-1:123456789012:parameter/x"],
      ["us-gov-west-1", "arn:aws-us-gov:ssm:us-gov-west-1:123456789012:parameter/x"],
    ]) {
      const stack = new AwsStack(app, region, { accountId: "123456789012", region });
      expect(formatArn(stack, { service: "ssm", resource: "parameter/x" })).toBe(expected);
    }
  });

  test("a construct outside an AwsStack gets a clear error", () => {
    const stack = new TerraformStack(Testing.app(), "bare");
    expect(() => new ImageRepository(stack, "repo", { repositoryName: "x" })).toThrow(
      "bare/repo: this construct needs an AWS account and region: create it in an AwsStack (new AwsStack(app, id, { accountId, region }), or a stack that extends it), not in bare, a plain TerraformStack.",
    );
  });

  test.each([
    [{ accountId: "12345", region: "eu-west-1" }, 'accountId "12345": expected a 12-digit AWS account id'],
    [{ accountId: "123456789012", region: "eu-west-9" }, 'region "eu-west-9" is not one the pinned AWS provider knows'],
  ])("an AwsStack refuses %p", (props, message) => {
    expect(() => new AwsStack(Testing.app(), "s", props)).toThrow(message);
  });
});

describe("DockerHubCredentials", () => {
  // How the parameters are stored: token-command.test.ts.
  test("grantRead: ssm:GetParameters on exactly the two parameters; no KMS statement with the AWS managed key", () => {
    const grantee = new Recorder();
    synth((scope) => new DockerHubCredentials(scope, "hub", { parameterPrefix: "/p" }).grantRead(grantee));
    expect(grantee.statements).toEqual([
      {
        sid: "ReadDockerHubCredentials",
        actions: ["ssm:GetParameters"],
        resources: ["arn:aws:ssm:eu-west-1:123456789012:parameter/p/username", "arn:aws:ssm:eu-west-1:123456789012:parameter/p/token"],
      },
    ]);
  });

  test("grantRead with a customer key: kms:Decrypt through SSM only, for these parameters only", () => {
    const grantee = new Recorder();
    synth((scope) => new DockerHubCredentials(scope, "hub", { parameterPrefix: "/p", kmsKeyArn: KEY }).grantRead(grantee));
    expect(grantee.statements[1]).toEqual({
      sid: "DecryptDockerHubCredentials",
      actions: ["kms:Decrypt"],
      resources: [KEY],
      conditions: {
        StringEquals: {
          "kms:ViaService": "ssm.eu-west-1.amazonaws.com",
          "kms:EncryptionContext:PARAMETER_ARN": [
            "arn:aws:ssm:eu-west-1:123456789012:parameter/p/username",
            "arn:aws:ssm:eu-west-1:123456789012:parameter/p/token",
          ],
        },
      },
    });
  });
});

describe("ImageRepository", () => {
  test("scanned, immutable, kept (prevent_destroy, never force-deleted), with a lifecycle policy; grantPush is push to this repository only", () => {
    const grantee = new Recorder();
    const json = synth((scope) => new ImageRepository(scope, "images", { repositoryName: "team-dev" }).grantPush(grantee));
    expect(json).toHaveResourceWithProperties(EcrRepository, {
      name: "team-dev",
      image_tag_mutability: "IMMUTABLE",
      force_delete: false,
      lifecycle: { prevent_destroy: true },
      image_scanning_configuration: { scan_on_push: true },
      encryption_configuration: [{ encryption_type: "AES256" }],
    });
    expect(grantee.statements).toEqual([
      { sid: "EcrLogin", actions: ["ecr:GetAuthorizationToken"], resources: ["*"] },
      expect.objectContaining({ sid: "PushToImageRepository", resources: ["arn:aws:ecr:eu-west-1:123456789012:repository/team-dev"] }),
    ]);
  });
});

test('ImageRepository with removalPolicy "destroy": deleted with its images when it goes (a refused delete would stop an apply half-way)', () => {
  const json = synth((scope) => new ImageRepository(scope, "images", { repositoryName: "team-dev", removalPolicy: "destroy" }));
  const [repository] = resourcesIn(json, "aws_ecr_repository");
  expect(repository).toMatchObject({ force_delete: true });
  expect(repository).not.toHaveProperty("lifecycle");
});

describe("ServiceRole", () => {
  const role = (scope: Construct) => new ServiceRole(scope, "role", { roleName: "r", servicePrincipal: "codebuild.amazonaws.com" });

  test.each<[string, PolicyStatement, RegExp]>([
    ["a wildcard action", { sid: "Bad", actions: ["ecr:*"], resources: ["*"] }, /wildcard action/],
    ["a statement id IAM refuses", { sid: "no-dashes", actions: ["s3:GetObject"], resources: ["*"] }, /letters and digits only/],
  ])("refuses %s", (_what, statement, message) => {
    synth((scope) => expect(() => role(scope).addToPrincipalPolicy(statement)).toThrow(message));
  });

  test("the same statement granted twice is one statement; a different one under the same id is an error", () => {
    const json = synth((scope) => {
      const r = role(scope);
      const statement = { sid: "EcrLogin", actions: ["ecr:GetAuthorizationToken"], resources: ["*"] };
      r.addToPrincipalPolicy(statement);
      r.addToPrincipalPolicy({ ...statement });
      expect(() => r.addToPrincipalPolicy({ ...statement, resources: ["arn:aws:ecr:*"] })).toThrow(/already used/);
    });
    expect(policyOf(json)).toHaveLength(1);
  });
});

describe("DockerBuildProject", () => {
  const project = (scope: Construct, props: Partial<ConstructorParameters<typeof DockerBuildProject>[2]> = {}) =>
    new DockerBuildProject(scope, "build", { projectName: "team-dev", ...props });

  test("privileged, curated image, logs with retention, depends on its role policy; the role only writes its own logs", () => {
    const json = synth((scope) => project(scope));
    // cdktf's jest matcher compares nested values exactly: objectContaining makes them partial.
    expect(json).toHaveResourceWithProperties(CodebuildProject, {
      name: "team-dev",
      build_timeout: DockerBuildProject.DEFAULT_TIMEOUT_MINUTES,
      artifacts: { type: "CODEPIPELINE" },
      environment: {
        image: DockerBuildProject.DEFAULT_IMAGE,
        compute_type: "BUILD_GENERAL1_SMALL",
        type: "LINUX_CONTAINER",
        privileged_mode: true,
        image_pull_credentials_type: "CODEBUILD",
        environment_variable: [],
      },
      logs_config: {
        cloudwatch_logs: { group_name: "/aws/codebuild/team-dev", status: "ENABLED" },
        s3_logs: { status: "DISABLED" },
      },
    });
    const [codebuild] = Object.values(JSON.parse(json).resource.aws_codebuild_project) as { depends_on: string[] }[];
    expect(codebuild.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^aws_iam_role_policy\./)]));
    expect(json).toHaveResourceWithProperties(CloudwatchLogGroup, { name: "/aws/codebuild/team-dev", retention_in_days: 30 });
    expect(json).toHaveResourceWithProperties(IamRole, { name: "team-dev-build" });
    expect(policyOf(json)).toEqual([
      {
        Sid: "WriteOwnBuildLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: [
          "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/codebuild/team-dev",
          "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/codebuild/team-dev:*",
        ],
      },
      // A CODEPIPELINE source without a bucket: the stores the CodePipeline console creates (the build's input is there).
      {
        Sid: "PipelineArtifacts",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
        Resource: "arn:aws:s3:::codepipeline-eu-west-1-*/*",
      },
      { Sid: "PipelineArtifactBucket", Effect: "Allow", Action: ["s3:GetBucketAcl", "s3:GetBucketLocation"], Resource: "arn:aws:s3:::codepipeline-eu-west-1-*" },
    ]);
    expect(json).not.toHaveResource(CodebuildWebhook);
  });

  test("a webhook with pull-request events needs actors: strangers' pull requests must not run with the role", () => {
    const git = { type: "GITHUB" as const, location: "https://github.com/org/app.git" };
    synth((scope) =>
      expect(() => project(scope, { source: { ...git, webhook: { events: ["PUSH", "PULL_REQUEST_CREATED"] } } })).toThrow(
        /webhook events PULL_REQUEST_CREATED need actorAccountIds/,
      ),
    );
    const json = synth((scope) => project(scope, { source: { ...git, webhook: { events: ["PUSH", "PULL_REQUEST_UPDATED"], actorAccountIds: ["1234", "5678"] } } }));
    const [webhook] = resourcesIn(json, "aws_codebuild_webhook");
    const actor = { type: "ACTOR_ACCOUNT_ID", pattern: "^(1234|5678)$" };
    expect(webhook.filter_group).toEqual([
      { filter: [{ type: "EVENT", pattern: "PUSH" }, { type: "HEAD_REF", pattern: "^refs/heads/(main)$" }, actor] },
      { filter: [{ type: "EVENT", pattern: "PULL_REQUEST_UPDATED" }, { type: "BASE_REF", pattern: "^refs/heads/(main)$" }, actor] },
    ]);
  });

  test("credentials are mapped in as PARAMETER_STORE variables and granted; the repository as plain variables", () => {
    const json = synth((scope) => {
      const credentials = new DockerHubCredentials(scope, "hub", { parameterPrefix: "/p" });
      const repository = new ImageRepository(scope, "images", { repositoryName: "team-dev" });
      project(scope, { dockerHubCredentials: credentials, imageRepository: repository });
    });
    expect(json).toHaveResourceWithProperties(CodebuildProject, {
      environment: expect.objectContaining({
        environment_variable: [
          { name: "DOCKERHUB_USERNAME", type: "PARAMETER_STORE", value: "/p/username" },
          { name: "DOCKERHUB_TOKEN", type: "PARAMETER_STORE", value: "/p/token" },
          { name: "DOCKERHUB_USERNAME_PARAMETER", type: "PLAINTEXT", value: "/p/username" },
          { name: "DOCKERHUB_TOKEN_PARAMETER", type: "PLAINTEXT", value: "/p/token" },
          { name: "ECR_REGISTRY", type: "PLAINTEXT", value: "123456789012.dkr.ecr.eu-west-1.amazonaws.com" },
          { name: "IMAGE_REPOSITORY_URI", type: "PLAINTEXT", value: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team-dev" },
        ],
      }),
    });
    expect(policyOf(json).map((s) => s.Sid)).toEqual(["WriteOwnBuildLogs", "ReadDockerHubCredentials", "EcrLogin", "PushToImageRepository", "PipelineArtifacts", "PipelineArtifactBucket"]);
  });

  test("the buildspec is escaped for Terraform: the shell's ${...} is not an interpolation", () => {
    const json = synth((scope) => project(scope, { buildSpec: 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo "${HOME:-x} %{ y }"\n' }));
    expect(json).toHaveResourceWithProperties(CodebuildProject, {
      source: { type: "CODEPIPELINE", buildspec: 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo "$${HOME:-x} %%{ y }"\n' },
    });
    expect(terraformLiteral("a ${b} %{c} $d")).toBe("a $${b} %%{c} $d");
  });

  test("a Git source: clone depth, no artifacts, a webhook", () => {
    const json = synth((scope) =>
      project(scope, { source: { type: "GITLAB", location: "https://gitlab.com/o/r.git", cloneDepth: 0 } }),
    );
    expect(json).toHaveResourceWithProperties(CodebuildProject, {
      artifacts: { type: "NO_ARTIFACTS" },
      source: expect.objectContaining({ type: "GITLAB", location: "https://gitlab.com/o/r.git", git_clone_depth: 0 }),
    });
    expect(json).toHaveResourceWithProperties(CodebuildWebhook, {
      build_type: "BUILD",
      filter_group: [{ filter: [{ type: "EVENT", pattern: "PUSH" }, { type: "HEAD_REF", pattern: "^refs/heads/(main)$" }] }],
      project_name: expect.stringMatching(/^\$\{aws_codebuild_project\..*\.name\}$/),
    });
  });

  test("a disabled webhook is not created", () => {
    const json = synth((scope) =>
      project(scope, { source: { type: "GITHUB", location: "https://github.com/o/r.git", webhook: { enabled: false } } }),
    );
    expect(json).not.toHaveResource(CodebuildWebhook);
  });

  test("an ARM image runs in an ARM container; a given role is used instead of a new one", () => {
    const json = synth((scope) => {
      const role = new ServiceRole(scope, "shared", { roleName: "shared-builds", servicePrincipal: "codebuild.amazonaws.com" });
      project(scope, { image: "aws/codebuild/amazonlinux-aarch64-standard:3.0", role });
    });
    expect(json).toHaveResourceWithProperties(CodebuildProject, { environment: expect.objectContaining({ type: "ARM_CONTAINER" }) });
    expect(Object.keys(JSON.parse(json).resource.aws_iam_role)).toHaveLength(1);
    expect(json).toHaveResourceWithProperties(IamRolePolicy, {});
  });
});

describe("constructs check their own props when created, with the checks the config runs", () => {
  const refused = (build: (scope: Construct) => void) => () => synth(build);

  test.each([
    ["a build image from Docker Hub (CodeBuild pulls it anonymously)", { image: "node:20" }, /image "node:20": expected a CodeBuild-curated image .* a Docker Hub image here hits the very limit/],
    ["a project name CodeBuild refuses", { projectName: "x" }, /projectName "x": expected a CodeBuild project name: letters, digits, - and _, 2 to 150 characters/],
    ["a project name whose role IAM refuses (<name>-build over 64 characters)", { projectName: "a".repeat(60) }, /roleName "a{60}-build": expected an IAM role name: 1 to 64/],
    ["a compute type CodeBuild does not offer", { computeType: "BUILD_GENERAL1_HUGE" }, /computeType "BUILD_GENERAL1_HUGE": expected one of BUILD_GENERAL1_SMALL/],
    ["a log retention CloudWatch refuses", { logRetentionDays: 10 }, /logRetentionDays 10: expected one of 1, 3, 5, 7, 14/],
    ["a timeout CodeBuild refuses", { timeoutMinutes: 3000 }, /timeoutMinutes 3000: expected 5 to 2160 minutes/],
  ])("DockerBuildProject refuses %s", (_what, props, message) => {
    const build = { projectName: "app", ...props } as ConstructorParameters<typeof DockerBuildProject>[2];
    expect(refused((scope) => new DockerBuildProject(scope, "build", build))).toThrow(message);
  });

  test.each([
    ["a public CIDR", { cidr: "8.8.0.0/16" }, /cidr "8.8.0.0\/16": must be private/],
    ["a CIDR too small for the layout", { cidr: "10.0.0.0/26" }, /the prefix must be \/16 to \/24/],
    ["zones of another region", { availabilityZones: ["eu-west-1a", "us-east-1b"] }, /availabilityZones \["eu-west-1a","us-east-1b"\]: "us-east-1b": not a zone of eu-west-1/],
    ["a zone twice", { availabilityZones: ["eu-west-1a", "eu-west-1a"] }, /"eu-west-1a": listed twice/],
  ])("EgressNetwork refuses %s", (_what, props, message) => {
    expect(refused((scope) => new EgressNetwork(scope, "net", { availabilityZones: ["eu-west-1a", "eu-west-1b"], ...props }))).toThrow(message);
  });

  test("ServiceRole refuses a name IAM refuses", () => {
    expect(refused((scope) => new ServiceRole(scope, "role", { roleName: "r".repeat(65), servicePrincipal: "codebuild.amazonaws.com" }))).toThrow(
      /roleName "r{65}": expected an IAM role name: 1 to 64 letters, digits and \+=,\.@_- \(got 65 characters\)/,
    );
  });
});
