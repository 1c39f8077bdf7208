/** main.ts end to end, as `cdktf synth` runs it: one stack per file, or nothing at all and every problem listed. */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { minimalFile, PROJECT_ROOT, shippedEnvironmentNames, TOP_LEVEL_FIELDS } from "./support/environments";

function runApp(outdir: string, environmentsDir?: string) {
  const result = spawnSync(process.execPath, ["--import", "tsx", "main.ts"], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      CDKTF_OUTDIR: outdir,
      ...(environmentsDir ? { CDKTF_CONTEXT_JSON: JSON.stringify({ environments: environmentsDir }) } : {}),
    },
    encoding: "utf8",
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const stacksIn = (outdir: string) =>
  fs.existsSync(path.join(outdir, "stacks")) ? fs.readdirSync(path.join(outdir, "stacks")).sort() : [];

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "app-"));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

test("writes cdktf.out/stacks/<env>/cdk.tf.json for every environment file, and a manifest cdktf reads", () => {
  const outdir = path.join(tmp, "out");
  const result = runApp(outdir);
  expect(result).toMatchObject({ status: 0, stderr: "" });
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
  const outdir = path.join(tmp, "out");
  fs.mkdirSync(path.join(outdir, "stacks", "deleted-env"), { recursive: true });
  fs.writeFileSync(path.join(outdir, "stacks", "deleted-env", "cdk.tf.json"), "{}");
  expect(runApp(outdir).status).toBe(0);
  expect(stacksIn(outdir)).toEqual(["dev", "prod", "prod-bootstrap", "shared", "shared-bootstrap"]);
});

test("two synths of the same config are byte-identical", () => {
  runApp(path.join(tmp, "a"));
  runApp(path.join(tmp, "b"));
  for (const name of shippedEnvironmentNames()) {
    const file = (dir: string) => fs.readFileSync(path.join(tmp, dir, "stacks", name, "cdk.tf.json"));
    expect(file("a").equals(file("b"))).toBe(true);
  }
});

test("a broken file: exit 1, every problem in every file on stderr, no stack trace, no stack written", () => {
  const environments = path.join(tmp, "environments");
  fs.mkdirSync(environments);
  fs.writeFileSync(path.join(environments, "good.json"), JSON.stringify(minimalFile()));
  fs.writeFileSync(path.join(environments, "typo.json"), JSON.stringify({ ...minimalFile(), stratgy: "mirror" }));
  fs.writeFileSync(path.join(environments, "later.json"), JSON.stringify(minimalFile({ strategy: "fast", account: "42" })));

  const outdir = path.join(tmp, "out");
  const result = runApp(outdir, environments);
  expect(result.status).toBe(1);
  expect(result.stdout).toBe("");
  const file = (name: string) => path.relative(PROJECT_ROOT, path.join(environments, name));
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
  expect(stacksIn(outdir)).toEqual([]);
});
