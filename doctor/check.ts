/**
 * What every check returns, and the guard that turns an AWS error into a
 * failed check instead of a crash: one unreadable area must not hide the
 * verdict on the others.
 */

/** ok: proven. warn: works, but worth a look. fail: builds will hit the limit (or break): `fix` says what to do. */
export type Status = "ok" | "warn" | "fail";

/** The areas of the report, in the order it prints them. */
export const AREAS = ["access", "credentials", "mirror", "network", "smoke"] as const;
export type Area = (typeof AREAS)[number];

/** One line of the report. */
export interface CheckResult {
  /** Stable across runs (e.g. `credentials.token`), so CI can match on it in `--json`. */
  readonly id: string;
  readonly area: Area;
  readonly status: Status;
  readonly message: string;
  /** What to do about it; set on every fail (and on warnings worth acting on). */
  readonly fix?: string;
}

/** Builders, so checks read as verdicts rather than object literals. */
export const ok = (id: string, area: Area, message: string): CheckResult => ({ id, area, status: "ok", message });
export const warn = (id: string, area: Area, message: string, fix?: string): CheckResult => ({ id, area, status: "warn", message, ...(fix ? { fix } : {}) });
export const fail = (id: string, area: Area, message: string, fix: string): CheckResult => ({ id, area, status: "fail", message, fix });

/** A time as the report shows it: day and minute, in UTC. */
export function day(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** The AWS error's name (AccessDeniedException, ParameterNotFound, ...), for branching on expected errors. */
export function errorName(error: unknown): string {
  const e = error as { name?: string; Code?: string; code?: string };
  return e?.name ?? e?.Code ?? e?.code ?? "Error";
}

/** Whether AWS refused the call for lack of permission (not because the thing is missing). */
function isAccessDenied(error: unknown): boolean {
  const e = error as { $metadata?: { httpStatusCode?: number }; message?: string };
  return /AccessDenied|UnauthorizedOperation|NotAuthorized/.test(`${errorName(error)} ${e?.message ?? ""}`) || e?.$metadata?.httpStatusCode === 403;
}

/** One line from an AWS error: its name and message, without the SDK's hints. */
export function describeError(error: unknown): string {
  const message = String((error as Error)?.message ?? error).split("\n")[0];
  const name = errorName(error);
  return message.startsWith(name) ? message : `${name}: ${message}`;
}

/**
 * Runs a check; an unexpected AWS error becomes its failed line. Access
 * denied says which permission the doctor's own credentials lack, since that
 * is not a fault of the environment.
 */
export async function guarded(id: string, area: Area, what: string, check: () => Promise<CheckResult[]>): Promise<CheckResult[]> {
  try {
    return await check();
  } catch (error) {
    if (isAccessDenied(error)) {
      return [
        fail(id, area, `could not ${what}: ${describeError(error)}`, "run the doctor with credentials that may read the environment (the CI plan role, or a ReadOnlyAccess role)"),
      ];
    }
    return [fail(id, area, `could not ${what}: ${describeError(error)}`, "run the doctor again; if it persists, check the environment in the AWS console")];
  }
}
