/** The test harness's own edges: when Terraform runs without Go's garbage collector, and the bash stand-ins. */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as path from "node:path";
import { goGarbageCollection } from "./support/global-setup";
import { StandIns } from "./support/stand-ins";

const GiB = 2 ** 30;

describe("Go's garbage collector is off only where memory holds every Go process of the run at 1 GiB, and 4 GiB more", () => {
  test.each([
    ["2 cores, 24 GiB (pool 2, 4 workers: 12 processes)", { pool: 2, workers: 4, memoryBytes: 24 * GiB }, { GOGC: "off", GOMEMLIMIT: "1GiB" }],
    ["2 cores, exactly 16 GiB", { pool: 2, workers: 4, memoryBytes: 16 * GiB }, { GOGC: "off", GOMEMLIMIT: "1GiB" }],
    ["8 cores, 16 GiB (pool 8, 10 workers: 30 processes)", { pool: 8, workers: 10, memoryBytes: 16 * GiB }, {}],
    ["8 cores, 34 GiB", { pool: 8, workers: 10, memoryBytes: 34 * GiB }, { GOGC: "off", GOMEMLIMIT: "1GiB" }],
  ])("%s", (_machine, run, expected) => {
    expect(goGarbageCollection({ ...run, env: {} })).toEqual(expected);
  });

  test.each([{ GOGC: "200" }, { GOMEMLIMIT: "off" }])("left alone when the caller set %p", (env) => {
    expect(goGarbageCollection({ pool: 2, workers: 4, memoryBytes: 64 * GiB, env })).toEqual({});
  });
});

describe("the stand-ins", () => {
  let standIns: StandIns;
  beforeEach(() => {
    standIns = new StandIns();
  });
  afterEach(() => standIns.remove());

  test("without a folder to record in, a stand-in fails at once, saying so", () => {
    const aws = path.join(standIns.dir, "bin", "aws");
    const ran = spawnSync(aws, ["sts", "get-caller-identity"], { env: { PATH: process.env.PATH, STAND_IN_LOG: path.join(standIns.dir, "gone") }, encoding: "utf8", timeout: 10_000 });
    expect({ status: ran.status, stderr: ran.stderr }).toEqual({ status: 90, stderr: `aws stand-in: STAND_IN_LOG is not a folder: ${path.join(standIns.dir, "gone")}\n` });
  });

  test("values are printed as given, even ones echo would take for options", () => {
    expect(standIns.bash("aws sts get-caller-identity", { STAND_IN_ACCOUNT: "-n" }).stdout).toBe("-n\n");
  });

  test("copies are kept apart by their whole reference: x%y is not x/y", () => {
    const ran = standIns.bash("docker buildx imagetools create --tag 'x%y' s/a:1 && docker buildx imagetools inspect x/y && docker buildx imagetools inspect 'x%y'");
    const [other, copy] = ran.stdout.trim().split("\n");
    expect(copy).toBe(JSON.stringify(`sha256:${sha256("s/a:1")}`));
    expect(other).toBe(JSON.stringify(`sha256:${sha256("x/y")}`));
  });

  test("STAND_IN_FAIL names whole commands or subcommands, separated by commas", () => {
    expect(standIns.bash("docker push x", { STAND_IN_FAIL: "docker push,aws" }).status).toBe(7);
    expect(standIns.bash("docker pushx x", { STAND_IN_FAIL: "docker push" }).status).toBe(0);
    expect(standIns.bash("docker", { STAND_IN_FAIL: "docker " }).status).toBe(0);
  });
});

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
