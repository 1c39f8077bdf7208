/**
 * A sample of generated valid environment files through the real provider:
 * three per run (plans cost seconds), from a fixed seed so a failure
 * reproduces (FUZZ_SEED=<n> to explore others).
 */
import * as fc from "fast-check";
import { validateEnvironment } from "../config";
import { validEnvironmentFile } from "./support/arbitraries";
import { PROJECT_ROOT, synthStackJson } from "./support/environments";
import { cleanUpPlansAfterAll, describeWithTerraform, PLAN_TIMEOUT, startPlan } from "./support/plans";

cleanUpPlansAfterAll();

const SEED = Number(process.env.FUZZ_SEED ?? 20261127);

describeWithTerraform(`generated environments (seed ${SEED}), planned by the real provider`, () => {
  // Mixed strategies, so each sampled plan covers more than one construct family.
  const files = fc.sample(validEnvironmentFile.filter((f) => Array.isArray(f.strategy) && f.strategy.length >= 2), { numRuns: 3, seed: SEED });
  const plans = files.map((file, index) => {
    const { environment, problems } = validateEnvironment(file, { name: "fuzz", file: "environments/fuzz.json", projectRoot: PROJECT_ROOT });
    if (!environment) throw new Error(`generated an invalid file: ${JSON.stringify(problems)}`);
    return { file, planned: startPlan(`fuzz-${index}`, synthStackJson(environment)) };
  });

  test.each(plans.map((p, i) => [i, JSON.stringify(p.file.strategy), p] as const))("sample %i (%s) plans cleanly", async (_i, _strategy, { planned }) => {
    const { plan } = await planned;
    expect(plan.errored).toBe(false);
    expect((plan.resource_changes ?? []).length).toBeGreaterThan(0);
  }, PLAN_TIMEOUT);
});
