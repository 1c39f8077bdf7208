/** DockerBuildProject: the CodeBuild project, its role, logs, source and webhook, through cdktf's matchers. */
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CodebuildProject } from "@cdktf/provider-aws/lib/codebuild-project";
import { CodebuildWebhook } from "@cdktf/provider-aws/lib/codebuild-webhook";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Construct } from "constructs";
import { DockerBuildProject, DockerHubCredentials, ImageRepository, ServiceRole } from "../constructs";
import { terraformLiteral } from "../constructs/private/terraform-literal";
import { policyOf, synth } from "./support/constructs";
import { resourcesIn } from "./support/environments";

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

describe("DockerBuildProject checks its props when created, with the checks the config runs", () => {
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
});
