/**
 * Offline plans made once per run: a plan is keyed by the hash of what
 * decides it (the configuration, the state, the variables, destroy or not),
 * and every process that asks for the same one (jest workers, the review CLI
 * they start) gets the first one's result. The first asker takes a lock
 * (mkdir is atomic) and plans; the others wait for its result file. The
 * folder is named by TERRAFORM_PLAN_CACHE (the tests' globalSetup sets it);
 * without it every plan is made.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { PlanResult } from "./plan-json";

export const PLAN_CACHE_VARIABLE = "TERRAFORM_PLAN_CACHE";

interface Entry {
  readonly result?: PlanResult;
  readonly error?: string;
}

/** The key of a plan: the hash of everything that decides it. */
export function planKey(stackJson: unknown, options: unknown): string {
  return createHash("sha256").update(JSON.stringify([stackJson, options])).digest("hex").slice(0, 24);
}

/** Directories of cached plans belong to the run, not to the file that made them: its clean-up leaves them. */
export function isCachedPlanDir(dir: string): boolean {
  const folder = process.env[PLAN_CACHE_VARIABLE];
  return folder !== undefined && fs.existsSync(path.join(folder, "dirs", encodeURIComponent(dir)));
}

/** The plan under `key`: this run's, or made now by `make` and kept for the run. */
export async function cachedPlan(key: string, make: () => Promise<PlanResult>, timeoutMs: number): Promise<PlanResult> {
  const folder = process.env[PLAN_CACHE_VARIABLE];
  if (!folder) return make();
  fs.mkdirSync(path.join(folder, "dirs"), { recursive: true });
  const resultFile = path.join(folder, `${key}.json`);
  try {
    fs.mkdirSync(path.join(folder, `${key}.lock`));
  } catch {
    return waitFor(resultFile, timeoutMs);
  }
  let entry: Entry;
  try {
    const result = await make();
    fs.writeFileSync(path.join(folder, "dirs", encodeURIComponent(result.dir)), "");
    entry = { result };
  } catch (error) {
    entry = { error: (error as Error).message };
  }
  fs.writeFileSync(`${resultFile}.tmp`, JSON.stringify(entry));
  fs.renameSync(`${resultFile}.tmp`, resultFile);
  return unpack(entry);
}

async function waitFor(resultFile: string, timeoutMs: number): Promise<PlanResult> {
  const deadline = Date.now() + timeoutMs;
  while (!fs.existsSync(resultFile)) {
    if (Date.now() > deadline) throw new Error(`no plan result in ${resultFile} after ${timeoutMs / 1000} s (the worker making it died?)`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return unpack(JSON.parse(fs.readFileSync(resultFile, "utf8")) as Entry);
}

function unpack(entry: Entry): PlanResult {
  if (entry.error !== undefined) throw new Error(entry.error);
  return entry.result!;
}

/** Removes the run's cache and the plan directories it kept (globalTeardown). */
export function removePlanCache(folder: string): void {
  const dirs = path.join(folder, "dirs");
  if (fs.existsSync(dirs)) for (const name of fs.readdirSync(dirs)) fs.rmSync(decodeURIComponent(name), { recursive: true, force: true });
  fs.rmSync(folder, { recursive: true, force: true });
}
