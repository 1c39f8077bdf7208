/**
 * One environment file's parsed JSON, validated: secrets first, then the
 * schema, then the checks that need several fields at once, then every
 * default and derived name resolved.
 */
import { findSecrets } from "../policies/secrets";
import { checkAcrossFields, Reporter, warningsFor } from "./checks";
import { Environment } from "./environment";
import { describeIssue, formatPath, Problem } from "./problems";
import { BOOTSTRAP_SUFFIX, resolveEnvironment } from "./resolve";
import { EnvironmentFile, EnvironmentFileSchema } from "./schema";

/** Environment names become stack and resource names. */
const ENVIRONMENT_NAME = /^[a-z](?:[a-z0-9-]{0,14}[a-z0-9])?$/;

export interface Validation {
  readonly problems: Problem[];
  /** Settings that do nothing with these strategies, and defaults worth knowing about; only for files without problems. */
  readonly warnings: Problem[];
  /** Present only when there are no problems. */
  readonly environment?: Environment;
}

export interface ValidationContext {
  /** The environment's name (the file name without .json). */
  readonly name: string;
  /** The file, as messages should name it. */
  readonly file: string;
  /** Relative paths in the config (buildspecFile, state.path) resolve against it. */
  readonly projectRoot: string;
}

/**
 * Validates parsed environment JSON: secrets, the schema, then the checks
 * that need several fields at once. Those run on every field that parsed,
 * even when others did not, so one run reports every problem.
 */
export function validateEnvironment(raw: unknown, context: ValidationContext): Validation {
  const { name, file } = context;
  const problems: Problem[] = [];
  const report: Reporter = (keys, message, received) =>
    problems.push({ file, path: formatPath(keys), message, ...(received ? { received: received.value } : {}) });

  if (name.endsWith(BOOTSTRAP_SUFFIX)) {
    report([], `the environment "${name}" would share its stack name with the bootstrap of "${name.slice(0, -BOOTSTRAP_SUFFIX.length)}": rename the file`);
  }
  if (!ENVIRONMENT_NAME.test(name)) {
    report([], `the file name must be <environment>.json, where the environment is 1 to 16 lower-case letters, digits ` +
      `and hyphens starting with a letter (it names the stack and resources); got "${name}"`);
  }

  // Secrets first, and never echo their values.
  const secrets = findSecrets(raw);
  for (const finding of secrets) report(finding.path, finding.message);
  const secretPaths = new Set(secrets.map((s) => formatPath(s.path)));

  const parsed = EnvironmentFileSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      for (const problem of describeIssue(issue, raw)) {
        if (!secretPaths.has(formatPath(problem.path))) report(problem.path, problem.message, problem.received);
      }
    }
  }
  const buildspec = checkAcrossFields(name, parsed.success ? parsed.data : parseEachField(raw), context.projectRoot, report);
  if (!parsed.success || problems.length > 0) return { problems, warnings: [] };
  const environment = resolveEnvironment(name, file, parsed.data, context.projectRoot, buildspec);
  return { problems, warnings: warningsFor(raw as Record<string, unknown>, environment), environment };
}

/** Every top-level field that is valid on its own (defaults applied), for checks that need only those. */
function parseEachField(raw: unknown): Partial<EnvironmentFile> {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return {};
  const fields: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(EnvironmentFileSchema.shape)) {
    const result = schema.safeParse((raw as Record<string, unknown>)[key]);
    if (result.success) fields[key] = result.data;
  }
  return fields as Partial<EnvironmentFile>;
}
