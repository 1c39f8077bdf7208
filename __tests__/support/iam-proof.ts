/**
 * Identities in an emulator that enforces IAM, carrying policies as they
 * were applied: read back from the emulator's roles, then given to a user
 * of the test's own, whose keys run Terraform or the AWS SDK.
 *
 * moto checks a request's action against the caller's policies, and its
 * resource only for S3 (every other request is checked against "*"); it
 * evaluates no condition but sts:ExternalId (a conditioned statement counts
 * as a Deny). So a user gets the policy as moto can enforce it: Allow
 * statements without their conditions, S3 statements with their resources,
 * others on "*", and no conditioned Deny. That proves the actions (enough,
 * and none that reads a secret) and the S3 scoping; the IAM simulator
 * (iam.test.ts, ci-roles.test.ts) proves resources and conditions.
 */
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  PutUserPolicyCommand,
} from "@aws-sdk/client-iam";
import { Credentials } from "../../terraform";
import { Emulator } from "./emulator";

type Statement = { Sid?: string; Effect: "Allow" | "Deny"; Action: string | string[]; Resource: string | string[]; Condition?: unknown };
export type PolicyDocument = { Version: string; Statement: Statement[] };

/** A role's inline and attached policies, as the emulator holds them. */
export async function appliedPolicies(emulator: Emulator, roleName: string): Promise<PolicyDocument[]> {
  const iam = new IAMClient(emulator.clientConfig("us-east-1"));
  try {
    const documents: PolicyDocument[] = [];
    const { PolicyNames } = await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }));
    for (const name of PolicyNames ?? []) {
      const { PolicyDocument } = await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: name }));
      documents.push(JSON.parse(decodeURIComponent(PolicyDocument!)) as PolicyDocument);
    }
    const { AttachedPolicies } = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }));
    for (const attached of AttachedPolicies ?? []) {
      const { Policy } = await iam.send(new GetPolicyCommand({ PolicyArn: attached.PolicyArn }));
      const { PolicyVersion } = await iam.send(new GetPolicyVersionCommand({ PolicyArn: attached.PolicyArn, VersionId: Policy!.DefaultVersionId }));
      documents.push(JSON.parse(decodeURIComponent(PolicyVersion!.Document!)) as PolicyDocument);
    }
    return documents;
  } finally {
    iam.destroy();
  }
}

/** The policy as moto can enforce it (see the module comment). */
export function asEmulatorEnforces(document: PolicyDocument): PolicyDocument {
  const statements = document.Statement.filter((s) => !(s.Effect === "Deny" && s.Condition)).map((statement) => {
    if (statement.Effect === "Deny") return statement;
    const { Condition: _dropped, ...rest } = statement;
    const s3 = [statement.Action].flat().every((action) => action.startsWith("s3:"));
    return s3 ? rest : { ...rest, Resource: "*" };
  });
  return { Version: document.Version, Statement: statements };
}

/** A user of the test's own carrying `documents` (as moto enforces them), and its keys. */
export async function userWith(emulator: Emulator, userName: string, documents: readonly PolicyDocument[]): Promise<Credentials> {
  const iam = new IAMClient(emulator.clientConfig("us-east-1"));
  try {
    await iam.send(new CreateUserCommand({ UserName: userName }));
    for (const [index, document] of documents.entries()) {
      await iam.send(new PutUserPolicyCommand({ UserName: userName, PolicyName: `applied-${index}`, PolicyDocument: JSON.stringify(asEmulatorEnforces(document)) }));
    }
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
    return { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
  } finally {
    iam.destroy();
  }
}

/**
 * "allowed", or "denied" when the emulator refused the call for lack of
 * permission; any other failure is thrown. (moto answers a JSON-protocol
 * service's AccessDenied as XML, which the SDK cannot parse: the 403 tells.)
 */
export async function accessOutcome(call: Promise<unknown>): Promise<"allowed" | "denied"> {
  try {
    await call;
    return "allowed";
  } catch (error) {
    const failure = error as Error & { $metadata?: { httpStatusCode?: number }; Code?: string };
    if (failure.$metadata?.httpStatusCode === 403 || /AccessDenied/.test(`${failure.name} ${failure.Code ?? ""} ${failure.message}`)) return "denied";
    throw error;
  }
}
