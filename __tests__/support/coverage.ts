/** What the apply tests applied against the emulator, and what they left out: kept per test file, added up at the end. */
import * as path from "node:path";
import { WORK_ROOT } from "../../terraform";

/** Where each test file leaves its coverage, for globalTeardown to add up. */
export const COVERAGE_DIR = path.join(WORK_ROOT, "emulator-coverage");

/** Per resource type: the addresses applied, and those left out with why. */
export type Coverage = Record<string, { applied: string[]; excluded: Record<string, string> }>;

/** A table: resources applied and excluded per type (each address once, in each file it was deployed in), and every reason. */
export function formatCoverage(title: string, coverages: readonly Coverage[]): string {
  const types = [...new Set(coverages.flatMap((c) => Object.keys(c)))].sort();
  const count = (type: string, pick: "applied" | "excluded") =>
    coverages.reduce((sum, c) => sum + (c[type] ? (pick === "applied" ? c[type].applied.length : Object.keys(c[type].excluded).length) : 0), 0);
  const total = (pick: "applied" | "excluded") => types.reduce((sum, type) => sum + count(type, pick), 0);
  const reasons = [...new Set(coverages.flatMap((c) => Object.values(c).flatMap((e) => Object.values(e.excluded))))].filter((r) => !r.startsWith("depends on"));
  return [
    `${title}: ${total("applied")} resources applied, ${total("excluded")} excluded`,
    ...types.map((type) => `  ${type.padEnd(42)} applied ${String(count(type, "applied")).padStart(3)}   excluded ${String(count(type, "excluded")).padStart(2)}`),
    ...reasons.map((reason) => `  excluded: ${reason}`),
    "  excluded with them: what depends on them (references, depends_on), and the outputs that show them",
  ].join("\n");
}

