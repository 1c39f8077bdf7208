/**
 * The doctor's report: one line per check, a summary, JSON for CI, and the
 * exit code of the worst result. Exit codes follow the monitoring-plugin
 * convention, so a CI step or a scheduler can tell a warning from a failure:
 * 0 all ok, 1 a warning at worst, 2 a failure, 3 the doctor could not run
 * (usage, config).
 */
import { AREAS, CheckResult, Status } from "./check";

/** What a run found, as `runDoctor` returns it and `--json` prints it. */
export interface DoctorReport {
  readonly environment: string;
  readonly accountId: string;
  readonly region: string;
  readonly strategies: readonly string[];
  /** Who the checks ran as (STS), when the doctor got that far. */
  readonly identity?: { readonly account: string; readonly arn: string };
  /** deploy.assumeRoleArn, when the doctor assumed it. */
  readonly assumedRoleArn?: string;
  /** Whether a smoke build ran (the one change the doctor makes). */
  readonly smoke: boolean;
  readonly results: readonly CheckResult[];
}

/** How many of each status, and the worst: what the exit code and the last line say. */
export interface Summary {
  readonly ok: number;
  readonly warn: number;
  readonly fail: number;
  readonly worst: Status;
}

/** Exit code by the worst result. */
export const EXIT_CODES: Readonly<Record<Status, number>> = { ok: 0, warn: 1, fail: 2 };
/** The doctor could not run: a bad argument, an unknown environment, an invalid config. */
export const EXIT_USAGE = 3;

/** The counts behind the last line and the exit code: the worst result decides both. */
export function summarize(results: readonly CheckResult[]): Summary {
  const count = (status: Status) => results.filter((r) => r.status === status).length;
  const [ok, warn, fail] = [count("ok"), count("warn"), count("fail")];
  return { ok, warn, fail, worst: fail > 0 ? "fail" : warn > 0 ? "warn" : "ok" };
}

/** What the process exits with, so CI can fail on a failure and choose what to do with a warning. */
export function exitCode(results: readonly CheckResult[]): number {
  return EXIT_CODES[summarize(results).worst];
}

const LABELS: Readonly<Record<Status, string>> = { ok: "ok", warn: "warn", fail: "FAIL" };
const COLORS: Readonly<Record<Status, string>> = { ok: "\u001b[32m", warn: "\u001b[33m", fail: "\u001b[31m" };
const AREA_WIDTH = Math.max(...AREAS.map((area) => area.length));

/** One check as a line (and its fix, indented under it, for a warning or a failure). */
export function formatResult(result: CheckResult, options: { color?: boolean } = {}): string {
  const label = LABELS[result.status].padEnd(4);
  const status = options.color ? `${COLORS[result.status]}${label}\u001b[0m` : label;
  const line = `${status}  ${result.area.padEnd(AREA_WIDTH)}  ${result.message}`;
  return result.fix && result.status !== "ok" ? `${line}\n${" ".repeat(4 + 2 + AREA_WIDTH + 2)}fix: ${result.fix}` : line;
}

/** The whole report as a person reads it: who and where, a line per check in area order, the summary last. */
export function formatReport(report: DoctorReport, options: { color?: boolean } = {}): string {
  const as = report.identity ? ` as ${report.identity.arn}` : "";
  const header = `doctor: ${report.environment} (account ${report.accountId}, ${report.region}; strategy ${report.strategies.join(" + ")})${as}`;
  const ordered = [...report.results].sort((a, b) => AREAS.indexOf(a.area) - AREAS.indexOf(b.area));
  return [header, ...ordered.map((r) => formatResult(r, options)), formatSummary(report)].join("\n");
}

/** The last line: the counts and the verdict. */
export function formatSummary(report: DoctorReport): string {
  const { ok, warn, fail, worst } = summarize(report.results);
  const verdict = worst === "ok" ? "escapes the limit" : worst === "warn" ? "escapes the limit, with warnings" : "does NOT escape the limit: see the fixes above";
  return `${report.environment}: ${ok} ok, ${warn} warn, ${fail} fail${report.smoke ? " (with a smoke build)" : ""}: ${verdict}`;
}

/** The report for CI: everything above, plus the summary and the exit code, as one JSON document. */
export function formatJson(report: DoctorReport): string {
  const summary = summarize(report.results);
  return JSON.stringify({ ...report, summary, exitCode: EXIT_CODES[summary.worst] }, null, 2);
}

/**
 * A progress line on `stream` (stderr, so `--json` stays clean): rewritten in
 * place on a terminal; elsewhere (CI logs) a line each time the text changes
 * other than the seconds counted. `done()` ends a line left open.
 */
export function progressPrinter(stream: NodeJS.WriteStream): { print(line: string): void; done(): void } {
  let open = false;
  let last = "";
  return {
    print(line) {
      if (stream.isTTY) {
        stream.write(`\r\u001b[K${line}`);
        open = true;
        return;
      }
      const key = line.replace(/\s*\(\d+ s\)$/, "");
      if (key !== last) stream.write(`${line}\n`);
      last = key;
    },
    done() {
      if (open) stream.write("\n");
      open = false;
    },
  };
}
