/** Stops the provider pool globalSetup started, and prints what the apply tests applied against the emulator, all files together. */
import * as fs from "node:fs";
import * as path from "node:path";
import { PLAN_CACHE_VARIABLE, ProviderPool, removePlanCache } from "../../terraform";
import { COVERAGE_DIR, formatCoverage } from "./coverage";

export default async function globalTeardown(): Promise<void> {
  // The plan and apply projects each name this teardown: the first one does it.
  if (!process.env.DOCKER_PULLS_SETUP_DONE) return;
  delete process.env.DOCKER_PULLS_SETUP_DONE;
  (globalThis as { providerPool?: ProviderPool }).providerPool?.stop();
  const planCache = process.env[PLAN_CACHE_VARIABLE];
  if (planCache) removePlanCache(planCache);
  delete process.env[PLAN_CACHE_VARIABLE];
  const dir = COVERAGE_DIR;
  if (!fs.existsSync(dir)) return;
  const files = fs.readdirSync(dir).filter((file) => file.endsWith(".json"));
  if (files.length > 0) {
    const coverages = files.map((file) => JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")));
    console.log(`\n${formatCoverage(`Emulator coverage, all apply tests (${files.map((f) => path.basename(f, ".json")).join(", ")})`, coverages)}\n`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
}
