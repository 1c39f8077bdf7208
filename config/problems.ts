import { closest, distance } from "fastest-levenshtein";
import type { z } from "zod";
import { environmentJsonSchema } from "./schema";

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

/** A field's place: keys and indexes. */
export type PathKey = string | number;

/** `build.source.type`, `strategy[1]`. */
export function formatPath(keys: readonly PathKey[]): string {
  return keys.reduce<string>(
    (text, key) => (typeof key === "number" ? `${text}[${key}]` : text === "" ? key : `${text}.${key}`),
    "",
  );
}

export interface Described {
  readonly path: PathKey[];
  readonly message: string;
  readonly received?: { value: unknown };
}

/** Turns a zod issue into problems that name the field, the value received, and what is allowed. */
export function describeIssue(issue: z.core.$ZodIssue, raw: unknown): Described[] {
  const at = issue.path.filter((key): key is PathKey => typeof key !== "symbol");
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => {
        const allowed = allowedKeysAt(at, raw);
        const suggestion = closest(key, allowed);
        const hint =
          suggestion && distance(key, suggestion) <= Math.max(2, Math.floor(key.length / 3)) ? ` (did you mean "${suggestion}"?)` : "";
        return {
          path: [...at, key],
          message: `unknown field${hint}; allowed here: ${allowed.join(", ")}`,
          received: { value: valueAt(raw, [...at, key]) },
        };
      });
    case "invalid_union":
      if (issue.discriminator !== undefined) {
        const discriminator = issue.discriminator;
        const keys = at[at.length - 1] === discriminator ? at : [...at, discriminator];
        return [described(keys, issue.message, raw)];
      }
      return [described(at, issue.message, raw, issue.input)];
    case "invalid_key":
      // A record key that its key schema refused: the key schema's own message says why.
      return [described(at, `key ${issue.issues.map((i) => i.message).join("; ")}`, raw, issue.input)];
    default:
      return [described(at, issue.message, raw, issue.input)];
  }
}

/** A problem at `keys`; a missing field says "required" first. */
function described(keys: PathKey[], message: string, raw: unknown, input: unknown = valueAt(raw, keys)): Described {
  const missing = input === undefined && valueAt(raw, keys) === undefined;
  return missing ? { path: keys, message: `missing (required): ${message}` } : { path: keys, message, received: { value: input } };
}

function valueAt(raw: unknown, keys: readonly PathKey[]): unknown {
  return keys.reduce<unknown>(
    (value, key) => (value !== null && typeof value === "object" ? (value as Record<PathKey, unknown>)[key] : undefined),
    raw,
  );
}

type JsonSchema = {
  properties?: Record<string, JsonSchema>;
  propertyNames?: { enum?: string[] };
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  const?: unknown;
  enum?: unknown[];
};

let cachedJsonSchema: JsonSchema | undefined;

/** The field names the published JSON Schema allows at `keys`, for "did you mean" hints. */
function allowedKeysAt(keys: readonly PathKey[], raw: unknown): string[] {
  cachedJsonSchema ??= environmentJsonSchema() as JsonSchema;
  let candidates: JsonSchema[] = [cachedJsonSchema];
  keys.forEach((key, depth) => {
    const value = valueAt(raw, keys.slice(0, depth + 1));
    candidates = candidates.flatMap((schema) => {
      const options = [...(schema.oneOf ?? []), ...(schema.anyOf ?? []), schema];
      return options.flatMap((option) => {
        const next = typeof key === "number" ? option.items : option.properties?.[key];
        return next ? pickUnionMember(next, value) : [];
      });
    });
  });
  // Objects list their fields; maps with a closed set of keys (partialRecord) list those.
  return [...new Set(candidates.flatMap((schema) => [...Object.keys(schema.properties ?? {}), ...(schema.propertyNames?.enum ?? [])]))].sort();
}

/** For a discriminated union, the member whose constant fields match `value`; otherwise every member. */
function pickUnionMember(schema: JsonSchema, value: unknown): JsonSchema[] {
  const members = schema.oneOf ?? schema.anyOf;
  if (!members) return [schema];
  const given = (key: string) => (value !== null && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined);
  const matching = members.filter((member) =>
    Object.entries(member.properties ?? {}).every(([key, property]) => {
      const value = given(key);
      if (property.const !== undefined) return (value ?? (property as { default?: unknown }).default) === property.const;
      return value === undefined || !property.enum || property.enum.includes(value);
    }),
  );
  return matching.length > 0 ? matching : members;
}
