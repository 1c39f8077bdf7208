/** The build options, each planned by the real provider. */
import * as fs from "node:fs";
import * as path from "node:path";
import { environmentFrom, merge, PROJECT_ROOT, readShipped, synthStackJson } from "./support/environments";
import { afterOf, cleanUpPlansAfterAll, describeWithTerraform, list, PLAN_TIMEOUT, rolePolicy, startPlan } from "./support/plans";
import { PlanJson } from "../terraform";

cleanUpPlansAfterAll();

describeWithTerraform("the options, each planned by the real provider", () => {
  const variants: [string, Record<string, unknown>][] = [
    ["a GitHub source with a webhook on pushes and reviewed people's pull requests", {
      build: {
        source: {
          type: "GITHUB",
          location: "https://github.com/example/app.git",
          webhook: { branches: ["main", "release/1.x"], events: ["PUSH", "PULL_REQUEST_CREATED", "PULL_REQUEST_UPDATED"], actorAccountIds: ["583231", "9919"] },
        },
      },
    }],
    ["no source, your own buildspec, no image repository", {
      build: { source: { type: "NO_SOURCE" }, buildspecFile: "__tests__/fixtures/buildspec.yml", imageRepository: { create: false } },
    }],
    ["a CodePipeline artifact bucket, mutable tags, a destroyable image repository", {
      build: { source: { type: "CODEPIPELINE", artifactBucket: "example-pipeline-artifacts" }, imageRepository: { tagMutability: "MUTABLE", removalPolicy: "destroy" } },
    }],
  ];
  const planned = variants.map(([, patch]) =>
    startPlan("variant", synthStackJson(environmentFrom(merge(readShipped("dev"), patch), "dev"))),
  );
  const plans = new Map<string, PlanJson>();
  beforeAll(async () => {
    (await Promise.all(planned)).forEach((result, index) => plans.set(variants[index][0], result.plan));
  }, PLAN_TIMEOUT);

  test("every variant plans cleanly", () => {
    for (const [, plan] of plans) expect(plan.errored).toBe(false);
  });

  test("the webhook: pushes filtered on the pushed branch, pull requests on their target branch, both on the listed actors", () => {
    const [webhook] = afterOf(plans.get(variants[0][0])!, "aws_codebuild_webhook");
    // Filter groups are a set: order does not matter.
    expect(webhook.filter_group).toHaveLength(2);
    expect(webhook.filter_group).toEqual(expect.arrayContaining([
      {
        filter: [
          { type: "EVENT", pattern: "PUSH", exclude_matched_pattern: false },
          { type: "HEAD_REF", pattern: "^refs/heads/(main|release/1\\.x)$", exclude_matched_pattern: false },
          { type: "ACTOR_ACCOUNT_ID", pattern: "^(583231|9919)$", exclude_matched_pattern: false },
        ],
      },
      {
        filter: [
          { type: "EVENT", pattern: "PULL_REQUEST_CREATED, PULL_REQUEST_UPDATED", exclude_matched_pattern: false },
          { type: "BASE_REF", pattern: "^refs/heads/(main|release/1\\.x)$", exclude_matched_pattern: false },
          { type: "ACTOR_ACCOUNT_ID", pattern: "^(583231|9919)$", exclude_matched_pattern: false },
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
    const push = ["ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload"];
    expect(rolePolicy(plan, "docker-builds-dev-build").flatMap((s) => list(s.Action)).filter((a) => push.includes(a))).toEqual([]);
  });

  test("the artifact bucket is readable and writable by the role, object ARNs only; the destroyable repository is force-deleted", () => {
    const statements = rolePolicy(plans.get(variants[2][0])!, "docker-builds-dev-build");
    expect(statements.find((s) => s.Sid === "PipelineArtifacts")?.Resource).toBe("arn:aws:s3:::example-pipeline-artifacts/*");
    const [repository] = afterOf(plans.get(variants[2][0])!, "aws_ecr_repository");
    expect(repository).toMatchObject({ force_delete: true, image_tag_mutability: "MUTABLE" });
  });
});

describeWithTerraform("an offline plan of an environment that adopts what exists (import blocks read AWS)", () => {
  test("plans: the offline copy leaves the imports out, so adopted resources show as created", async () => {
    const environment = environmentFrom(
      merge(readShipped("shared"), { registry: { scanning: { manage: true, scanType: "BASIC" } }, mirror: { adoptExisting: true } }),
      "shared",
    );
    const json = synthStackJson(environment);
    expect((json.import as unknown[]).length).toBeGreaterThan(1);
    const { plan } = await startPlan("imports", json);
    expect(plan.errored).toBe(false);
    const scanning = (plan.resource_changes ?? []).find((change) => change.type === "aws_ecr_registry_scanning_configuration");
    expect(scanning?.change.actions).toEqual(["create"]);
  }, PLAN_TIMEOUT);
});
