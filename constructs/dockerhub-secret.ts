import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { DataResource } from "cdktf";
import { Construct } from "constructs";
import { AwsStack, formatArn } from "./aws-stack";
import { DockerHubCredentials } from "./dockerhub-credentials";
import { IGrantable, PolicyStatement } from "./iam";
import { protectStateful } from "./private/stateful";
import { adopt } from "./private/terraform-blocks";
import { dockerHubTokenCommand, initialStoreProvisioner, PLACEHOLDER_LABEL, TokenStoreMode } from "./private/token-command";

export interface DockerHubSecretProps {
  /**
   * The secret's name. ECR's pull-through cache only reads secrets whose
   * name starts with `ecr-pullthroughcache/`.
   */
  readonly secretName: string;
  /** Docker Hub username (a Docker ID; not a secret). @default - `UNSET`; the sync job and the cache fail until it is set */
  readonly username?: string;
  /**
   * The token, as a Terraform expression of an ephemeral value that is empty
   * when no token was given (an ephemeral variable with default `""`). Stored once,
   * when the secret has no value yet; never in the plan or the state.
   * @default - the secret's first value holds `UNSET` (staged `placeholder`); store the token with `setTokenCommand()`
   */
  readonly initialToken?: string;
  /**
   * `"retain"`: the secret carries `prevent_destroy`.
   * @default "retain"
   */
  readonly removalPolicy?: "retain" | "destroy";
  /** A role the store commands assume first, like the provider's `assume_role`. @default - the deployer's credentials */
  readonly assumeRoleArn?: string;
  /** What messages call the secret. @default - the secret's name */
  readonly label?: string;
  /**
   * Pins the Terraform addresses of the secret and of the record that stores
   * its first value, so a refactor never replaces stored credentials (set
   * here: cdktf fixes an id once referenced).
   * @default - cdktf's ids, derived from the construct path
   */
  readonly logicalIds?: { readonly secret: string; readonly store: string };
}

/**
 * Docker Hub credentials in Secrets Manager, as ECR's pull-through cache
 * wants them: a JSON secret with `username` and `accessToken`.
 *
 * Terraform manages the secret (its metadata: refreshing it never reads the
 * value) but never its value: hashicorp/aws 5.x reads a secret version back
 * with GetSecretValue on every refresh. A `terraform_data` record stores the
 * first value when the secret has none (see token-command.ts), and
 * `setTokenCommand()` rotates it, reading the token from stdin.
 */
export class DockerHubSecret extends Construct {
  /** ECR's pull-through cache reads only secrets with this prefix. */
  static readonly NAME_PREFIX = "ecr-pullthroughcache/";

  readonly secret: SecretsmanagerSecret;
  readonly secretName: string;
  /** Matches the secret by name whatever its random suffix, so policies are known at plan time. */
  readonly secretArnPattern: string;
  /** The record whose creation stores the first value: what must exist before anything reads the secret. */
  readonly store: DataResource;
  private readonly username: string;
  private readonly props: DockerHubSecretProps;

  constructor(scope: Construct, id: string, props: DockerHubSecretProps) {
    super(scope, id);
    if (!props.secretName.startsWith(DockerHubSecret.NAME_PREFIX)) {
      throw new Error(`${this.node.path}: the secret name must start with "${DockerHubSecret.NAME_PREFIX}", got "${props.secretName}"`);
    }
    if (props.username !== undefined && !DockerHubCredentials.USERNAME_PATTERN.test(props.username)) {
      throw new Error(`${this.node.path}: username must be a Docker ID (4 to 30 lower-case letters and digits), got "${props.username}"`);
    }
    this.props = props;
    this.secretName = props.secretName;
    this.username = props.username ?? DockerHubCredentials.UNSET;
    this.secretArnPattern = formatArn(this, { service: "secretsmanager", resource: `secret:${props.secretName}-??????` });
    this.secret = new SecretsmanagerSecret(this, "secret", {
      name: props.secretName,
      description: "Docker Hub credentials for ECR's pull-through cache and the mirror sync",
    });
    if (props.logicalIds) this.secret.overrideLogicalId(props.logicalIds.secret);
    protectStateful(this.secret, { holds: "stored Docker Hub credentials", removalPolicy: props.removalPolicy });

    this.store = new DataResource(this, "store", {
      // The secret's ARN: stored after the secret exists, and again for a new secret (never over a stored value).
      triggersReplace: { secret: this.secret.arn, username: this.username },
      provisioners: [initialStoreProvisioner(this.tokenWriter("initial"), this.target, props.initialToken)],
    });
    if (props.logicalIds) this.store.overrideLogicalId(props.logicalIds.store);
  }

  /** What whoever deploys this construct needs beyond the secret: the store's provisioner counts versions and writes the first value. */
  deployerStatements(): PolicyStatement[] {
    return [{ sid: "StoreMirrorCredentials", actions: ["secretsmanager:ListSecretVersionIds", "secretsmanager:PutSecretValue"], resources: [this.secretArnPattern] }];
  }

  /**
   * Shell that stores `$TOKEN` as the secret's value (JSON with the
   * username): `initial` only when the secret has no value yet, `rotate`
   * always. The value reaches the AWS CLI on stdin only.
   */
  tokenWriter(mode: TokenStoreMode): string {
    const { region } = AwsStack.of(this);
    const name = this.secretName;
    const put = (stages: string) =>
      `printf "{\\"username\\":\\"%s\\",\\"accessToken\\":\\"%s\\"}" "${this.username}" "$TOKEN" | ` +
      `aws secretsmanager put-secret-value --region ${region} --secret-id ${name} --secret-string file:///dev/stdin${stages} >/dev/null`;
    if (mode === "rotate") return [put(""), `echo "Stored in secret ${name}." >&2`].join("\n");
    return [
      `versions=$(aws secretsmanager list-secret-version-ids --region ${region} --secret-id ${name} --include-deprecated --query "length(Versions)" --output text)`,
      `if [ "$versions" != 0 ]; then echo "Secret ${name} already holds a token: left as it is." >&2`,
      `elif [ "$PLACEHOLDER" = true ]; then`,
      `  ${put(` --version-stages AWSCURRENT ${PLACEHOLDER_LABEL}`)}`,
      `  echo "Secret ${name} holds a placeholder: store the token with the dockerhub_set_token_command output." >&2`,
      `else`,
      `  ${put("")}`,
      `  echo "Stored the token in secret ${name}." >&2`,
      `fi`,
    ].join("\n");
  }

  /**
   * The secret already exists (left in Secrets Manager by an earlier deploy
   * that stopped hosting the mirror): import it, with its value, instead of
   * creating it. Secrets Manager finds a secret by name as well as by ARN.
   */
  adopt(): void {
    adopt(this, `${this.secret.terraformResourceType}.${this.secret.friendlyUniqueId}`, this.secretName);
  }

  /** The one command that stores or rotates the token (see `dockerHubTokenCommand`). */
  setTokenCommand(): string {
    return dockerHubTokenCommand([this.tokenWriter("rotate")], this.target);
  }

  /** Lets `grantee` read the secret (CodeBuild does, for SECRETS_MANAGER variables). */
  grantRead(grantee: IGrantable): void {
    grantee.addToPrincipalPolicy({
      sid: "ReadDockerHubSecret",
      actions: ["secretsmanager:GetSecretValue"],
      resources: [this.secretArnPattern],
    });
  }

  private get target() {
    const { accountId, region } = AwsStack.of(this);
    return { accountId, region, assumeRoleArn: this.props.assumeRoleArn, label: this.props.label ?? this.secretName };
  }
}
