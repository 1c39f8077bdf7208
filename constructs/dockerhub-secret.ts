import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import { AwsEnvironments, formatArn } from "./aws-environment";
import { DockerHubCredentials } from "./dockerhub-credentials";
import { markStateful } from "../policies/policy-checks";
import { IGrantable } from "./iam";
import { dockerHubTokenCommand } from "./token-command";

export interface DockerHubSecretProps {
  /**
   * The secret's name. ECR's pull-through cache only reads secrets whose
   * name starts with `ecr-pullthroughcache/`.
   */
  readonly secretName: string;
  /** Docker Hub username (not a secret). @default - `UNSET`; the sync job and the cache fail until it is set */
  readonly username?: string;
  /**
   * The token, as a Terraform expression of an ephemeral value. Written once,
   * when the secret's first version is created, through `secret_string_wo`:
   * never in the plan or the state.
   * @default - the secret is created holding `UNSET`; store the token with `setTokenCommand()`
   */
  readonly initialToken?: string;
  /**
   * `"retain"`: the secret and its first version carry `prevent_destroy`.
   * @default "retain"
   */
  readonly removalPolicy?: "retain" | "destroy";
  /**
   * Pins the Terraform addresses of the secret and its first version, so a
   * refactor never replaces stored credentials (set here: cdktf fixes an id once referenced).
   * @default - cdktf's ids, derived from the construct path
   */
  readonly logicalIds?: { readonly secret: string; readonly initialVersion: string };
}

/**
 * Docker Hub credentials in Secrets Manager, as ECR's pull-through cache
 * wants them: a JSON secret with `username` and `accessToken`.
 *
 * Like the SSM parameters: Terraform writes the token at most once, and
 * `setTokenCommand()` rotates it out of band, reading it from stdin. The
 * first version keeps a label of its own (`TERRAFORM_INITIAL`) and Terraform
 * ignores where `AWSCURRENT` moves, so a rotation is never undone and the
 * first version is never cleaned away and re-created.
 */
export class DockerHubSecret extends Construct {
  /** ECR's pull-through cache reads only secrets with this prefix. */
  static readonly NAME_PREFIX = "ecr-pullthroughcache/";

  readonly secret: SecretsmanagerSecret;
  readonly secretName: string;
  /** Matches the secret by name whatever its random suffix, so policies are known at plan time. */
  readonly secretArnPattern: string;
  private readonly username: string;

  constructor(scope: Construct, id: string, props: DockerHubSecretProps) {
    super(scope, id);
    if (!props.secretName.startsWith(DockerHubSecret.NAME_PREFIX)) {
      throw new Error(`${this.node.path}: the secret name must start with "${DockerHubSecret.NAME_PREFIX}", got "${props.secretName}"`);
    }
    this.secretName = props.secretName;
    this.username = props.username ?? DockerHubCredentials.UNSET;
    this.secretArnPattern = formatArn(this, { service: "secretsmanager", resource: `secret:${props.secretName}-??????` });
    const retain = (props.removalPolicy ?? "retain") === "retain";
    const lifecycle = retain ? { preventDestroy: true } : undefined;
    const mark = { holds: "stored Docker Hub credentials", ...(retain ? {} : { unprotectedBecause: 'removalPolicy is "destroy"' }) };
    this.secret = new SecretsmanagerSecret(this, "secret", {
      name: props.secretName,
      description: "Docker Hub credentials for ECR's pull-through cache and the mirror sync",
      lifecycle,
    });
    if (props.logicalIds) this.secret.overrideLogicalId(props.logicalIds.secret);
    markStateful(this.secret, mark);
    const token = props.initialToken ? Fn.coalesce([props.initialToken, DockerHubCredentials.UNSET]) : DockerHubCredentials.UNSET;
    const version = new SecretsmanagerSecretVersion(this, "initial-version", {
      secretId: this.secret.id,
      secretStringWo: Fn.jsonencode({ username: this.username, accessToken: token }),
      secretStringWoVersion: DockerHubCredentials.TOKEN_WRITE_VERSION,
      versionStages: ["AWSCURRENT", "TERRAFORM_INITIAL"],
      lifecycle: { ...lifecycle, ignoreChanges: ["version_stages"] },
    });
    if (props.logicalIds) version.overrideLogicalId(props.logicalIds.initialVersion);
    markStateful(version, mark);
  }

  /** A writer for `dockerHubTokenCommand`: the JSON secret, built by printf, to `aws secretsmanager` on stdin. */
  tokenWriter(): string {
    const { region } = AwsEnvironments.of(this);
    return (
      `printf "{\\"username\\":\\"%s\\",\\"accessToken\\":\\"%s\\"}" "${this.username}" "$TOKEN" | ` +
      `aws secretsmanager put-secret-value --region ${region} --secret-id ${this.secretName} --secret-string file:///dev/stdin >/dev/null; ` +
      `echo "Stored in secret ${this.secretName}." >&2`
    );
  }

  /** The one command that stores or rotates the token (see `dockerHubTokenCommand`). */
  setTokenCommand(): string {
    return dockerHubTokenCommand([this.tokenWriter()], this.secretName);
  }

  /** Lets `grantee` read the secret (CodeBuild does, for SECRETS_MANAGER variables). */
  grantRead(grantee: IGrantable): void {
    grantee.addToPrincipalPolicy({
      sid: "ReadDockerHubSecret",
      actions: ["secretsmanager:GetSecretValue"],
      resources: [this.secretArnPattern],
    });
  }
}
