/**
 * The IAM policy simulator (@cloud-copilot/iam-simulate) over synthesized
 * policies: what a principal holding them may do, request by request.
 * It evaluates only the condition keys AWS documents for an action (others
 * count as missing), which the tests that use it say where it matters.
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";

export type Json = Record<string, unknown>;
export type Document = { Version?: string; Statement: Json[] };

export function resourcesOf(stack: Json, type: string): Json[] {
  return Object.values(((stack.resource as Record<string, Record<string, Json>>)[type] ?? {}) as Record<string, Json>);
}

/** The inline policies of a role, by the role's name, as synthesized (they refer to the role by its address). */
export function identityPolicies(stack: Json, roleName: string): { name: string; policy: Document }[] {
  const roles = (stack.resource as Record<string, Record<string, Json>>).aws_iam_role;
  const [address] = Object.entries(roles).filter(([, role]) => role.name === roleName).map(([id]) => `\${aws_iam_role.${id}.name}`);
  const policies = resourcesOf(stack, "aws_iam_role_policy").filter((p) => p.role === address);
  expect(policies.length).toBeGreaterThan(0);
  return policies.map((p) => ({ name: p.name as string, policy: JSON.parse(p.policy as string) as Document }));
}

export interface Request {
  readonly action: string;
  readonly resource: string;
  readonly resourceAccount: string;
  readonly context?: Record<string, string | string[]>;
  readonly resourcePolicy?: Document;
  /** The principal's permissions boundary. @default - none */
  readonly permissionsBoundary?: Document;
}

export async function decide(principal: string, policies: { name: string; policy: Document }[], request: Request): Promise<string> {
  const response = await runSimulation(
    {
      identityPolicies: policies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(request.resourcePolicy ? { resourcePolicy: request.resourcePolicy } : {}),
      ...(request.permissionsBoundary ? { permissionBoundaryPolicies: [{ name: "boundary", policy: request.permissionsBoundary }] } : {}),
      request: {
        action: request.action,
        principal,
        resource: { accountId: request.resourceAccount, resource: request.resource },
        contextVariables: request.context ?? {},
      },
    } as Parameters<typeof runSimulation>[0],
    {},
  );
  if (response.resultType === "error") throw new Error(`simulation error: ${JSON.stringify(response.errors)}`);
  return response.overallResult;
}

