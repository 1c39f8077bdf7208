/**
 * Reads every `environments/*.json`, validates all of them, and returns the
 * environments only when every file is valid. Otherwise it throws one
 * ConfigError listing every problem in every file, so a broken file never
 * becomes a stack and nothing is synthesized.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseJson, ParseError, printParseErrorCode } from "jsonc-parser";
import { checkAcrossEnvironments } from "./checks";
import { Environment } from "./environment";
import { ConfigError, formatWarnings, Problem } from "./problems";
import { Validation, validateEnvironment } from "./validate";

export interface LoadOptions {
  /** The project root: file names in messages and relative paths in config are relative to it. */
  readonly projectRoot: string;
  /** @default "environments" */
  readonly directory?: string;
  /**
   * Receives the warnings of valid files: settings that have no effect with
   * the file's strategies, defaults worth knowing about.
   * @default - printed to stderr
   */
  readonly onWarnings?: (warnings: readonly Problem[]) => void;
}

export function loadEnvironments(options: LoadOptions): Environment[] {
  const directory = path.resolve(options.projectRoot, options.directory ?? "environments");
  const relative = (file: string) => path.relative(options.projectRoot, file) || file;
  if (!fs.existsSync(directory)) {
    throw new ConfigError([{ file: relative(directory), path: "", message: "directory not found: add one <name>.json per environment" }]);
  }
  const files = fs
    .readdirSync(directory)
    .filter((name) => name.endsWith(".json"))
    .sort();
  if (files.length === 0) {
    throw new ConfigError([{ file: relative(directory), path: "", message: "no environment files: add one <name>.json per environment" }]);
  }

  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const environments: Environment[] = [];
  for (const name of files) {
    const file = path.join(directory, name);
    const result = loadEnvironmentFile(file, relative(file), options.projectRoot);
    problems.push(...result.problems);
    warnings.push(...result.warnings);
    if (result.environment) environments.push(result.environment);
  }
  problems.push(...checkAcrossEnvironments(environments));
  if (problems.length > 0) throw new ConfigError(problems);
  if (warnings.length > 0) (options.onWarnings ?? ((w) => console.warn(formatWarnings(w))))(warnings);
  return environments;
}

/** Reads and validates one file. Returns its problems, and the environment when there are none. */
export function loadEnvironmentFile(file: string, displayName: string, projectRoot: string): Validation {
  const text = fs.readFileSync(file, "utf8");
  const errors: ParseError[] = [];
  const raw: unknown = parseJson(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  if (errors.length > 0) {
    // Only the first: the rest are usually the same mistake seen again.
    return { problems: [{ file: displayName, path: "", message: `not valid JSON: ${jsonError(errors[0], text)}` }], warnings: [] };
  }
  return validateEnvironment(raw, { name: path.basename(file, ".json"), file: displayName, projectRoot });
}

/** "property name expected (line 3, column 13)". */
function jsonError(error: ParseError, text: string): string {
  const before = text.slice(0, error.offset);
  const line = before.split("\n").length;
  const column = before.length - before.lastIndexOf("\n");
  const what = printParseErrorCode(error.error).replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
  return `${what} (line ${line}, column ${column})`;
}
