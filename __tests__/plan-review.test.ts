/**
 * `npm run review`: run as users run it, offline, against the shipped
 * environments; and its summary and markdown for a plan that destroys and
 * replaces (against a recorded state).
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadEnvironments } from "../config";
import { environmentMarkdown } from "../review/markdown";
import { EnvironmentReview, pullBudget, summarize } from "../review/summary";
import { RETAINED } from "../stacks";
import { environmentFrom, merge, PROJECT_ROOT, readShipped, shippedEnvironmentNames, synthStackJson } from "./support/environments";
import { cleanUpPlansAfterAll, describeWithTerraform, PLAN_TIMEOUT, startPlan } from "./support/plans";

cleanUpPlansAfterAll();

interface Reviewed {
  readonly status: number;
  readonly stderr: string;
}

/** `npm run review -- <args>`, without AWS credentials; asynchronous, so this process keeps serving the plans it started. */
function review(...args: string[]): Promise<Reviewed> {
  const env = { ...process.env, AWS_ACCESS_KEY_ID: "", AWS_PROFILE: "" };
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", "scripts/review.ts", ...args], { cwd: PROJECT_ROOT, env, encoding: "utf8" }, (error, _stdout, stderr) =>
      resolve({ status: error ? Number(error.code ?? 1) : 0, stderr }),
    );
  });
}

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
  let result: Reviewed;
  let summary: Record<string, EnvironmentReview>;
  beforeAll(async () => {
    result = await review("--offline", "--outdir", outdir);
    summary = JSON.parse(fs.readFileSync(path.join(outdir, "review", "summary.json"), "utf8"));
  }, PLAN_TIMEOUT);
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test("writes <env>.md for every environment, summary.json keyed by environment, and the comment; shows progress", () => {
    expect(result.status).toBe(0);
    const names = shippedEnvironmentNames();
    expect(fs.readdirSync(path.join(outdir, "review")).sort()).toEqual([...names.flatMap((n) => [`${n}.json`, `${n}.md`]), "comment.md", "summary.json"].sort());
    expect(Object.keys(summary)).toEqual(names);
    for (const name of names) expect(result.stderr).toMatch(new RegExp(`\\[${name}\\] done in [\\d.]+ s \\(\\d/${names.length}\\)`));
  });

  test("counts match Terraform's own summary of each plan", () => {
    for (const review of Object.values(summary)) {
      expectCountsMatchTerraform(review);
      expect(review.counts.create).toBeGreaterThan(0);
    }
  });

  test("each plan says what state it was made against: dev's local file (none yet), prod's and shared's S3 state (unreadable offline)", () => {
    expect(summary.dev.plannedFrom).toEqual({ source: "none", where: "terraform.dev.tfstate" });
    expect(summary.prod.plannedFrom).toEqual({ source: "unavailable", where: "s3://docker-builds-tfstate-222222222222/docker-builds/prod/terraform.tfstate" });
    expect(summary.shared.plannedFrom.source).toBe("unavailable");
    // Where it cannot: at the top of the environment's section and of the comment, in words that cannot be missed.
    const prod = fs.readFileSync(path.join(outdir, "review", "prod.md"), "utf8").split("\n");
    expect(prod[2]).toMatch(/^> \*\*:no_entry: prod was planned from EMPTY state, not from its recorded state \(s3:\/\/docker-builds-tfstate-222222222222\/.*destroys, replacements and forgets CANNOT show/);
    const comment = fs.readFileSync(path.join(outdir, "review", "comment.md"), "utf8").split("\n");
    expect(comment[2]).toBe(
      "> **:no_entry: prod, shared were planned from EMPTY state (offline, remote backend): destroys, replacements and forgets CANNOT show for them. See their sections.**",
    );
    expect(fs.readFileSync(path.join(outdir, "review", "dev.md"), "utf8")).toContain("No state recorded yet (terraform.dev.tfstate does not exist): planned as a first deploy.");
  });

  test("each environment's cost, at its region's prices, and pull budget follow from its strategies", () => {
    const environments = new Map(loadEnvironments({ projectRoot: PROJECT_ROOT }).map((e) => [e.name, e]));
    // prod (us-east-1): one NAT gateway with its address, 100 GB through it, and its KMS key.
    expect(summary.prod.cost.items.map((i) => [i.item, i.unitPriceUsd, i.monthlyUsd])).toEqual([
      ["NAT gateway hours", 0.045, 32.85],
      ["NAT gateway data processed (estimate)", 0.045, 4.5],
      ["Public IPv4 addresses (the NAT gateways' Elastic IPs)", 0.005, 3.65],
      ["Customer managed KMS keys used (yours, billed once however many stacks use them)", 1, 1],
      ["SSM standard parameters", 0, 0],
    ]);
    expect(summary.prod.cost.monthlyUsd).toBe(42);
    expect(summary.prod.pullBudget).toMatchObject({ limitPer6h: 200, pullsPerBuild: 10, buildsPer6h: 20 });
    // shared (eu-west-1) hosts the mirror: one secret and the mirror's storage, which the price table has no eu-west-1 price for.
    expect(summary.shared.cost.items.map((i) => [i.item, i.unitPriceUsd])).toEqual([
      ["Secrets Manager secrets", null],
      ["ECR storage for the mirror (estimate)", null],
    ]);
    expect(summary.shared.cost.unpriced).toEqual(["Secrets Manager secrets", "ECR storage for the mirror (estimate)"]);
    expect(summary.shared.cost.notes).toContain("No eu-west-1 price for: Secrets Manager secrets; ECR storage for the mirror (estimate). Not in the total.");
    for (const name of ["dev", "shared"]) {
      expect(environments.get(name)!.strategies).toContain("mirror");
      expect(summary[name].pullBudget.buildsPer6h).toBeNull();
    }
  });

  test("the page shows unit prices at their precision, quantities with plurals, and says where no price is known", () => {
    const prod = fs.readFileSync(path.join(outdir, "review", "prod.md"), "utf8");
    expect(prod).toContain("| NAT gateway hours | 730 hours | $0.045 | $32.85 |");
    expect(prod).toContain("| NAT gateway data processed (estimate) | 100 GB | $0.045 | $4.50 |");
    expect(prod).toContain("| Customer managed KMS keys used (yours, billed once however many stacks use them) | 1 key | $1.00 | $1.00 |");
    expect(prod).toContain("**20 builds per 6 hours** fit in 200 pulls, counted per the Docker Hub account, at 10 pulls per build.");
    const shared = fs.readFileSync(path.join(outdir, "review", "shared.md"), "utf8");
    expect(shared).toContain("### Estimated monthly cost: $0.00 + 2 items without a price");
    expect(shared).toContain("| Secrets Manager secrets | 1 secret | no price | not counted |");
  });

  test("the comment has a row per environment, with forgets and the state planned from, then each environment's page", () => {
    const comment = fs.readFileSync(path.join(outdir, "review", "comment.md"), "utf8");
    expect(comment).toContain("| environment | create | update | replace | delete | forget | est. monthly cost | builds per 6 h | planned from state |");
    expect(comment).toContain("| prod | 29 | 0 | 0 | 0 | 0 | $42.00 | 20 | **EMPTY (not read)** |");
    for (const name of shippedEnvironmentNames()) expect(comment).toContain(fs.readFileSync(path.join(outdir, "review", `${name}.md`), "utf8"));
  });

  test("reviewing one environment rewrites its pages and leaves the others' as they are", async () => {
    const before = (name: string) => fs.statSync(path.join(outdir, "review", `${name}.md`)).mtimeMs;
    const times = { dev: before("dev"), prod: before("prod") };
    const again = await review("--offline", "--outdir", outdir, "dev");
    expect(again.status).toBe(0);
    expect(before("prod")).toBe(times.prod);
    expect(before("dev")).toBeGreaterThan(times.dev);
    // The summary and the comment still hold every environment's latest page.
    expect(Object.keys(JSON.parse(fs.readFileSync(path.join(outdir, "review", "summary.json"), "utf8")))).toEqual(shippedEnvironmentNames());
  }, PLAN_TIMEOUT);
});

describeWithTerraform("the Docker Hub limits come from config", () => {
  test("estimates.dockerHubLimits sets the pull budget", () => {
    const dev = environmentFrom(merge(readShipped("prod"), { estimates: { dockerHubLimits: { personalPer6h: 100 } } }), "prod");
    expect(pullBudget(dev)).toMatchObject({ limitPer6h: 100, buildsPer6h: 10 });
    const fixedIp = environmentFrom(merge(readShipped("prod"), { strategy: "fixed-ip", estimates: { dockerHubLimits: { anonymousPer6h: 60 }, pullsPerBuild: 6 } }), "prod");
    expect(pullBudget(fixedIp)).toMatchObject({ limitPer6h: 60, buildsPer6h: 10 });
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
    const review = summarize(renamed, result.plan, { source: "recorded", where: "terraform.dev.tfstate" }, result.output);
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
