/**
 * The package as another project uses it: `npm pack` holds the compiled
 * constructs, their types and the build scripts; examples/cross-account
 * installs it (as a packed copy), type-checks and synthesizes against it,
 * and its stacks plan through the real provider.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_ROOT } from "./support/environments";
import { afterNamed, afterOf, cleanUpPlansAfterAll, describeWithTerraform, list, PLAN_TIMEOUT, rolePolicy, startPlan } from "./support/plans";
import { PlanResult } from "../terraform";

cleanUpPlansAfterAll();

const EXAMPLE = path.join(PROJECT_ROOT, "examples", "cross-account");
const npm = (args: string[], cwd: string) => execFileSync("npm", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/**
 * The example installs the project as `npm pack` packs it, from the dist/ built below (no second build by
 * prepack). `npm ci` deletes and extracts the example's 400 MB of node_modules: 16 s, 17 s of CPU, on
 * 2 cores. So it runs in CI, on a fresh clone, and whenever the example's package.json, lockfile, .npmrc
 * or npm itself changed since the last install that finished (a stamp in node_modules records them).
 * Otherwise only the package is installed again, in about 1 s: npm packs it anew, and the third-party
 * modules stay as that `npm ci` left them (`--no-save`: nothing is written to the lockfile).
 */
function installExample(): void {
  const modules = path.join(EXAMPLE, "node_modules");
  const stamp = path.join(modules, ".installed-from");
  const inputs = installInputs();
  const clean = process.env.CI !== undefined || !fs.existsSync(stamp) || fs.readFileSync(stamp, "utf8") !== inputs;
  // Removed first and written last: an install that did not finish leaves no stamp, and the next run is clean.
  fs.rmSync(stamp, { force: true });
  if (clean) {
    npm(["ci", "--no-audit", "--no-fund", "--ignore-scripts"], EXAMPLE);
  } else {
    // npm does not see a change inside a file: dependency it installed as a copy ("up to date"): remove the copy.
    fs.rmSync(path.join(modules, "dockerhub-pull-escape"), { recursive: true, force: true });
    npm(["install", "--no-save", "--no-audit", "--no-fund", "--ignore-scripts"], EXAMPLE);
  }
  fs.writeFileSync(stamp, inputs);
}

/** What decides the example's third-party modules: its package.json, lockfile and .npmrc, and npm's version. */
function installInputs(): string {
  const hash = createHash("sha256");
  for (const file of ["package.json", "package-lock.json", ".npmrc"]) hash.update(fs.readFileSync(path.join(EXAMPLE, file)));
  hash.update(npm(["--version"], EXAMPLE));
  return hash.digest("hex");
}

/** The files `npm pack` puts in the package (paths inside it), from the dist/ built below. */
let packed: string[] = [];

// One build of the package for the whole file: the pack test reads it, the example installs it.
beforeAll(() => {
  npm(["run", "build"], PROJECT_ROOT);
  const [pack] = JSON.parse(npm(["pack", "--dry-run", "--json", "--ignore-scripts"], PROJECT_ROOT)) as { files: { path: string }[] }[];
  packed = pack.files.map((f) => f.path).sort();
}, 120_000);

describe("npm pack", () => {
  test("holds the compiled package, its types, the build's scripts and the schema; no tests, no environments", () => {
    expect(packed).toEqual(
      expect.arrayContaining([
        "package.json",
        "README.md",
        "dist/index.js",
        "dist/index.d.ts",
        "dist/constructs/ecr-mirror.js",
        "dist/constructs/ecr-mirror.d.ts",
        "dist/constructs/build-steps/dockerhub-login.sh",
        "dist/constructs/build-steps/mirror-sync.sh",
        "schema/environment.schema.json",
      ]),
    );
    for (const file of packed) expect(file).not.toMatch(/^(__tests__|environments|examples|scripts)\/|^main\.|\.ts$(?<!\.d\.ts$)/);
    // Nothing left in dist/ by the build of a source since deleted: every compiled file has its source.
    const sourceOf = (file: string) => file.replace(/^dist\//, "").replace(/\.(d\.ts|js|js\.map)$/, ".ts");
    const orphans = packed.filter((file) => file.startsWith("dist/") && !fs.existsSync(path.join(PROJECT_ROOT, sourceOf(file))));
    expect(orphans).toEqual([]);
  }, 120_000);
});

describeWithTerraform("examples/cross-account, a separate cdktf app built on the package", () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "example-out-"));
  const plans = new Map<string, Promise<PlanResult>>();
  beforeAll(() => {
    installExample();
    execFileSync(path.join(PROJECT_ROOT, "node_modules", ".bin", "tsc"), ["-p", path.join(EXAMPLE, "tsconfig.json")], { stdio: "pipe" });
    execFileSync(process.execPath, ["--import", "tsx", "main.ts"], { cwd: EXAMPLE, env: { ...process.env, CDKTF_OUTDIR: outdir }, stdio: "pipe" });
    for (const stack of fs.readdirSync(path.join(outdir, "stacks"))) {
      plans.set(stack, startPlan(`example-${stack}`, JSON.parse(fs.readFileSync(path.join(outdir, "stacks", stack, "cdk.tf.json"), "utf8"))));
    }
  }, PLAN_TIMEOUT);
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test("installs the package as a copy of this build, type-checks against its published types, synthesizes three stacks", () => {
    const installed = path.join(EXAMPLE, "node_modules", "dockerhub-pull-escape");
    expect(fs.lstatSync(installed).isSymbolicLink()).toBe(false);
    // The copy is what `npm pack` packs from this run's build, file for file, not one a previous run installed.
    const copied = (fs.readdirSync(installed, { recursive: true }) as string[])
      .filter((file) => !file.split(path.sep).includes("node_modules") && fs.statSync(path.join(installed, file)).isFile())
      .map((file) => file.split(path.sep).join("/"))
      .sort();
    expect(copied).toEqual(packed);
    for (const file of packed) {
      expect({ file, same: fs.readFileSync(path.join(installed, file)).equals(fs.readFileSync(path.join(PROJECT_ROOT, file))) }).toEqual({ file, same: true });
    }
    expect([...plans.keys()].sort()).toEqual(["shared-services", "workload-a", "workload-b"]);
  });

  test("every stack validates and plans with the real provider", async () => {
    for (const [, planned] of plans) expect((await planned).plan.errored).toBe(false);
  }, PLAN_TIMEOUT);

  test("the shared-services mirror lets both workload accounts import through its cache and pull", async () => {
    const { plan } = await plans.get("shared-services")!;
    const [registryPolicy] = afterOf(plan, "aws_ecr_registry_policy");
    const [statement] = JSON.parse(registryPolicy.policy as string).Statement;
    expect(statement.Principal).toEqual({ AWS: ["arn:aws:iam::111111111111:root", "arn:aws:iam::222222222222:root"] });
    expect(afterOf(plan, "aws_scheduler_schedule")).toHaveLength(1);
  }, PLAN_TIMEOUT);

  test.each(["workload-a", "workload-b"])("%s builds against the shared mirror, with pull grants on its ARNs only", async (workload) => {
    const { plan } = await plans.get(workload)!;
    const project = afterNamed(plan, "aws_codebuild_project", `${workload}-docker-build`);
    const variables = (project.environment as { environment_variable: { name: string; value: string }[] }[])[0].environment_variable;
    expect(variables).toContainEqual({ name: "REGISTRY_MIRROR", type: "PLAINTEXT", value: "333333333333.dkr.ecr.eu-west-1.amazonaws.com/docker-hub" });
    const pull = rolePolicy(plan, `${workload}-docker-build-build`).find((s) => s.Sid === "PullThroughMirrorCache")!;
    expect(list(pull.Resource)).toEqual([
      "arn:aws:ecr:eu-west-1:333333333333:repository/docker-hub/*",
      "arn:aws:ecr:eu-west-1:333333333333:repository/ecr-public/*",
    ]);
    expect(afterOf(plan, "aws_ecr_pull_through_cache_rule")).toEqual([]);
  }, PLAN_TIMEOUT);
});
