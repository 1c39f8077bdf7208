/** One thing wrong with one environment file. */
export interface Problem {
  /** The file, relative to the project root. */
  readonly file: string;
  /** Dotted path of the field, e.g. `build.source.type`; empty for the whole file. */
  readonly path: string;
  /** The value found there, as JSON; undefined when the field is missing. */
  readonly received?: unknown;
  /** What is wrong and what is allowed. */
  readonly message: string;
}

/** Thrown when environment files are invalid. Carries every problem in every file. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly Problem[]) {
    super(formatProblems(problems));
    this.name = "ConfigError";
  }
}

/** Renders `received` compactly: long values are shortened, secrets are never echoed by callers. */
function show(value: unknown): string {
  if (value === undefined) return "nothing";
  const json = JSON.stringify(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

/** Groups problems by file, one line each: `path: received X; what is allowed`. */
export function formatProblems(problems: readonly Problem[]): string {
  const files = [...new Set(problems.map((p) => p.file))];
  const lines = [
    `Invalid environment configuration: ${problems.length} problem${problems.length === 1 ? "" : "s"} ` +
      `in ${files.length} file${files.length === 1 ? "" : "s"}. Nothing was synthesized.`,
  ];
  for (const file of files) {
    lines.push("", `${file}`);
    for (const problem of problems.filter((p) => p.file === file)) {
      const where = problem.path === "" ? "(file)" : problem.path;
      const received = "received" in problem ? `received ${show(problem.received)}; ` : "";
      lines.push(`  ${where}: ${received}${problem.message}`);
    }
  }
  return lines.join("\n");
}

/** Warnings, grouped by file like problems: the synth goes on. */
export function formatWarnings(warnings: readonly Problem[]): string {
  const files = [...new Set(warnings.map((w) => w.file))];
  const lines = [`Warning: ${warnings.length} setting${warnings.length === 1 ? "" : "s"} to look at (the synth goes on):`];
  for (const file of files) {
    lines.push(`  ${file}`);
    for (const warning of warnings.filter((w) => w.file === file)) lines.push(`    ${warning.path === "" ? "(file)" : warning.path}: ${warning.message}`);
  }
  return lines.join("\n");
}
