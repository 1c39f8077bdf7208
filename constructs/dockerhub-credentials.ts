import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import { AwsEnvironments, formatArn } from "./aws-environment";
import { markStateful } from "../policies/policy-checks";
import { IGrantable } from "./iam";
import { dockerHubTokenCommand } from "./token-command";

export interface DockerHubCredentialsProps {
  /** SSM path the parameters live under: `<prefix>/username` and `<prefix>/token`. */
  readonly parameterPrefix: string;
  /**
   * Docker Hub username. Not a secret: it is stored as a SecureString all the
   * same, and kept in Terraform state.
   * @default - the parameter holds `UNSET` and builds fail fast until it is set
   */
  readonly username?: string;
  /**
   * The token, as a Terraform expression of an ephemeral value (for example an
   * ephemeral variable's `.value`). It is written once, when the parameter is
   * created, through the write-only argument `value_wo`: it never enters the
   * plan or the state, and later plans do not need it.
   * @default - the parameter is created holding `UNSET`; store the token with `setTokenCommand()`
   */
  readonly initialToken?: string;
  /**
   * Customer managed KMS key ARN for both parameters (same region).
   * @default - the AWS managed key `alias/aws/ssm` (no charge)
   */
  readonly kmsKeyArn?: string;
  /**
   * `"retain"`: the parameters carry `prevent_destroy`, so no config change
   * can delete a stored token. `"destroy"`: they go when removed from config.
   * @default DockerHubCredentials.DEFAULT_REMOVAL_POLICY ("retain")
   */
  readonly removalPolicy?: "retain" | "destroy";
}

/**
 * Docker Hub credentials in SSM Parameter Store, as SecureString parameters.
 *
 * The token is never in synthesized JSON, plans or state: Terraform writes it
 * at most once (at creation, from an ephemeral value), and afterwards only
 * `setTokenCommand()` writes it, reading it from stdin. Nothing Terraform does
 * later rewrites it: `value_wo_version` never changes.
 */
export class DockerHubCredentials extends Construct {
  static readonly DEFAULT_REMOVAL_POLICY = "retain";
  /** What a parameter holds until real values are stored; the build fails fast on it. */
  static readonly UNSET = "UNSET";
  /** The token's `value_wo_version`: constant, so Terraform writes the token only when it creates the parameter. */
  static readonly TOKEN_WRITE_VERSION = 1;

  readonly usernameParameter: SsmParameter;
  readonly tokenParameter: SsmParameter;
  readonly usernameParameterName: string;
  readonly tokenParameterName: string;
  /** Parameter ARNs, built from the names so policies are known at plan time. */
  readonly usernameParameterArn: string;
  readonly tokenParameterArn: string;
  private readonly kmsKeyArn?: string;

  constructor(scope: Construct, id: string, props: DockerHubCredentialsProps) {
    super(scope, id);
    this.kmsKeyArn = props.kmsKeyArn;
    this.usernameParameterName = `${props.parameterPrefix}/username`;
    this.tokenParameterName = `${props.parameterPrefix}/token`;
    this.usernameParameterArn = formatArn(this, { service: "ssm", resource: `parameter${this.usernameParameterName}` });
    this.tokenParameterArn = formatArn(this, { service: "ssm", resource: `parameter${this.tokenParameterName}` });
    const retain = (props.removalPolicy ?? DockerHubCredentials.DEFAULT_REMOVAL_POLICY) === "retain";
    const lifecycle = retain ? { preventDestroy: true } : undefined;
    const mark = { holds: "stored Docker Hub credentials", ...(retain ? {} : { unprotectedBecause: 'removalPolicy is "destroy"' }) };

    this.usernameParameter = new SsmParameter(this, "username", {
      name: this.usernameParameterName,
      description: "Docker Hub username for CodeBuild",
      type: "SecureString",
      keyId: props.kmsKeyArn,
      value: props.username ?? DockerHubCredentials.UNSET,
      lifecycle,
    });
    markStateful(this.usernameParameter, mark);

    // No description: with a write-only value, any in-place update other than
    // tags makes the provider re-put the parameter without its value.
    this.tokenParameter = new SsmParameter(this, "token", {
      name: this.tokenParameterName,
      type: "SecureString",
      keyId: props.kmsKeyArn,
      valueWo: props.initialToken ? Fn.coalesce([props.initialToken, DockerHubCredentials.UNSET]) : DockerHubCredentials.UNSET,
      valueWoVersion: DockerHubCredentials.TOKEN_WRITE_VERSION,
      lifecycle,
    });
    markStateful(this.tokenParameter, mark);
  }

  /**
   * Lets `grantee` read both parameters (what CodeBuild does for
   * `PARAMETER_STORE` variables) and, with a customer key, decrypt them
   * through SSM only.
   */
  grantRead(grantee: IGrantable): void {
    const parameterArns = [this.usernameParameterArn, this.tokenParameterArn];
    grantee.addToPrincipalPolicy({ sid: "ReadDockerHubCredentials", actions: ["ssm:GetParameters"], resources: parameterArns });
    if (this.kmsKeyArn) {
      const { region, urlSuffix } = AwsEnvironments.of(this);
      grantee.addToPrincipalPolicy({
        sid: "DecryptDockerHubCredentials",
        actions: ["kms:Decrypt"],
        resources: [this.kmsKeyArn],
        conditions: {
          StringEquals: {
            "kms:ViaService": `ssm.${region}.${urlSuffix}`,
            "kms:EncryptionContext:PARAMETER_ARN": parameterArns,
          },
        },
      });
    }
  }

  /** A writer for `dockerHubTokenCommand`: `$TOKEN` to `aws ssm put-parameter` on stdin. */
  tokenWriter(): string {
    const { region } = AwsEnvironments.of(this);
    const keyId = this.kmsKeyArn ?? "alias/aws/ssm";
    return (
      `printf %s "$TOKEN" | aws ssm put-parameter --region ${region} --name ${this.tokenParameterName} ` +
      `--type SecureString --key-id ${keyId} --overwrite --value file:///dev/stdin >/dev/null; ` +
      `echo "Stored in SSM parameter ${this.tokenParameterName}." >&2`
    );
  }

  /** The one command that stores or rotates the token (see `dockerHubTokenCommand`). */
  setTokenCommand(): string {
    return dockerHubTokenCommand([this.tokenWriter()], this.tokenParameterName);
  }
}
