/**
 * `npm run review`: run as users run it, offline, against the shipped
 * environments; and its summary and markdown for a plan that destroys and
 * replaces (against a recorded state).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadEnvironments } from "../config";
import { environmentMarkdown } from "../review/markdown";
import { EnvironmentReview, summarize } from "../review/summary";
import { RETAINED } from "../stacks";
import { environmentFrom, merge, PROJECT_ROOT, readShipped, shippedEnvironmentNames, synthStackJson } from "./support/environments";
import { cleanUpPlansAfterAll, describeWithTerraform, PLAN_TIMEOUT, startPlan } from "./support/plans";

cleanUpPlansAfterAll();

/** Terraform's "Plan: A to add, C to change, D to destroy." must agree with the review's counts. */
function expectCountsMatchTerraform(review: Pick<EnvironmentReview, "counts" | "terraformSays">): void {
  const match = /^Plan: (\d+) to add, (\d+) to change, (\d+) to destroy(?:, (\d+) to forget)?\.$/.exec(review.terraformSays);
  expect(match).not.toBeNull();
  const [, add, change, destroy, forget] = match!.map(Number);
  expect(review.counts.create + review.counts.replace).toBe(add);
  expect(review.counts.update).toBe(change);
  expect(review.counts.delete + review.counts.replace).toBe(destroy);
  expect(review.counts.forget).toBe(Number.isNaN(forget) ? 0 : forget);
}

describeWithTerraform("npm run review -- --offline", () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "review-"));
  let result: ReturnType<typeof spawnSync>;
  let summary: Record<string, EnvironmentReview>;
  beforeAll(() => {
    const env = { ...process.env, AWS_ACCESS_KEY_ID: "", AWS_PROFILE: "" };
    result = spawnSync(process.execPath, ["--import", "tsx", "scripts/review.ts", "--offline", "--outdir", outdir], { cwd: PROJECT_ROOT, env, encoding: "utf8" });
    summary = JSON.parse(fs.readFileSync(path.join(outdir, "review", "summary.json"), "utf8"));
  }, PLAN_TIMEOUT);
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test("writes <env>.md for every environment, summary.json keyed by environment, and the comment; shows progress", () => {
    expect(result.status).toBe(0);
    const names = shippedEnvironmentNames();
    expect(fs.readdirSync(path.join(outdir, "review")).sort()).toEqual([...names.map((n) => `${n}.md`), "comment.md", "summary.json"].sort());
    expect(Object.keys(summary)).toEqual(names);
    for (const name of names) expect(result.stderr).toMatch(new RegExp(`\\[${name}\\] done in [\\d.]+ s \\(\\d/${names.length}\\)`));
  });

  test("counts match Terraform's own summary of each plan", () => {
    for (const review of Object.values(summary)) {
      expect(review.mode).toBe("offline");
      expectCountsMatchTerraform(review);
      expect(review.counts.create).toBeGreaterThan(0);
    }
  });

  test("each environment's cost and pull budget follow from its strategies", () => {
    const environments = new Map(loadEnvironments({ projectRoot: PROJECT_ROOT }).map((e) => [e.name, e]));
    // prod: one NAT gateway with its address, 100 GB through it, and its KMS key.
    expect(summary.prod.cost.items.map((i) => [i.item, i.monthlyUsd])).toEqual([
      ["NAT gateway hours", 32.85],
      ["NAT gateway data processed (estimate)", 4.5],
      ["Public IPv4 addresses (the NAT gateways' Elastic IPs)", 3.65],
      ["Customer managed KMS keys used (yours, billed once however many stacks use them)", 1],
      ["SSM standard parameters", 0],
    ]);
    expect(summary.prod.cost.monthlyUsd).toBe(42);
    expect(summary.prod.pullBudget).toMatchObject({ limitPer6h: 200, pullsPerBuild: 10, buildsPer6h: 20 });
    // shared hosts the mirror: one secret, the mirror's storage; builds are not limited by Docker Hub.
    expect(summary.shared.cost.items.map((i) => i.item)).toEqual(["Secrets Manager secrets", "ECR storage for the mirror (estimate)"]);
    expect(summary.shared.cost.monthlyUsd).toBe(2.4);
    for (const name of ["dev", "shared"]) {
      expect(environments.get(name)!.strategies).toContain("mirror");
      expect(summary[name].pullBudget.buildsPer6h).toBeNull();
    }
  });

  test("the comment has a row per environment, then each environment's page", () => {
    const comment = fs.readFileSync(path.join(outdir, "review", "comment.md"), "utf8");
    expect(comment).toContain("| prod | 29 | 0 | 0 | 0 | $42.00 | 20 |");
    for (const name of shippedEnvironmentNames()) expect(comment).toContain(fs.readFileSync(path.join(outdir, "review", `${name}.md`), "utf8"));
  });
});

describeWithTerraform("a review of a plan that destroys and replaces: those come first, in bold", () => {
  const dev = environmentFrom(readShipped("dev"), "dev");
  // The deployed image repository, and a config that renames it with removalPolicy "destroy": a replacement.
  const renamed = environmentFrom(merge(readShipped("dev"), { build: { imageRepository: { name: "elsewhere", removalPolicy: "destroy" } } }), "dev");
  const repository = RETAINED.imageRepository.repository;
  const planned = startPlan("review-replace", synthStackJson(renamed), {
    existing: [
      {
        type: repository.type,
        name: repository.name,
        attributes: { id: "docker-builds-dev", name: "docker-builds-dev", image_tag_mutability: "IMMUTABLE", force_delete: true, tags_all: dev.tags },
      },
      { type: "aws_cloudwatch_log_group", name: "retired_logs", attributes: { id: "/aws/codebuild/retired", name: "/aws/codebuild/retired", retention_in_days: 30, tags_all: dev.tags } },
    ],
  });

  test("counts, addresses and the markdown's first lines", async () => {
    const result = await planned;
    const review = summarize(renamed, result.plan, "offline", result.output);
    expectCountsMatchTerraform(review);
    expect(review.replaced).toEqual(["aws_ecr_repository.image_repository"]);
    expect(review.destroyed).toEqual(["aws_cloudwatch_log_group.retired_logs"]);
    const lines = environmentMarkdown(review).split("\n");
    expect(lines.slice(0, 6)).toEqual([
      "## dev: authenticated + mirror (account 111111111111, eu-west-1)",
      "",
      "**:warning: 1 to destroy, 1 to replace. Read these before approving:**",
      "",
      "- **destroy `aws_cloudwatch_log_group.retired_logs`**",
      "- **replace `aws_ecr_repository.image_repository`** (destroyed, then created again)",
    ]);
  }, PLAN_TIMEOUT);
});
