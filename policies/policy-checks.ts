/**
 * Policy checks at synth: a cdktf aspect that runs every rule over a stack
 * as Terraform will see it and reports through Annotations. An error fails
 * synth, naming the resource and the rule; a rule can be acknowledged, with
 * a written reason, in the environment's config (`policy.acknowledge`).
 */
import { AnnotationMetadataEntryType, Annotations, IAspect, TerraformResource, TerraformStack } from "cdktf";
import { IConstruct } from "constructs";
import { CheckedResource, CheckedStack, PolicyRule, STATEFUL_METADATA, StatefulMark } from "./rule";
import { RULES } from "./rules";

export interface PolicyChecksProps {
  /** Rule id -> why this environment may break it. @default - none: every finding counts */
  readonly acknowledgements?: Readonly<Partial<Record<string, string>>>;
  /** @default RULES */
  readonly rules?: readonly PolicyRule[];
}

export class PolicyChecks implements IAspect {
  private readonly checked = new WeakSet<IConstruct>();

  constructor(private readonly props: PolicyChecksProps = {}) {}

  /** Checks a stack once (cdktf may visit it again during synth). */
  visit(node: IConstruct): void {
    if (!(node instanceof TerraformStack) || this.checked.has(node)) return;
    this.checked.add(node);
    const stack = checkedStack(node);
    for (const rule of this.props.rules ?? RULES) {
      for (const finding of rule.check(stack)) {
        const where = `[${rule.id}] ${finding.resource.address}: ${finding.message}.`;
        const reason = this.props.acknowledgements?.[rule.id];
        const annotations = Annotations.of(finding.resource.construct);
        if (reason) annotations.addInfo(`${where} Acknowledged: ${reason}`);
        else if (rule.level === "error") annotations.addError(`${where} ${rule.info} ${rule.explanation}`);
        else annotations.addWarning(`${where} ${rule.info} ${rule.explanation}`);
      }
    }
  }
}

/** The stack's resources as Terraform will see them, each with the construct that made it. */
function checkedStack(stack: TerraformStack): CheckedStack {
  const blocks = (stack.toTerraform() as { resource?: Record<string, Record<string, Record<string, unknown>>> }).resource ?? {};
  const constructs = new Map(
    stack.node
      .findAll()
      .filter((c): c is TerraformResource => c instanceof TerraformResource)
      .map((c) => [`${c.terraformResourceType}.${c.friendlyUniqueId}`, c] as const),
  );
  const resources: CheckedResource[] = Object.entries(blocks).flatMap(([type, byName]) =>
    Object.entries(byName).map(([name, config]) => {
      const construct = constructs.get(`${type}.${name}`) ?? stack;
      const stateful = construct.node.metadata.find((m) => m.type === STATEFUL_METADATA)?.data as StatefulMark | undefined;
      return { address: `${type}.${name}`, type, config, construct, ...(stateful ? { stateful } : {}) };
    }),
  );
  return {
    resources,
    ofType: (type) => resources.filter((r) => r.type === type),
    byAddress: (address) => resources.find((r) => r.address === address),
  };
}

/** The error annotations under `scope`, as "path: message" (what fails synth). */
export function policyErrors(scope: IConstruct): string[] {
  return scope.node
    .findAll()
    .flatMap((c) => c.node.metadata.filter((m) => m.type === AnnotationMetadataEntryType.ERROR).map((m) => `${c.node.path}: ${String(m.data)}`));
}

/** Thrown before anything is written when policy checks fail, listing every error of every stack. */
export class PolicyError extends Error {
  constructor(readonly errors: readonly string[]) {
    super(
      [
        `Policy checks failed: ${errors.length} error${errors.length === 1 ? "" : "s"}. Nothing was synthesized.`,
        "",
        ...errors.map((error) => `  ${error}`),
        "",
        'Fix the resource, or acknowledge the rule with a reason in the environment file: "policy": { "acknowledge": { "<rule id>": "<why>" } }',
      ].join("\n"),
    );
    this.name = "PolicyError";
  }
}
