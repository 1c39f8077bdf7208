/**
 * The emulator flake (CONTRIBUTING.md, "A known flake"): now and then the AWS SDK in the provider sends
 * a create or a delete a second time after moto has done it, and the apply fails on the duplicate. The
 * provider closes its connection after moto's complete answer, body unread, and its SDK resends the
 * request (a packet capture; consistent with aws-sdk-go-v2 #2737): the fault appears to be the
 * client's, not moto's. The emulator then holds what the state does not, so only a fresh emulator can
 * run the file again.
 *
 * `.ci/run`, after a failed `npm test`, hands jest's results to this file: the apply files whose first
 * failure is such a duplicate are run once more, each with a fresh emulator, and CI passes only if they
 * pass. Any other failure (a unit or plan file, an apply failing any other way) is not rerun: it fails CI.
 *
 *   node --import tsx __tests__/support/emulator-flakes.ts <jest --json results file>
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * What AWS answered, in the runs that failed on the flake, to a request done twice: a create
 * (Duplicate, AlreadyAssociated, AlreadyExists) or a revoke (NotFound). Matched on the message with
 * Terraform's wrapping (line breaks, the `│` of its diagnostic boxes) taken out.
 */
export const DUPLICATE_REQUEST =
  /api error (InvalidPermission\.Duplicate|InvalidPermission\.NotFound|Resource\.AlreadyAssociated|RouteAlreadyExists|RepositoryAlreadyExistsException)\b/;
const unwrapped = (message: string) => message.replace(/[\s│]+/g, " ");

/** The parts of jest's `--json` results this reads. */
export interface JestResults {
  readonly testResults: readonly {
    readonly name: string;
    readonly status: string;
    readonly message: string;
    readonly assertionResults: readonly { readonly status: string; readonly failureMessages: readonly string[] }[];
  }[];
}

export interface FlakeVerdict {
  /** The apply files to run again: every failed file, when each failed on the flake; else none. */
  readonly rerun: readonly string[];
  /** Why nothing is rerun, when nothing is. */
  readonly reason?: string;
}

/** Whether the run failed on the flake alone, and which files to run again. */
export function flakeVerdict(results: JestResults): FlakeVerdict {
  const failed = results.testResults.filter((file) => file.status === "failed");
  if (failed.length === 0) return { rerun: [], reason: "no test file failed (the failure came before or after the tests)" };
  for (const file of failed) {
    const name = path.basename(file.name);
    if (!/^apply-.*\.test\.ts$/.test(name)) return { rerun: [], reason: `${name} failed, and it does not apply into the emulator` };
    // The first failure is the cause; the later tests of the file build on the step that failed.
    const first = file.assertionResults.find((test) => test.status === "failed")?.failureMessages.join("\n") ?? file.message;
    if (!DUPLICATE_REQUEST.test(unwrapped(first))) return { rerun: [], reason: `${name} failed, and not on a request the SDK sent twice` };
  }
  return { rerun: failed.map((file) => file.name) };
}

/** Judges the results in `resultsFile` and reruns the flaked files: the exit code CI ends with. */
export function rerunFlakes(resultsFile: string | undefined): number {
  // Empty when jest wrote nothing: the type-check failed, or jest stopped before its results.
  const text = resultsFile && fs.existsSync(resultsFile) ? fs.readFileSync(resultsFile, "utf8") : "";
  if (text.trim() === "") {
    console.error(`No jest results in ${resultsFile ?? "(none given)"}: nothing to judge, the failure stands.`);
    return 1;
  }
  const verdict = flakeVerdict(JSON.parse(text) as JestResults);
  if (verdict.rerun.length === 0) {
    console.error(`Not the emulator flake: ${verdict.reason}. The failure stands.`);
    return 1;
  }
  const files = verdict.rerun.map((file) => path.relative(process.cwd(), file));
  console.error(`\nThe emulator flake (a request the SDK sent twice, CONTRIBUTING.md): running ${files.join(", ")} once more, each with a fresh emulator.\n`);
  const rerun = spawnSync("npx", ["jest", "--selectProjects", "apply", "--runTestsByPath", ...files], { stdio: "inherit" });
  return rerun.status ?? 1;
}

if (require.main === module) process.exitCode = rerunFlakes(process.argv[2]);
