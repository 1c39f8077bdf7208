import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { Aspects, IAspect } from "cdktf";
import { Construct, IConstruct } from "constructs";
import { PolicyStatement, policyDocument, policySize } from "./iam";

/** IAM's limit on a managed policy, in characters without whitespace. */
const MANAGED_POLICY_LIMIT = 6_144;

export interface PermissionsBoundaryProps {
  /** The managed policy's name. */
  readonly policyName: string;
  /** What roles under the boundary may do at most. */
  readonly statements: readonly PolicyStatement[];
  /** @default - none */
  readonly description?: string;
}

/**
 * A managed policy used as a permissions boundary: the most any role that
 * carries it may do, whatever its own policies say.
 */
export class PermissionsBoundary extends Construct {
  readonly policy: IamPolicy;

  constructor(scope: Construct, id: string, props: PermissionsBoundaryProps) {
    super(scope, id);
    if (props.statements.length === 0) throw new Error(`${this.node.path}: a boundary without statements would deny every action`);
    const document = policyDocument(props.statements);
    const size = policySize(document);
    if (size > MANAGED_POLICY_LIMIT) {
      throw new Error(`${this.node.path}: the boundary is ${size} characters; IAM allows ${MANAGED_POLICY_LIMIT} for a managed policy`);
    }
    this.policy = new IamPolicy(this, "policy", { name: props.policyName, description: props.description, policy: JSON.stringify(document) });
  }

  get policyArn(): string {
    return this.policy.arn;
  }

  /**
   * Sets `boundaryArn` as the permissions boundary of every IAM role under
   * `scope` (like AWS CDK's `PermissionsBoundary.of(scope).apply()`).
   */
  static applyTo(scope: IConstruct, boundaryArn: string): void {
    Aspects.of(scope).add(new ApplyBoundary(boundaryArn));
  }
}

class ApplyBoundary implements IAspect {
  constructor(private readonly boundaryArn: string) {}

  visit(node: IConstruct): void {
    if (node instanceof IamRole) node.permissionsBoundary = this.boundaryArn;
  }
}
