/**
 * The Terraform runner's own bookkeeping, without Terraform: the plan cache
 * that makes an offline plan once per run, and the clean-up of provider pool
 * files a killed run left behind.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cachedPlan, isCachedPlanDir, PLAN_CACHE_VARIABLE, PlanResult, planKey, removePlanCache, removeStalePoolFiles } from "../terraform";

describe("the run's plan cache", () => {
  let folder: string;
  beforeEach(() => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), "plan-cache-"));
    process.env[PLAN_CACHE_VARIABLE] = folder;
  });
  afterEach(() => {
    delete process.env[PLAN_CACHE_VARIABLE];
    fs.rmSync(folder, { recursive: true, force: true });
  });

  const made = (dir: string): PlanResult => ({ dir, plan: { planned_values: { root_module: {} }, configuration: {}, errored: false }, output: "Plan: 1 to add." });

  test("the same plan asked for twice at once is made once; both askers get it, and its directory outlives the clean-up of either", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-dir-"));
    let makes = 0;
    const make = async () => {
      makes++;
      await new Promise((resolve) => setTimeout(resolve, 300));
      return made(dir);
    };
    const key = planKey({ resource: {} }, { variables: {} });
    const [first, second] = await Promise.all([cachedPlan(key, make, 10_000), cachedPlan(key, make, 10_000)]);
    expect(makes).toBe(1);
    expect(second).toEqual(first);
    expect(isCachedPlanDir(dir)).toBe(true);
    removePlanCache(folder);
    expect(fs.existsSync(dir)).toBe(false);
  });

  test("what decides the plan decides the key: other variables are another plan", () => {
    expect(planKey({ resource: {} }, { variables: { a: "1" } })).not.toBe(planKey({ resource: {} }, { variables: { a: "2" } }));
    expect(planKey({ resource: {} }, { variables: {} })).toBe(planKey({ resource: {} }, { variables: {} }));
  });

  test("a failed plan fails for every asker, with its message", async () => {
    const key = planKey({ broken: true }, {});
    const failing = () => Promise.reject(new Error("terraform failed for dev: Error: Instance cannot be destroyed"));
    await expect(cachedPlan(key, failing, 10_000)).rejects.toThrow("Instance cannot be destroyed");
    await expect(cachedPlan(key, failing, 10_000)).rejects.toThrow("Instance cannot be destroyed");
  });

  test("without a run folder, every plan is made", async () => {
    delete process.env[PLAN_CACHE_VARIABLE];
    let makes = 0;
    const make = async () => (makes++, made("/nowhere"));
    await cachedPlan("k", make, 1000);
    await cachedPlan("k", make, 1000);
    expect(makes).toBe(2);
  });
});

test("pool files of runs that are gone are removed with their locks; a running run's stay", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pools-"));
  // A pid far above Linux's default pid_max (4194304) belongs to no process.
  const gone = path.join(dir, "provider-pool-99999999.json");
  const running = path.join(dir, `provider-pool-${process.pid}.json`);
  for (const file of [gone, running]) {
    fs.writeFileSync(file, "{}");
    fs.mkdirSync(`${file}.locks`);
  }
  removeStalePoolFiles(dir);
  expect(fs.readdirSync(dir).sort()).toEqual([path.basename(running), `${path.basename(running)}.locks`]);
  fs.rmSync(dir, { recursive: true, force: true });
});
