import { IConstruct } from "constructs";

/** How bad a finding is: an error fails synth; a warning is printed and synth goes on. */
export type RuleLevel = "error" | "warning";

/** One resource of the stack, as Terraform will see it. */
export interface CheckedResource {
  /** `<type>.<name>`, e.g. `aws_eip.egress_ip_0`. */
  readonly address: string;
  readonly type: string;
  /** The resource's block in the synthesized configuration, references resolved (`${aws_subnet.x.id}`). */
  readonly config: Record<string, unknown>;
  /** The construct that made it, to report on. */
  readonly construct: IConstruct;
  /** What the construct said of it (see `protectStateful` in constructs/private/stateful.ts). */
  readonly stateful?: StatefulMark;
}

/** The construct metadata entry that marks a resource as stateful (constructs/private/stateful.ts writes it). */
export const STATEFUL_METADATA = "docker-pulls:stateful";

/** A resource that holds what users rely on, and whether it is protected on purpose. */
export interface StatefulMark {
  /** What it holds, for messages: "stored Docker Hub credentials". */
  readonly holds: string;
  /** Set when the user chose to let it go (removalPolicy "destroy"): the reason it need not be protected. */
  readonly unprotectedBecause?: string;
}

/** The whole stack, for rules that follow references between resources. */
export interface CheckedStack {
  readonly resources: readonly CheckedResource[];
  ofType(type: string): CheckedResource[];
  byAddress(address: string): CheckedResource | undefined;
}

export interface Finding {
  readonly resource: CheckedResource;
  readonly message: string;
}

/** A policy rule: one per file under rules/, like cdk-nag's. */
export interface PolicyRule {
  /** Stable id, used in messages and in acknowledgements: `DP-IAM1`. */
  readonly id: string;
  readonly level: RuleLevel;
  /** One line: what must hold. */
  readonly info: string;
  /** Why it matters, and how to comply. */
  readonly explanation: string;
  check(stack: CheckedStack): Finding[];
}

/** Terraform references in a value: `${aws_subnet.private.id}` gives `aws_subnet.private`. */
export function referencedAddresses(value: unknown): string[] {
  const text = typeof value === "string" ? value : JSON.stringify(value ?? "");
  return [...text.matchAll(/\$\{([a-z0-9_]+\.[A-Za-z0-9_-]+)\.[a-z0-9_]+/g)].map((match) => match[1]);
}

/** An IAM-style policy document held in a string attribute, parsed; undefined when not (yet) a JSON document. */
export function parsePolicyDocument(value: unknown): { Statement?: unknown } | undefined {
  if (typeof value !== "string") return undefined;
  try {
    return JSON.parse(value) as { Statement?: unknown };
  } catch {
    return undefined;
  }
}

export interface PolicyStatementJson {
  readonly Sid?: string;
  readonly Effect?: string;
  readonly Principal?: unknown;
  readonly Action?: string | string[];
  readonly Resource?: string | string[];
  readonly Condition?: Record<string, Record<string, unknown>>;
}

export function statementsOf(document: { Statement?: unknown } | undefined): PolicyStatementJson[] {
  const statements = document?.Statement;
  if (!statements) return [];
  return (Array.isArray(statements) ? statements : [statements]) as PolicyStatementJson[];
}
