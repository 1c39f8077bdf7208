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

export default async function globalSetup(): Promise<void> {
  // The plan and apply projects each name this setup: the pool starts once for both.
  if ((globalThis as { providerPool?: ProviderPool }).providerPool || process.env.DOCKER_PULLS_SETUP_DONE) return;
  process.env.DOCKER_PULLS_SETUP_DONE = "1";
  // One plan cache for the run, shared by every worker (they inherit this environment).
  process.env[PLAN_CACHE_VARIABLE] = path.join(WORK_ROOT, `plan-cache-${process.pid}`);
  fs.rmSync(COVERAGE_DIR, { recursive: true, force: true });
  // Terraform and the provider are Go programs that spend about a third of their CPU collecting garbage while
  // they decode the provider's schema. With collection off up to a soft limit of 1 GiB per process (plan and
  // show of prod peak at 700 MB), their CPU for a plan and show of prod falls from 3.5 s to 2.5 s. A run holds
  // up to a dozen of them at once, so only where memory allows; a variable the caller set wins.
  if (os.totalmem() >= 16 * 2 ** 30) {
    process.env.GOGC ??= "off";
    process.env.GOMEMLIMIT ??= "1GiB";
  }
  const terraform = setUpTerraform({ quiet: true });
  if (!terraform) return;
  // The one init every local copy shares (an init hashes the 675 MB provider).
  await sharedDataDir(terraform);
  if (process.env.TF_PROVIDER_POOL === "off") return;
  const pool = await startProviderPool(terraform, Math.max(2, os.cpus().length));
  process.env[PROVIDER_POOL_VARIABLE] = pool.file;
  (globalThis as { providerPool?: ProviderPool }).providerPool = pool;
  // A run interrupted before globalTeardown still stops them.
  process.once("exit", () => pool.stop());
}
