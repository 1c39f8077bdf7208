import { Testing } from "cdktf";
import { runInThisContext } from "node:vm";
// Types of cdktf's jest matchers (toHaveResourceWithProperties, ...).
import "cdktf/lib/testing/adapters/jest";

// cdktf's own matchers: toHaveResourceWithProperties, toBeValidTerraform, ...
Testing.setupJest();

/**
 * cdktf captures a full stack trace for every token it makes, onto a plain
 * object, not an Error. Jest source-maps every stack it formats, and that made
 * those traces about a tenth of the unit project's CPU (3 s of 31 s, in band).
 * So a trace onto anything but an Error keeps V8's own format, unmapped (it
 * only shows where a token that failed to resolve was made); an Error's trace
 * (a failing test's) goes to jest's formatter, set on the main realm's Error.
 */
const mainRealmError = runInThisContext("Error") as ErrorConstructor;
Error.prepareStackTrace = (error: unknown, frames: NodeJS.CallSite[]) =>
  (error instanceof Error || error instanceof mainRealmError) && mainRealmError.prepareStackTrace
    ? mainRealmError.prepareStackTrace(error as Error, frames)
    : `${header(error)}\n${frames.map((frame) => `    at ${frame}`).join("\n")}`;

/** The first line V8 would write: `name: message` as Error.prototype.toString makes it. */
function header(object: unknown): string {
  try {
    return Error.prototype.toString.call(object);
  } catch {
    return "Error";
  }
}
