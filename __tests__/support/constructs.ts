/** What the construct tests share: an AwsStack to synthesize in, a grantee that records, the policy a synth holds. */
import { Construct } from "constructs";
import { PolicyStatement, ServiceRole } from "../../constructs";
import { synthIn } from "./environments";

export const KEY = "arn:aws:kms:eu-west-1:123456789012:key/0b9c6c1e-7d1a-4c4e-9a51-2f4d0b7e6a11";

/** Synthesizes what `build` adds to an AwsStack in 123456789012, eu-west-1. */
export const synth = (build: (scope: Construct) => void) => synthIn("123456789012", "eu-west-1", build);

/** A grantee that just collects statements. */
export class Recorder implements Pick<ServiceRole, "addToPrincipalPolicy"> {
  readonly statements: PolicyStatement[] = [];
  addToPrincipalPolicy(statement: PolicyStatement): void {
    this.statements.push(statement);
  }
}

/** The statements of the one role policy in synthesized JSON. */
export function policyOf(json: string): { Sid: string; Action: string | string[]; Resource: string | string[]; Condition?: unknown }[] {
  const [policy] = Object.values(JSON.parse(json).resource.aws_iam_role_policy) as { policy: string }[];
  return JSON.parse(policy.policy).Statement;
}
