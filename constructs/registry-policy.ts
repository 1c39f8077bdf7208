import { EcrRegistryPolicy } from "@cdktf/provider-aws/lib/ecr-registry-policy";
import { DataResource } from "cdktf";
import { Construct } from "constructs";
import { AwsStack } from "./aws-stack";
import { terraformLiteral } from "./private/terraform-literal";
import { credentialsPreamble } from "./private/token-command";

/** One statement of the registry's permissions policy, as IAM JSON. */
export interface RegistryPolicyStatement {
  /** Names the statement: how the check recognizes statements it may replace. */
  readonly Sid: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal: unknown;
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Record<string, Record<string, unknown>>;
}

export interface RegistryPolicyProps {
  /** Every statement the registry's policy holds: this stack's and the account's others (replication, for example). */
  readonly statements: readonly RegistryPolicyStatement[];
  /** A role the check assumes first, like the provider's `assume_role`. @default - the deployer's credentials */
  readonly assumeRoleArn?: string;
  /** Pins the policy's Terraform address (set here: cdktf fixes an id once referenced). @default - cdktf's id */
  readonly logicalId?: string;
}

/**
 * The registry's permissions policy, a per-registry singleton: applying one
 * replaces whatever the account has. Before Terraform first writes it, a
 * check at apply time reads the registry's current policy and refuses when it
 * holds a statement this policy does not (by Sid): list those statements
 * (replication, other sharing) in the config, and they are kept.
 */
export class RegistryPolicy extends Construct {
  /**
   * What a registry policy may hold: ECR actions (wildcards too). Under the
   * V2 registry policy scope, every registry's default, ECR enforces them all;
   * a registry still on V1 enforces only ecr:ReplicateImage,
   * ecr:BatchImportUpstreamImage and ecr:CreateRepository.
   */
  static readonly ACTION = /^ecr:[A-Za-z*]+$/;

  readonly policy: EcrRegistryPolicy;
  /** The apply-time check that refuses to replace statements it does not know. */
  readonly check: DataResource;

  constructor(scope: Construct, id: string, props: RegistryPolicyProps) {
    super(scope, id);
    const sids = props.statements.map((statement) => statement.Sid);
    const problems = [
      ...(props.statements.length === 0 ? ["give at least one statement"] : []),
      ...sids.filter((sid) => !/^[A-Za-z0-9]+$/.test(sid)).map((sid) => `Sid "${sid}" must be letters and digits`),
      ...sids.filter((sid, index) => sids.indexOf(sid) !== index).map((sid) => `Sid "${sid}" is used twice`),
      ...props.statements.flatMap((statement) =>
        [statement.Action]
          .flat()
          .filter((action) => !RegistryPolicy.ACTION.test(action))
          .map((action) => `${statement.Sid}: a registry policy holds ECR actions only, not ${action}`),
      ),
    ];
    if (problems.length > 0) throw new Error(`${this.node.path}: ${problems.join("; ")}`);

    const { accountId, region } = AwsStack.of(this);
    // node is on every machine that runs cdktf: it reads the current policy, which the AWS CLI only returns as a string.
    const compare =
      "const known = JSON.parse(process.argv[1]); let text = ''; process.stdin.on('data', (d) => (text += d)).on('end', () => {" +
      " if (!text.trim()) return; const statements = [].concat(JSON.parse(text).Statement || []);" +
      " const unknown = statements.filter((s) => !known.includes(s.Sid)).map((s) => s.Sid || '(a statement without Sid)');" +
      " if (unknown.length) { console.error('The registry policy of this account has statements this stack would replace: ' + unknown.join(', ') +" +
      " '. Add them to registry.policy.additionalStatements (they are kept), then deploy again. Nothing changed.'); process.exit(1); } });";
    const script = [
      ...credentialsPreamble({ accountId, region, assumeRoleArn: props.assumeRoleArn, label: "the registry policy" }, "nothing changed"),
      `errors=$(mktemp)`,
      `if current=$(aws ecr get-registry-policy --region ${region} --query policyText --output text 2>"$errors"); then :`,
      `elif grep -q RegistryPolicyNotFoundException "$errors"; then current=""`,
      `else cat "$errors" >&2; rm -f "$errors"; exit 1; fi`,
      `rm -f "$errors"`,
      `printf %s "$current" | node -e "${compare}" '${JSON.stringify(sids)}'`,
    ].join("\n");
    this.check = new DataResource(this, "check", {
      provisioners: [{ type: "local-exec", interpreter: ["bash", "-c"], command: terraformLiteral(script) }],
    });
    this.policy = new EcrRegistryPolicy(this, "policy", {
      policy: JSON.stringify({ Version: "2012-10-17", Statement: props.statements }),
      dependsOn: [this.check],
    });
    if (props.logicalId) this.policy.overrideLogicalId(props.logicalId);
  }
}
