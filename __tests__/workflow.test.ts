/** The pull-request workflow: valid for GitHub (its own parser and schema), and wired as the README says. */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { loadEnvironments } from "../config";
import { stsAudience } from "../aws/partitions";
import { PROJECT_ROOT } from "./support/environments";

const WORKFLOW = path.join(PROJECT_ROOT, ".github", "workflows", "infrastructure.yml");
const script = (name: string, args: string[] = []) =>
  spawnSync(process.execPath, ["--import", "tsx", `scripts/${name}.ts`, ...args], { cwd: PROJECT_ROOT, encoding: "utf8" });

type Step = { uses?: string; run?: string; with?: Record<string, unknown>; if?: string; env?: Record<string, string> };
type Job = { if?: string; needs?: string | string[]; permissions?: Record<string, string>; environment?: string; steps: Step[]; strategy?: { matrix: Record<string, unknown> } };
const workflow = parse(fs.readFileSync(WORKFLOW, "utf8")) as { on: Record<string, unknown>; jobs: Record<string, Job> };
const step = (job: Job, uses: string) => job.steps.find((s) => s.uses?.startsWith(uses));
const runs = (job: Job) => job.steps.map((s) => s.run).filter(Boolean);

describe("GitHub's workflow parser", () => {
  test("accepts .github/workflows/infrastructure.yml", () => {
    const result = script("check-workflows");
    expect(result.stderr).toBe("");
    expect(result).toMatchObject({ status: 0, stdout: "1 workflow file(s) valid\n" });
  });

  test("rejects a broken copy, naming the line (the check can fail)", () => {
    const broken = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "workflow-")), "broken.yml");
    fs.writeFileSync(broken, fs.readFileSync(WORKFLOW, "utf8").replace("runs-on: ubuntu-latest", "runz-on: ubuntu-latest"));
    const result = script("check-workflows", [broken]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/\(Line: \d+, Col: \d+\): Unexpected value 'runz-on'/);
  });
});

describe("the jobs", () => {
  test("every pull request and every push to main: install, type-check, test with Terraform and the emulator required, synthesize", () => {
    expect(Object.keys(workflow.on).sort()).toEqual(["pull_request", "push"]);
    // As .ci/run does: an apply file that failed only on the emulator flake runs once more (emulator-flakes.test.ts).
    const test = 'npm test -- --json --outputFile="$RUNNER_TEMP/jest.json" || node --import tsx __tests__/support/emulator-flakes.ts "$RUNNER_TEMP/jest.json"';
    expect(runs(workflow.jobs.test)).toEqual(["pip install 'moto[server]==5.2.1'", "npm ci", "npm run typecheck", test, "npm run synth", 'npm run --silent ci:matrix >> "$GITHUB_OUTPUT"']);
    expect(workflow.jobs.test.steps.find((s) => s.run === test)?.env).toEqual({ REQUIRE_TERRAFORM: "1", REQUIRE_EMULATOR: "1" });
    expect(fs.readFileSync(path.join(PROJECT_ROOT, ".ci", "run"), "utf8")).toContain('npm test -- --json --outputFile="$results" || node --import tsx __tests__/support/emulator-flakes.ts "$results"');
    expect(workflow.jobs.test.steps.map((s) => s.run)).toContain("pip install 'moto[server]==5.2.1'");
  });

  test("a plan per environment with OIDC credentials from its plan role (offline without one), uploaded for the comment", () => {
    const plan = workflow.jobs.plan;
    expect(plan.if).toBe("github.event_name == 'pull_request'");
    expect(plan.permissions).toEqual({ contents: "read", "id-token": "write" });
    expect(plan.strategy?.matrix).toEqual({ include: "${{ fromJSON(needs.test.outputs.environments) }}" });
    expect(step(plan, "aws-actions/configure-aws-credentials")?.with).toEqual({ "role-to-assume": "${{ matrix.planRoleArn }}", "aws-region": "${{ matrix.region }}", audience: "${{ matrix.audience }}" });
    expect(runs(plan)).toContain("npm run review -- ${{ matrix.planRoleArn == '' && '--offline' || '' }} ${{ matrix.name }}");
    expect(step(plan, "actions/upload-artifact")?.with?.path).toBe("cdktf.out/review/");
  });

  test("one sticky comment per pull request, built from every environment's review", () => {
    const comment = workflow.jobs.comment;
    expect(comment.permissions).toEqual({ contents: "read", "pull-requests": "write" });
    expect(step(comment, "marocchino/sticky-pull-request-comment")?.with).toEqual({ header: "infrastructure-plan-review", path: "comment.md" });
    expect(runs(comment)).toContain("npm run --silent review:comment -- reviews $ENVIRONMENTS > comment.md");
  });

  test("deploys on merge to main only, per environment, behind its GitHub environment, with its deploy role", () => {
    const deploy = workflow.jobs.deploy;
    expect(deploy.if).toMatch(/^github.event_name == 'push' && github.ref == 'refs\/heads\/main'/);
    expect(deploy.environment).toBe("${{ matrix.name }}");
    expect(deploy.strategy?.matrix).toEqual({ include: "${{ fromJSON(needs.test.outputs.deployable) }}" });
    expect(step(deploy, "aws-actions/configure-aws-credentials")?.with).toEqual({ "role-to-assume": "${{ matrix.deployRoleArn }}", "aws-region": "${{ matrix.region }}", audience: "${{ matrix.audience }}" });
    expect(runs(deploy)).toContain("npx cdktf deploy ${{ matrix.name }} --auto-approve");
  });
});

describe("the matrices and the comment come from the environment files", () => {
  test("ci:matrix: every environment to plan, with its roles; those with a deploy role to deploy", () => {
    const result = script("ci-matrix");
    expect(result.status).toBe(0);
    const outputs = Object.fromEntries(result.stdout.trim().split("\n").map((line) => [line.slice(0, line.indexOf("=")), JSON.parse(line.slice(line.indexOf("=") + 1))]));
    const environments = loadEnvironments({ projectRoot: PROJECT_ROOT });
    expect(outputs.environments).toEqual(
      environments.map((e) => ({ name: e.name, account: e.accountId, region: e.region, audience: "sts.amazonaws.com", planRoleArn: e.deploy.ciPlanRoleArn ?? "", deployRoleArn: e.deploy.ciDeployRoleArn ?? "" })),
    );
    expect(outputs.deployable.map((e: { name: string }) => e.name)).toEqual(environments.filter((e) => e.deploy.ciDeployRoleArn).map((e) => e.name));
    expect(outputs.deployable.length).toBeGreaterThan(0);
  });

  test("the OIDC audience the workflow asks for is the one the bootstrap's roles trust, in China too", () => {
    expect(stsAudience("eu-west-1")).toBe("sts.amazonaws.com");
    expect(stsAudience("us-gov-west-1")).toBe("sts.amazonaws.com");
    expect(stsAudience("cn-north-1")).toBe("sts.amazonaws.com.cn");
  });

  test("review:comment gathers the uploaded reviews and names the environments whose plan failed", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "reviews-"));
    const review = (environment: string) => ({
      environment, account: "111111111111", region: "eu-west-1", strategies: ["authenticated"], mode: "offline",
      plannedFrom: { source: "recorded", where: "terraform.dev.tfstate" },
      counts: { create: 2, update: 0, delete: 1, replace: 0, forget: 0 }, terraformSays: "Plan: 2 to add, 0 to change, 1 to destroy.",
      destroyed: ["aws_s3_bucket.old"], replaced: [], forgotten: [], changes: [{ address: "aws_s3_bucket.old", action: "delete" }],
      cost: { monthlyUsd: 0, items: [], unpriced: [], notes: [] },
      pullBudget: { limitPer6h: 200, countedPer: "the Docker Hub account", pullsPerBuild: 10, buildsPer6h: 20, explanation: "..." },
    });
    fs.mkdirSync(path.join(dir, "review-dev"));
    fs.writeFileSync(path.join(dir, "review-dev", "summary.json"), JSON.stringify({ dev: review("dev") }));
    const result = script("review-comment", [dir, "dev", "prod"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("| dev | 2 | 0 | 0 | **1** | 0 | $0.00 | 20 | recorded (not refreshed) |");
    expect(result.stdout).toContain("## prod: **the plan failed**");
    expect(result.stdout).toContain("- **destroy `aws_s3_bucket.old`**");
  });
});
