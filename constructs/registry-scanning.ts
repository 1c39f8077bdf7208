import { EcrRegistryScanningConfiguration } from "@cdktf/provider-aws/lib/ecr-registry-scanning-configuration";
import { DataResource } from "cdktf";
import { Construct } from "constructs";
import { AwsStack } from "./aws-stack";
import { PolicyStatement } from "./iam";
import { adopt } from "./private/terraform-blocks";
import { terraformLiteral } from "./private/terraform-literal";
import { credentialsPreamble } from "./private/token-command";

/** How ECR scans: BASIC (ECR's own, on push) or ENHANCED (Amazon Inspector, on push or continuously). */
export type ScanType = "BASIC" | "ENHANCED";
export type ScanFrequency = "SCAN_ON_PUSH" | "CONTINUOUS_SCAN";

export interface RegistryScanningProps {
  /** What the registry scans with. Stated, never assumed: a registry on ENHANCED is never set back to BASIC. */
  readonly scanType: ScanType;
  /** @default "SCAN_ON_PUSH" (CONTINUOUS_SCAN needs ENHANCED) */
  readonly frequency?: ScanFrequency;
  /**
   * Every repository the rule scans, as ECR wildcard filters (`mirror/*`,
   * `team-app`). A registry has one scanning configuration: repositories no
   * filter matches are scanned manually only, so list every one that should
   * be scanned, this stack's and the account's other ones.
   */
  readonly repositoryFilters: readonly string[];
  /** A role the downgrade check assumes first, like the provider's `assume_role`. @default - the deployer's credentials */
  readonly assumeRoleArn?: string;
  /** Pins the configuration's Terraform address (set here: cdktf fixes an id once referenced). @default - cdktf's id */
  readonly logicalId?: string;
}

/**
 * The registry's scanning configuration, a per-registry singleton, managed
 * without clobbering what the account has: the existing configuration is
 * imported first (so the plan shows the change from it, not a blind
 * create), and a BASIC configuration is applied only after a check, at apply
 * time, that the registry is not on ENHANCED (Amazon Inspector) scanning;
 * once applied, BASIC never overwrites a scan type changed outside Terraform
 * (`ignore_changes`), so a registry moved to ENHANCED later stays there.
 * Forget it (`removed`), never destroy it: deleting it resets the registry.
 */
export class RegistryScanning extends Construct {
  /** At most this many filters in a rule (ECR's limit). */
  static readonly MAX_FILTERS = 100;

  readonly configuration: EcrRegistryScanningConfiguration;
  /** The apply-time check that refuses ENHANCED to BASIC (only with scanType BASIC). */
  readonly downgradeCheck?: DataResource;

  constructor(scope: Construct, id: string, props: RegistryScanningProps) {
    super(scope, id);
    const frequency = props.frequency ?? "SCAN_ON_PUSH";
    const problems = [
      ...(frequency === "CONTINUOUS_SCAN" && props.scanType === "BASIC" ? ["CONTINUOUS_SCAN needs scanType ENHANCED"] : []),
      ...(props.repositoryFilters.length === 0 ? ["give at least one repository filter"] : []),
      ...(props.repositoryFilters.length > RegistryScanning.MAX_FILTERS ? [`at most ${RegistryScanning.MAX_FILTERS} filters`] : []),
      ...props.repositoryFilters.filter((f) => !/^[a-z0-9*][a-z0-9._/*-]{0,255}$/.test(f)).map((f) => `"${f}" is not an ECR wildcard filter`),
    ];
    if (problems.length > 0) throw new Error(`${this.node.path}: ${problems.join("; ")}`);
    const { accountId, region } = AwsStack.of(this);

    if (props.scanType === "BASIC") {
      const script = [
        ...credentialsPreamble({ accountId, region, assumeRoleArn: props.assumeRoleArn, label: "the registry's scanning configuration" }, "nothing changed"),
        `current=$(aws ecr get-registry-scanning-configuration --region ${region} --query scanningConfiguration.scanType --output text)`,
        `if [ "$current" = ENHANCED ]; then echo "The registry of account ${accountId} in ${region} scans with Amazon Inspector (ENHANCED); ` +
          `scanType BASIC would turn that off. Set registry.scanning.scanType to ENHANCED, or change the registry yourself first." >&2; exit 1; fi`,
      ].join("\n");
      this.downgradeCheck = new DataResource(this, "downgrade-check", {
        triggersReplace: { scanType: props.scanType },
        provisioners: [{ type: "local-exec", interpreter: ["bash", "-c"], command: terraformLiteral(script) }],
      });
    }
    this.configuration = new EcrRegistryScanningConfiguration(this, "configuration", {
      scanType: props.scanType,
      rule: [
        {
          scanFrequency: frequency,
          repositoryFilter: props.repositoryFilters.map((filter) => ({ filter, filterType: "WILDCARD" })),
        },
      ],
      dependsOn: this.downgradeCheck ? [this.downgradeCheck] : undefined,
      // The check runs when the configuration is created; after that, ENHANCED turned on outside
      // Terraform (Inspector, by a security team) must survive every later deploy of BASIC too.
      lifecycle: props.scanType === "BASIC" ? { ignoreChanges: ["scan_type"] } : undefined,
    });
    if (props.logicalId) this.configuration.overrideLogicalId(props.logicalId);
    // The registry always has one: import it, so the first plan shows what changes, not a create over it.
    adopt(this, `${this.configuration.terraformResourceType}.${this.configuration.friendlyUniqueId}`, accountId);
    this.scanType = props.scanType;
  }

  private readonly scanType: ScanType;

  /** What whoever deploys ENHANCED scanning needs beyond ECR: it turns on Amazon Inspector, which creates its service-linked role. */
  deployerStatements(): PolicyStatement[] {
    if (this.scanType !== "ENHANCED") return [];
    const { partition, accountId } = AwsStack.of(this);
    return [
      { sid: "EnableInspectorScanning", actions: ["inspector2:Enable", "inspector2:ListAccountPermissions"], resources: ["*"] },
      {
        sid: "CreateInspectorServiceRole",
        actions: ["iam:CreateServiceLinkedRole"],
        resources: [`arn:${partition}:iam::${accountId}:role/aws-service-role/inspector2.amazonaws.com/*`],
        conditions: { StringEquals: { "iam:AWSServiceName": "inspector2.amazonaws.com" } },
      },
    ];
  }
}
