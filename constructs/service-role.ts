import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Lazy, Token } from "cdktf";
import { named, refuse, roleNameProblem } from "../aws/rules";
import { Construct } from "constructs";
import { IGrantable, PolicyConditions, PolicyStatement, policyDocument } from "./iam";

export interface ServiceRoleProps {
  /** The role's name (at most 64 characters). */
  readonly roleName: string;
  /** The AWS service that assumes the role, e.g. `codebuild.amazonaws.com`. */
  readonly servicePrincipal: string;
  /**
   * Conditions on the trust policy, to stop the service acting for someone
   * else (confused deputy), e.g. `aws:SourceAccount`.
   * @default - none
   */
  readonly trustConditions?: PolicyConditions;
  /** @default - none */
  readonly description?: string;
}

/**
 * An IAM role for an AWS service, whose permissions come only from grants.
 *
 * The statements live in one inline policy, rendered at synth from what the
 * grants added, so the plan shows the whole policy, and resources that must
 * not start before their permissions exist can depend on `policy`.
 */
export class ServiceRole extends Construct implements IGrantable {
  readonly role: IamRole;
  /** The inline policy holding every granted statement. */
  readonly policy: IamRolePolicy;
  private readonly statements: PolicyStatement[] = [];

  constructor(scope: Construct, id: string, props: ServiceRoleProps) {
    super(scope, id);
    refuse(this.node.path, [Token.isUnresolved(props.roleName) ? undefined : named("roleName", props.roleName, roleNameProblem)]);
    this.role = new IamRole(this, "role", {
      name: props.roleName,
      description: props.description,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: props.servicePrincipal },
            Action: "sts:AssumeRole",
            ...(props.trustConditions ? { Condition: props.trustConditions } : {}),
          },
        ],
      }),
    });
    // The role's name, not its id: known at plan time, so the plan says whose policy this is.
    this.policy = new IamRolePolicy(this, "policy", {
      name: "granted",
      role: this.role.name,
      policy: Lazy.stringValue({ produce: () => JSON.stringify(this.document()) }),
    });
  }

  get roleArn(): string {
    return this.role.arn;
  }

  get roleName(): string {
    return this.role.name;
  }

  addToPrincipalPolicy(statement: PolicyStatement): void {
    this.check(statement);
    const existing = this.statements.find((s) => s.sid === statement.sid);
    if (existing) {
      // Two grants may both need e.g. ECR login: the same statement twice is one statement.
      if (JSON.stringify(existing) === JSON.stringify(statement)) return;
      throw new Error(`${this.node.path}: statement id "${statement.sid}" is already used; IAM needs unique ids`);
    }
    this.statements.push(statement);
  }

  /**
   * A separate inline policy, for statements that name resources whose ids
   * exist only after apply (subnets the same deploy creates): kept apart, the
   * main policy stays known, and readable, in the plan.
   */
  addPolicy(id: string, name: string, statements: readonly PolicyStatement[]): IamRolePolicy {
    statements.forEach((statement) => this.check(statement));
    return new IamRolePolicy(this, id, { name, role: this.role.name, policy: JSON.stringify(policyDocument(statements)) });
  }

  private check(statement: PolicyStatement): void {
    if (!/^[A-Za-z0-9]+$/.test(statement.sid)) {
      throw new Error(`${this.node.path}: statement id "${statement.sid}" must be letters and digits only (IAM rule)`);
    }
    if (statement.actions.some((action) => action.includes("*"))) {
      throw new Error(`${this.node.path}: statement "${statement.sid}" has a wildcard action; name each action`);
    }
  }

  /** The inline policy as granted so far. */
  document(): Record<string, unknown> {
    return policyDocument(this.statements);
  }
}
