/** The building blocks of the environment schema: each value shape once, with its message. No cdktf. */
import { z } from "zod";
import { KNOWN_REGIONS } from "../aws/regions";
import { LOG_RETENTION_DAYS, Problem, Shape } from "../aws/rules";

export const quoteAll = (values: readonly (string | number)[]) => values.map((v) => JSON.stringify(v)).join(", ");

export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `expected one of ${quoteAll(values)}` });

export const ACCOUNT_ERROR = "expected a 12-digit AWS account id, as a string";
export const accountId = z.string({ error: ACCOUNT_ERROR }).regex(/^\d{12}$/, { error: ACCOUNT_ERROR });

export const awsRegion = z.enum(KNOWN_REGIONS as [string, ...string[]], { error: `expected an AWS region: ${KNOWN_REGIONS.join(", ")}` });

/** A key ARN, not an alias: IAM grants and ECR need the key itself; it must be in the environment's region. */
export const kmsKeyArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/(?:[0-9a-f-]{36}|mrk-[0-9a-f]{32})$/, {
    error: "expected a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>); aliases do not work in IAM grants",
  });

export const logRetentionDays = z.literal(LOG_RETENTION_DAYS, {
  error: `expected one of ${quoteAll(LOG_RETENTION_DAYS)} (the retention periods CloudWatch Logs accepts)`,
});

/** A string of the shape the constructs accept, with their words as the message (the pattern goes into the JSON Schema). */
export const shaped = (shape: Shape) => z.string().regex(shape.pattern, { error: shape.expected });

/** A string the same check as the constructs' accepts, with its words as the message. */
export const checked = (check: (value: string) => Problem, error: string) =>
  z.string({ error }).superRefine((value, context) => {
    const problem = check(value);
    if (problem) context.addIssue({ code: "custom", input: value, message: problem });
  });

export const integer = (min: number, max: number) =>
  z
    .number({ error: `expected a whole number from ${min} to ${max}` })
    .int({ error: `expected a whole number from ${min} to ${max}` })
    .min(min, { error: `expected a whole number from ${min} to ${max}` })
    .max(max, { error: `expected a whole number from ${min} to ${max}` });
