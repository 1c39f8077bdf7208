/**
 * IAM policy documents as plain data, and the interface grants use.
 *
 * Constructs never write IAM into a stack: they offer intent-named grants
 * (`credentials.grantRead(role)`, `repository.grantPush(role)`) that add
 * least-privilege statements to a grantee.
 */

/** IAM condition block: operator -> condition key -> value(s). */
export type PolicyConditions = Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;

/** One statement of an identity policy. */
export interface PolicyStatement {
  /** Statement id: says why the statement exists. */
  readonly sid: string;
  /** @default "Allow" */
  readonly effect?: "Allow" | "Deny";
  /** Exact actions; never a wildcard. */
  readonly actions: readonly string[];
  /** Exact ARNs; `*` only for actions that support no resource type. */
  readonly resources: readonly string[];
  /** @default - no conditions */
  readonly conditions?: PolicyConditions;
}

/** A principal that grants can add permissions to (a role, usually). */
export interface IGrantable {
  /** Adds a statement to the principal's own identity policy. */
  addToPrincipalPolicy(statement: PolicyStatement): void;
}

/** Renders statements as an IAM policy document (JSON object). */
export function policyDocument(statements: readonly PolicyStatement[]): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: statements.map((statement) => ({
      Sid: statement.sid,
      Effect: statement.effect ?? "Allow",
      Action: statement.actions.length === 1 ? statement.actions[0] : [...statement.actions],
      Resource: statement.resources.length === 1 ? statement.resources[0] : [...statement.resources],
      ...(statement.conditions ? { Condition: statement.conditions } : {}),
    })),
  };
}

/** A policy's size as IAM counts it against its limits: the JSON's characters, whitespace excluded. */
export function policySize(document: Record<string, unknown>): number {
  return JSON.stringify(document).replace(/\s/g, "").length;
}
