/**
 * The house has one direction: AWS facts, policies and the Terraform runner
 * at the ground, constructs above them, config above constructs, stacks above
 * config, the review and the doctor above stacks, and the app and scripts on top. A folder
 * never imports one above it (nor one beside it on its floor), and loading the
 * config does not load cdktf.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "./support/environments";

/** Each top-level folder (or file) of the source and its floor. */
const FLOORS: Record<string, number> = {
  aws: 0,
  policies: 0,
  terraform: 0,
  constructs: 1,
  config: 2,
  stacks: 3,
  review: 4,
  doctor: 4,
  scripts: 5,
  "main.ts": 5,
  "index.ts": 5,
};

interface Import {
  readonly from: string;
  readonly to: string;
}

/** Every relative import of every source file, as project-relative paths. */
function sourceImports(root: string): Import[] {
  const files = Object.keys(FLOORS).flatMap((top) => {
    const full = path.join(root, top);
    if (!fs.existsSync(full)) return [];
    if (fs.statSync(full).isFile()) return [top];
    return (fs.readdirSync(full, { recursive: true, encoding: "utf8" }) as string[]).filter((f) => f.endsWith(".ts")).map((f) => path.join(top, f));
  });
  return files.flatMap((file) => {
    const text = fs.readFileSync(path.join(root, file), "utf8");
    return [...text.matchAll(/^(?:import|export)[^;]*?from "(\.{1,2}\/[^"]+)"/gms)].map((m) => ({
      from: file,
      to: path.normalize(path.join(path.dirname(file), m[1])),
    }));
  });
}

function topOf(file: string): string {
  return file.split(path.sep)[0];
}

/** The imports that run up a floor, or sideways to another folder on the same floor. */
function violations(imports: readonly Import[]): string[] {
  return imports
    .filter(({ from, to }) => {
      const [a, b] = [topOf(from), topOf(to)];
      if (a === b || !(b in FLOORS)) return false;
      return FLOORS[b] >= FLOORS[a];
    })
    .map(({ from, to }) => `${from} (floor ${FLOORS[topOf(from)]}) imports ${to} (floor ${FLOORS[topOf(to)]})`);
}

describe("one direction of dependency", () => {
  test("no folder imports one above it or beside it", () => {
    const imports = sourceImports(PROJECT_ROOT);
    expect(imports.length).toBeGreaterThan(100);
    expect(violations(imports)).toEqual([]);
  });

  test("the check fails for an import that runs up, or sideways", () => {
    expect(
      violations([
        { from: "constructs/ecr-mirror.ts", to: "config/schema" },
        { from: "aws/rules.ts", to: "policies/rule" },
        { from: "stacks/app.ts", to: "config/read" },
      ]),
    ).toEqual(["constructs/ecr-mirror.ts (floor 1) imports config/schema (floor 2)", "aws/rules.ts (floor 0) imports policies/rule (floor 0)"]);
  });

  test.each([
    ["config", "config/index.ts"],
    ["the CI matrix", "scripts/ci-matrix.ts"],
  ])("loading %s does not load cdktf", (_what, file) => {
    const probe =
      `require(${JSON.stringify(path.join(PROJECT_ROOT, file))});` +
      "const loaded = Object.keys(require.cache).filter((m) => /node_modules[\\\\/](cdktf|@cdktf)[\\\\/]/.test(m));" +
      "process.stdout.write('\\n' + JSON.stringify(loaded.length));";
    const result = spawnSync(process.execPath, ["--require", "tsx/cjs", "-e", probe], { cwd: PROJECT_ROOT, encoding: "utf8" });
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.stdout.trim().split("\n").pop()).toBe("0");
  });
});
