/**
 * Runs once before the test files: one `terraform init` of the shared data
 * directory, then a pool of running AWS providers (one per core) that every
 * offline plan of the run reattaches to instead of starting its own (a
 * deployment into the emulator runs one of its own). globalTeardown stops
 * them by PID, also when tests failed.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PLAN_CACHE_VARIABLE, PROVIDER_POOL_VARIABLE, ProviderPool, setUpTerraform, sharedDataDir, startProviderPool, WORK_ROOT } from "../../terraform";
import { COVERAGE_DIR } from "./coverage";

/** The pool: a provider per core (two at least). */
const poolSize = Math.max(2, os.cpus().length);

export default async function globalSetup(globalConfig: { maxWorkers: number }): Promise<void> {
  // The plan and apply projects each name this setup: the pool starts once for both.
  if ((globalThis as { providerPool?: ProviderPool }).providerPool || process.env.DOCKER_PULLS_SETUP_DONE) return;
  process.env.DOCKER_PULLS_SETUP_DONE = "1";
  // One plan cache for the run, shared by every worker (they inherit this environment).
  process.env[PLAN_CACHE_VARIABLE] = path.join(WORK_ROOT, `plan-cache-${process.pid}`);
  fs.rmSync(COVERAGE_DIR, { recursive: true, force: true });
  Object.assign(process.env, goGarbageCollection({ pool: poolSize, workers: globalConfig.maxWorkers, memoryBytes: memoryBytes(), env: process.env }));
  const terraform = setUpTerraform({ quiet: true });
  if (!terraform) return;
  // The one init every local copy shares (an init hashes the 675 MB provider).
  await sharedDataDir(terraform);
  if (process.env.TF_PROVIDER_POOL === "off") return;
  const pool = await startProviderPool(terraform, poolSize);
  process.env[PROVIDER_POOL_VARIABLE] = pool.file;
  (globalThis as { providerPool?: ProviderPool }).providerPool = pool;
  // A run interrupted before globalTeardown still stops them.
  process.once("exit", () => pool.stop());
}

/**
 * Terraform and the provider are Go programs that spend about a third of their CPU collecting garbage
 * while they decode the provider's schema. With collection off up to a soft limit of 1 GiB per process
 * (a plan and show of prod peaks at 700 MB), their CPU for a plan and show of prod falls from 3.5 s to
 * 2.5 s. Without collection a process grows to its limit, so this is only for machines with memory for
 * all of them at once (the pool's providers, and each worker's Terraform command and deployment
 * provider, one more for a file with two deployments), and 4 GiB more for jest and the emulator.
 * Nothing when the caller set GOGC or GOMEMLIMIT.
 */
export function goGarbageCollection(run: { pool: number; workers: number; memoryBytes: number; env: NodeJS.ProcessEnv }): NodeJS.ProcessEnv {
  if (run.env.GOGC !== undefined || run.env.GOMEMLIMIT !== undefined) return {};
  const goProcesses = run.pool + 2 * (run.workers + 1);
  return run.memoryBytes >= (goProcesses + 4) * 2 ** 30 ? { GOGC: "off", GOMEMLIMIT: "1GiB" } : {};
}

/** This machine's memory: a container's limit, where there is one (os.totalmem() is the host's). */
function memoryBytes(): number {
  const constrained = process.constrainedMemory?.();
  return constrained && constrained < os.totalmem() ? constrained : os.totalmem();
}
