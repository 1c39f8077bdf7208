/**
 * The strongest check we have: every shipped environment, synthesized by the
 * app exactly as `npm run synth` does, goes through the real Terraform CLI
 * and AWS provider (validate, then an offline plan), and the assertions read
 * the plan's JSON.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadEnvironments } from "../config";
import { dockerBuildSpec, DockerHubCredentials, renderBuildSpec } from "../constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TerraformStack, Testing } from "cdktf";
import { retain, RETAINED } from "../stacks";
import { environmentFrom, merge, PROJECT_ROOT, readShipped, shippedEnvironmentNames, synthStackJson } from "./support/environments";
import { changesOf, cleanUp, planOffline, PlanJson, PlanResult, setUpTerraform } from "./support/terraform";

const terraform = setUpTerraform();
const describeWithTerraform = terraform ? describe : describe.skip;
const PLAN_TIMEOUT = 600_000;

/**
 * Every plan in this file starts when the file loads and runs through one
 * pool, one Terraform per core; each describe block awaits its own. The
 * suite then takes about (plans x 6 s) / cores, however the blocks are laid out.
 */
const started: Promise<unknown>[] = [];
const pool = (() => {
  const limit = Math.max(1, os.cpus().length);
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    while (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
})();

/** Starts a plan now; the test that needs it awaits it (a failure surfaces there, not as an unhandled rejection). */
function startPlan(...args: Parameters<typeof planOffline>): Promise<PlanResult> {
  // describe.skip still collects its block: without terraform, start nothing.
  const planned = terraform ? pool(() => planOffline(...args)) : Promise.reject(new Error("no terraform"));
  started.push(planned.catch(() => undefined));
  return planned;
}

afterAll(async () => {
  const settled = await Promise.all(started);
  cleanUp(settled.filter((result): result is PlanResult => result !== undefined));
});

interface Statement {
  Sid: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}
const list = (value: string | string[]) => (Array.isArray(value) ? value : [value]);

function afterOf(plan: PlanJson, type: string): Record<string, unknown>[] {
  return changesOf(plan, type).map((change) => change.change.after ?? {});
}

function rolePolicy(plan: PlanJson): Statement[] {
  const [policy] = afterOf(plan, "aws_iam_role_policy");
  return (JSON.parse(policy.policy as string) as { Statement: Statement[] }).Statement;
}

describeWithTerraform("every shipped environment, planned offline by the real AWS provider", () => {
  const names = shippedEnvironmentNames();
  const environments = new Map(loadEnvironments({ projectRoot: PROJECT_ROOT }).map((e) => [e.name, e] as const));
  const results = new Map<string, PlanResult>();

  // Synthesize with the app itself, as `npm run synth` (cdktf synth) runs it.
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-out-"));
  execFileSync(process.execPath, ["--import", "tsx", "main.ts"], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, CDKTF_OUTDIR: outdir },
    stdio: "pipe",
  });
  // No token given: this is what the plan review on a pull request sees.
  const planned = names.map((name) =>
    startPlan(terraform!, name, JSON.parse(fs.readFileSync(path.join(outdir, "stacks", name, "cdk.tf.json"), "utf8"))),
  );
  fs.rmSync(outdir, { recursive: true, force: true });

  beforeAll(async () => {
    (await Promise.all(planned)).forEach((result, index) => results.set(names[index], result));
  }, PLAN_TIMEOUT);

  test.each(names)("%s: validates and plans without the token; a first deploy only creates", (name) => {
    const { plan } = results.get(name)!;
    expect(plan.errored).toBe(false);
    const actions = new Set((plan.resource_changes ?? []).flatMap((change) => change.change.actions));
    expect([...actions]).toEqual(["create"]);
  });

  test.each(names)("%s: the Docker Hub credentials are SecureString parameters; the token is write-only", (name) => {
    const environment = environments.get(name)!;
    const { plan } = results.get(name)!;
    const parameters = Object.fromEntries(changesOf(plan, "aws_ssm_parameter").map((c) => [c.name, c.change.after!]));
    const prefix = environment.dockerHub.parameterPrefix;
    expect(parameters[RETAINED.dockerHubUsername.name]).toMatchObject({
      name: `${prefix}/username`,
      type: "SecureString",
      value: environment.dockerHub.username ?? DockerHubCredentials.UNSET,
    });
    const token = parameters[RETAINED.dockerHubToken.name];
    expect(token).toMatchObject({ name: `${prefix}/token`, type: "SecureString", value_wo: null, value_wo_version: 1 });
    expect(token).not.toHaveProperty("value");
    if (environment.dockerHub.kmsKeyArn) {
      expect(token.key_id).toBe(environment.dockerHub.kmsKeyArn);
      expect(parameters[RETAINED.dockerHubUsername.name].key_id).toBe(environment.dockerHub.kmsKeyArn);
    }
    expect(plan.planned_values.outputs?.dockerhub_token_parameter?.value).toBe(`${prefix}/token`);
    expect(plan.planned_values.outputs?.dockerhub_set_token_command?.value).toMatch(
      new RegExp(`aws ssm put-parameter --region ${environment.region} --name ${prefix}/token .*--value file:///dev/stdin`),
    );
  });

  test.each(names)("%s: CodeBuild runs privileged on a curated image, with the parameters mapped in", (name) => {
    const environment = environments.get(name)!;
    const { plan } = results.get(name)!;
    const [project] = afterOf(plan, "aws_codebuild_project");
    const [buildEnvironment] = project.environment as Record<string, unknown>[];
    expect(buildEnvironment).toMatchObject({
      privileged_mode: true,
      image: environment.build.image,
      image_pull_credentials_type: "CODEBUILD",
      compute_type: environment.build.computeType,
    });
    expect(buildEnvironment.environment_variable).toEqual(
      expect.arrayContaining([
        { name: "DOCKERHUB_USERNAME", type: "PARAMETER_STORE", value: `${environment.dockerHub.parameterPrefix}/username` },
        { name: "DOCKERHUB_TOKEN", type: "PARAMETER_STORE", value: `${environment.dockerHub.parameterPrefix}/token` },
      ]),
    );
    expect(project.logs_config).toEqual([
      {
        cloudwatch_logs: [{ group_name: `/aws/codebuild/${environment.build.projectName}`, status: "ENABLED", stream_name: null }],
        s3_logs: [{ bucket_owner_access: null, encryption_disabled: false, location: null, status: "DISABLED" }],
      },
    ]);
    const [logGroup] = afterOf(plan, "aws_cloudwatch_log_group");
    expect(logGroup.retention_in_days).toBe(environment.build.logRetentionDays);
  });

  test.each(names)("%s: the buildspec Terraform will send is exactly the generated YAML (no template mangling)", (name) => {
    const { plan } = results.get(name)!;
    const [project] = afterOf(plan, "aws_codebuild_project");
    const [source] = project.source as Record<string, unknown>[];
    expect(source.buildspec).toBe(renderBuildSpec(dockerBuildSpec({ dockerHubLogin: true, pushToEcr: true })));
  });

  test.each(names)("%s: the role can read exactly its own parameters, push to its own repository, log to its own group", (name) => {
    const environment = environments.get(name)!;
    const { plan } = results.get(name)!;
    const statements = rolePolicy(plan);
    const arn = (service: string, resource: string) => `arn:aws:${service}:${environment.region}:${environment.accountId}:${resource}`;
    const prefix = environment.dockerHub.parameterPrefix;
    const parameterArns = [arn("ssm", `parameter${prefix}/username`), arn("ssm", `parameter${prefix}/token`)];

    for (const statement of statements) {
      expect(statement.Effect).toBe("Allow");
      for (const action of list(statement.Action)) expect(action).not.toContain("*");
      // `*` only where AWS offers no resource type.
      if (list(statement.Resource).includes("*")) expect(list(statement.Action)).toEqual(["ecr:GetAuthorizationToken"]);
    }
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    expect(bySid.ReadDockerHubCredentials).toEqual({
      Sid: "ReadDockerHubCredentials",
      Effect: "Allow",
      Action: "ssm:GetParameters",
      Resource: parameterArns,
    });
    const logGroup = arn("logs", `log-group:/aws/codebuild/${environment.build.projectName}`);
    expect(list(bySid.WriteOwnBuildLogs.Resource)).toEqual([logGroup, `${logGroup}:*`]);
    expect(list(bySid.PushToImageRepository.Resource)).toEqual([arn("ecr", `repository/${environment.build.imageRepository.name}`)]);

    if (environment.dockerHub.kmsKeyArn) {
      expect(bySid.DecryptDockerHubCredentials).toEqual({
        Sid: "DecryptDockerHubCredentials",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: environment.dockerHub.kmsKeyArn,
        Condition: {
          StringEquals: {
            "kms:ViaService": `ssm.${environment.region}.amazonaws.com`,
            "kms:EncryptionContext:PARAMETER_ARN": parameterArns,
          },
        },
      });
    } else {
      expect(statements.flatMap((s) => list(s.Action))).not.toContain("kms:Decrypt");
    }
  });

  test.each(names)("%s: only CodeBuild, for this project in this account, can assume the role", (name) => {
    const environment = environments.get(name)!;
    const [role] = afterOf(results.get(name)!.plan, "aws_iam_role");
    expect(JSON.parse(role.assume_role_policy as string).Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "codebuild.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: {
          StringEquals: {
            "aws:SourceAccount": environment.accountId,
            "aws:SourceArn": `arn:aws:codebuild:${environment.region}:${environment.accountId}:project/${environment.build.projectName}`,
          },
        },
      },
    ]);
  });

  test.each(names)("%s: the image repository scans on push, keeps its images, and has a lifecycle policy", (name) => {
    const environment = environments.get(name)!;
    const { plan } = results.get(name)!;
    const [repository] = afterOf(plan, "aws_ecr_repository");
    expect(repository).toMatchObject({
      name: environment.build.imageRepository.name,
      force_delete: false,
      image_tag_mutability: "IMMUTABLE",
      image_scanning_configuration: [{ scan_on_push: true }],
    });
    const [lifecycle] = afterOf(plan, "aws_ecr_lifecycle_policy");
    const rules = JSON.parse(lifecycle.policy as string).rules;
    expect(rules.map((r: { selection: unknown }) => r.selection)).toEqual([
      { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: environment.build.imageRepository.untaggedExpiryDays },
      { tagStatus: "any", countType: "imageCountMoreThan", countNumber: environment.build.imageRepository.keepLastImages },
    ]);
  });
});

describeWithTerraform("the token: given or not, never in the configuration, the plan or Terraform's output", () => {
  const canary = "dckr_pat_CANARY0123456789abcdefXYZ";
  const planned = startPlan(terraform!, "dev-with-token", synthStackJson(environmentFrom(readShipped("dev"), "dev")), {
    variables: { dockerhub_token: canary },
  });
  let result: PlanResult;
  beforeAll(async () => {
    result = await planned;
  }, PLAN_TIMEOUT);

  test("the plan with the token succeeds and writes it through value_wo only", () => {
    expect(result.plan.errored).toBe(false);
    const token = changesOf(result.plan, "aws_ssm_parameter").find((c) => c.name === RETAINED.dockerHubToken.name)!;
    expect(token.change.after).toMatchObject({ value_wo: null, value_wo_version: 1 });
  });

  test("the canary appears nowhere: not in the synthesized JSON, the plan JSON, or anything Terraform printed", () => {
    expect(fs.readFileSync(path.join(result.dir, "main.tf.json"), "utf8")).not.toContain(canary);
    expect(JSON.stringify(result.plan)).not.toContain(canary);
    expect(result.output).not.toContain(canary);
    expect(fs.readFileSync(path.join(result.dir, "plan.bin")).includes(canary)).toBe(false);
  });
});

describeWithTerraform("a deployed environment: the stored token is safe from later plans", () => {
  const environment = environmentFrom(readShipped("dev"), "dev");

  /** The token parameter as a deploy recorded it: written once, its value not kept. */
  const name = `${environment.dockerHub.parameterPrefix}/token`;
  const deployedToken = {
    type: RETAINED.dockerHubToken.type,
    name: RETAINED.dockerHubToken.name,
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
      has_value_wo: true,
      value: null,
      value_wo: null,
      value_wo_version: DockerHubCredentials.TOKEN_WRITE_VERSION,
      insecure_value: null,
      overwrite: null,
      version: 4,
      tags: null,
      tags_all: environment.tags,
    },
    sensitive: ["value", "value_wo"],
  };
  const renamed = (patch: Record<string, unknown>) =>
    synthStackJson(environmentFrom(merge(readShipped("dev"), { dockerHub: { parameterPrefix: "/elsewhere/dockerhub", ...patch } }), "dev"));
  const deployed = (label: string, json: Record<string, unknown>, variables?: Record<string, string>) =>
    startPlan(terraform!, label, json, { existing: [deployedToken], variables });

  const withoutToken = deployed("deployed", synthStackJson(environment));
  const withOtherToken = deployed("deployed-token", synthStackJson(environment), { dockerhub_token: "dckr_pat_SomeoneElsesToken000000" });
  const renamedRetained = deployed("renamed", renamed({}));
  const renamedDestroyable = deployed("renamed-destroy", renamed({ removalPolicy: "destroy" }));
  const tokenChange = async (planned: Promise<PlanResult>) =>
    changesOf((await planned).plan, "aws_ssm_parameter").find((c) => c.name === RETAINED.dockerHubToken.name)!.change.actions;

  test("a plan without the token (a pull request's plan) leaves the stored token alone", async () => {
    expect(await tokenChange(withoutToken)).toEqual(["no-op"]);
  }, PLAN_TIMEOUT);

  test("a plan with another token in TF_VAR_dockerhub_token leaves the stored token alone too", async () => {
    expect(await tokenChange(withOtherToken)).toEqual(["no-op"]);
  }, PLAN_TIMEOUT);

  test("renaming the parameter prefix cannot destroy the stored token: the plan fails on prevent_destroy", async () => {
    await expect(renamedRetained).rejects.toThrow(/Instance cannot be destroyed[\s\S]*aws_ssm_parameter\.dockerhub_token/);
  }, PLAN_TIMEOUT);

  test('with removalPolicy "destroy" the same rename is planned as a replacement', async () => {
    expect(await tokenChange(renamedDestroyable)).toEqual(["delete", "create"]);
  }, PLAN_TIMEOUT);

  // A stack that no longer has the credentials (another strategy) names them in `removed` blocks.
  const withoutCredentials = new TerraformStack(Testing.app(), "without-credentials");
  new AwsProvider(withoutCredentials, "aws", { region: environment.region });
  retain(withoutCredentials, [RETAINED.dockerHubUsername, RETAINED.dockerHubToken]);
  const dropped = deployed("dropped", JSON.parse(Testing.synth(withoutCredentials)));

  test("a config that drops the credentials makes Terraform forget the stored token, not delete it", async () => {
    expect(await tokenChange(dropped)).toEqual(["forget"]);
  }, PLAN_TIMEOUT);
});

describeWithTerraform("the options, each planned by the real provider", () => {
  const variants: [string, Record<string, unknown>][] = [
    ["a GitHub source with a webhook on pushes and pull requests", {
      build: {
        source: {
          type: "GITHUB",
          location: "https://github.com/example/app.git",
          webhook: { branches: ["main", "release/1.x"], events: ["PUSH", "PULL_REQUEST_CREATED", "PULL_REQUEST_UPDATED"] },
        },
      },
    }],
    ["no source, your own buildspec, no image repository", {
      build: { source: { type: "NO_SOURCE" }, buildspecFile: "__tests__/fixtures/buildspec.yml", imageRepository: { create: false } },
    }],
    ["a CodePipeline artifact bucket, mutable tags, destroyable credentials", {
      build: { source: { type: "CODEPIPELINE", artifactBucket: "example-pipeline-artifacts" }, imageRepository: { tagMutability: "MUTABLE" } },
      dockerHub: { removalPolicy: "destroy" },
    }],
  ];
  const planned = variants.map(([, patch]) =>
    startPlan(terraform!, "variant", synthStackJson(environmentFrom(merge(readShipped("dev"), patch), "dev"))),
  );
  const plans = new Map<string, PlanJson>();
  beforeAll(async () => {
    (await Promise.all(planned)).forEach((result, index) => plans.set(variants[index][0], result.plan));
  }, PLAN_TIMEOUT);

  test("every variant plans cleanly", () => {
    for (const [, plan] of plans) expect(plan.errored).toBe(false);
  });

  test("the webhook: pushes filtered on the pushed branch, pull requests on their target branch", () => {
    const [webhook] = afterOf(plans.get(variants[0][0])!, "aws_codebuild_webhook");
    // Filter groups are a set: order does not matter.
    expect(webhook.filter_group).toHaveLength(2);
    expect(webhook.filter_group).toEqual(expect.arrayContaining([
      {
        filter: [
          { type: "EVENT", pattern: "PUSH", exclude_matched_pattern: false },
          { type: "HEAD_REF", pattern: "^refs/heads/(main|release/1\\.x)$", exclude_matched_pattern: false },
        ],
      },
      {
        filter: [
          { type: "EVENT", pattern: "PULL_REQUEST_CREATED, PULL_REQUEST_UPDATED", exclude_matched_pattern: false },
          { type: "BASE_REF", pattern: "^refs/heads/(main|release/1\\.x)$", exclude_matched_pattern: false },
        ],
      },
    ]));
    const [project] = afterOf(plans.get(variants[0][0])!, "aws_codebuild_project");
    expect(project.source).toEqual([
      expect.objectContaining({ type: "GITHUB", location: "https://github.com/example/app.git", git_clone_depth: 1 }),
    ]);
  });

  test("your own buildspec goes in verbatim; without a repository the role cannot push anywhere", () => {
    const plan = plans.get(variants[1][0])!;
    const [project] = afterOf(plan, "aws_codebuild_project");
    const [source] = project.source as Record<string, unknown>[];
    expect(source.buildspec).toBe(fs.readFileSync(path.join(PROJECT_ROOT, "__tests__/fixtures/buildspec.yml"), "utf8"));
    expect(afterOf(plan, "aws_ecr_repository")).toHaveLength(0);
    expect(rolePolicy(plan).flatMap((s) => list(s.Action)).filter((a) => a.startsWith("ecr:"))).toEqual([]);
  });

  test("the artifact bucket is readable and writable by the role, object ARNs only", () => {
    const statements = rolePolicy(plans.get(variants[2][0])!);
    expect(statements.find((s) => s.Sid === "PipelineArtifacts")?.Resource).toBe("arn:aws:s3:::example-pipeline-artifacts/*");
    const parameters = afterOf(plans.get(variants[2][0])!, "aws_ssm_parameter");
    expect(parameters).toHaveLength(2);
  });
});
