import { TerraformStack } from "cdktf";
import { Construct, IConstruct } from "constructs";
import { Partition, PARTITION_FACTS, partitionOf } from "../aws/partitions";
import { accountIdProblem, refuse, regionProblem } from "../aws/rules";

/**
 * The AWS account and region a stack deploys into.
 *
 * The constructs build ARNs from these values instead of reading them from
 * AWS (no data source), so a plan shows every IAM policy in full, and the
 * whole project synthesizes and plans offline.
 */
export interface AwsStackProps {
  /** The 12-digit AWS account id. */
  readonly accountId: string;
  /** The region, e.g. `eu-west-1`: one the pinned provider (hashicorp/aws 5.100.0) knows. */
  readonly region: string;
}

const AWS_STACK = Symbol.for("dockerhub-pull-escape.AwsStack");

/**
 * A Terraform stack in one AWS account and region. Every construct of this
 * package finds its account, region and partition with `AwsStack.of(this)`,
 * so it must be created inside one: extend it (as `DockerPullStack` does),
 * or create one and add the constructs to it.
 */
export class AwsStack extends TerraformStack {
  /** Whether `x` is an AwsStack, even one from another copy of this package. */
  static isAwsStack(x: unknown): x is AwsStack {
    return typeof x === "object" && x !== null && AWS_STACK in x;
  }

  /** The AwsStack `scope` is in. Throws, naming the construct, when it is in a plain TerraformStack. */
  static override of(scope: IConstruct): AwsStack {
    const stack = TerraformStack.of(scope);
    if (!AwsStack.isAwsStack(stack)) {
      throw new Error(
        `${scope.node.path}: this construct needs an AWS account and region: create it in an AwsStack ` +
          `(new AwsStack(app, id, { accountId, region }), or a stack that extends it), not in ${stack.node.path}, a plain TerraformStack.`,
      );
    }
    return stack;
  }

  readonly accountId: string;
  readonly region: string;
  /** The ARN partition: `aws`, `aws-cn` or `aws-us-gov`, from the region. */
  readonly partition: Partition;
  /** The DNS suffix of service endpoints: `amazonaws.com` or `amazonaws.com.cn`. */
  readonly urlSuffix: string;

  constructor(scope: Construct, id: string, props: AwsStackProps) {
    super(scope, id);
    refuse(this.node.path, [accountIdProblem(props.accountId) && `accountId "${props.accountId}": ${accountIdProblem(props.accountId)}`, regionProblem(props.region) && `region "${props.region}" is not one the pinned AWS provider knows`]);
    Object.defineProperty(this, AWS_STACK, { value: true });
    this.accountId = props.accountId;
    this.region = props.region;
    this.partition = partitionOf(props.region);
    this.urlSuffix = PARTITION_FACTS[this.partition].urlSuffix;
  }
}

/** The parts of an ARN: `arn:<partition>:<service>:<region>:<account>:<resource>`. */
export interface ArnParts {
  /** The service namespace, e.g. `ssm`. */
  readonly service: string;
  /** Everything after the account, e.g. `parameter/team/token`. */
  readonly resource: string;
  /** @default - the stack's region; `""` for global services such as IAM and S3 */
  readonly region?: string;
  /** @default - the stack's account; `""` for S3 */
  readonly accountId?: string;
}

/** Builds an ARN in the account and region of the AwsStack `scope` is in. */
export function formatArn(scope: IConstruct, parts: ArnParts): string {
  const stack = AwsStack.of(scope);
  return `arn:${stack.partition}:${parts.service}:${parts.region ?? stack.region}:${parts.accountId ?? stack.accountId}:${parts.resource}`;
}
