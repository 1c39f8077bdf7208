/** main.ts end to end, as `cdktf synth` runs it: one stack per file, or nothing at all and every problem listed. */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { minimalFile, PROJECT_ROOT, shippedEnvironmentNames, TOP_LEVEL_FIELDS } from "./support/environments";

interface AppRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** main.ts, as `npm run synth` runs it, writing to `outdir`. */
function runApp(outdir: string, environmentsDir?: string): Promise<AppRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "main.ts"],
      {
        cwd: PROJECT_ROOT,
        env: {
          ...process.env,
          CDKTF_OUTDIR: outdir,
          ...(environmentsDir ? { CDKTF_CONTEXT_JSON: JSON.stringify({ environments: environmentsDir }) } : {}),
        },
        encoding: "utf8",
      },
      (error, stdout, stderr) => resolve({ status: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

const stacksIn = (outdir: string) =>
  fs.existsSync(path.join(outdir, "stacks")) ? fs.readdirSync(path.join(outdir, "stacks")).sort() : [];

// The app runs of every test, started together (each is a process of its own: a core each). The synth into a
// folder holding a stale stack is also the second synth that must match the first byte for byte.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "app-"));
const out = (name: string) => path.join(tmp, name);
const brokenFiles = path.join(tmp, "environments");
let runs: Record<"shipped" | "afterDelete" | "broken", AppRun>;
beforeAll(async () => {
  fs.mkdirSync(path.join(out("after-delete"), "stacks", "deleted-env"), { recursive: true });
  fs.writeFileSync(path.join(out("after-delete"), "stacks", "deleted-env", "cdk.tf.json"), "{}");
  fs.mkdirSync(brokenFiles);
  fs.writeFileSync(path.join(brokenFiles, "good.json"), JSON.stringify(minimalFile()));
  fs.writeFileSync(path.join(brokenFiles, "typo.json"), JSON.stringify({ ...minimalFile(), stratgy: "mirror" }));
  fs.writeFileSync(path.join(brokenFiles, "later.json"), JSON.stringify(minimalFile({ strategy: "fast", account: "42" })));
  const [shipped, afterDelete, broken] = await Promise.all([runApp(out("shipped")), runApp(out("after-delete")), runApp(out("broken"), brokenFiles)]);
  runs = { shipped, afterDelete, broken };
}, 120_000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test("writes cdktf.out/stacks/<env>/cdk.tf.json for every environment file, and a manifest cdktf reads", () => {
  const outdir = out("shipped");
  expect(runs.shipped).toMatchObject({ status: 0, stderr: "" });
  // Each environment's stack, and the bootstrap of those deployed from CI.
  const stacks = ["dev", "prod", "prod-bootstrap", "shared", "shared-bootstrap"];
  expect(shippedEnvironmentNames()).toEqual(["dev", "prod", "shared"]);
  expect(stacksIn(outdir)).toEqual(stacks);
  for (const name of stacks) {
    const stack = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", name, "cdk.tf.json"), "utf8"));
    expect(stack["//"].metadata.stackName).toBe(name);
  }
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8"));
  expect(Object.keys(manifest.stacks).sort()).toEqual(stacks);
});

test("like cdktf synth, a synth removes the folder of a stack whose file is gone", () => {
  expect(runs.afterDelete.status).toBe(0);
  expect(stacksIn(out("after-delete"))).toEqual(["dev", "prod", "prod-bootstrap", "shared", "shared-bootstrap"]);
});

test("two synths of the same config are byte-identical", () => {
  expect(runs.afterDelete.status).toBe(0);
  expect(stacksIn(out("shipped"))).toHaveLength(5);
  for (const name of stacksIn(out("shipped"))) {
    const file = (dir: string) => fs.readFileSync(path.join(out(dir), "stacks", name, "cdk.tf.json"));
    expect({ name, identical: file("shipped").equals(file("after-delete")) }).toEqual({ name, identical: true });
  }
});

test("a broken file: exit 1, every problem in every file on stderr, no stack trace, no stack written", () => {
  const result = runs.broken;
  expect(result.status).toBe(1);
  expect(result.stdout).toBe("");
  const file = (name: string) => path.relative(PROJECT_ROOT, path.join(brokenFiles, name));
  expect(result.stderr.trimEnd().split("\n")).toEqual([
    "Invalid environment configuration: 3 problems in 2 files. Nothing was synthesized.",
    "",
    file("later.json"),
    '  account: received "42"; expected a 12-digit AWS account id, as a string',
    '  strategy: received "fast"; expected one of "authenticated", "fixed-ip", "mirror", or a non-empty list of them',
    "",
    file("typo.json"),
    `  stratgy: received "mirror"; unknown field (did you mean "strategy"?); allowed here: ${TOP_LEVEL_FIELDS}`,
  ]);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  // Not even the valid environment: a broken set of files never becomes stacks.
  expect(stacksIn(out("broken"))).toEqual([]);
});
