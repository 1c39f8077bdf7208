import { DataResource } from "cdktf";
import { Construct } from "constructs";
import { AwsStack, formatArn } from "./aws-stack";
import { IGrantable, PolicyStatement } from "./iam";
import { dockerHubTokenCommand, initialStoreProvisioner, PLACEHOLDER_LABEL, TOKEN_PLACEHOLDER, TokenStoreMode } from "./private/token-command";

export interface DockerHubCredentialsProps {
  /** SSM path the parameters live under: `<prefix>/username` and `<prefix>/token`. */
  readonly parameterPrefix: string;
  /**
   * Docker Hub username (a Docker ID: 4 to 30 lower-case letters and digits).
   * Not a secret; stored as a SecureString all the same.
   * @default - the parameter holds `UNSET` and builds fail fast until it is set
   */
  readonly username?: string;
  /**
   * The token, as a Terraform expression of an ephemeral value that is empty
   * when no token was given (an ephemeral variable with default `""`). Stored once, when the store is created, and only if
   * no token is stored yet; never in the plan or the state.
   * @default - the token parameter holds `UNSET` (labelled `placeholder`); store the token with `setTokenCommand()`
   */
  readonly initialToken?: string;
  /**
   * Customer managed KMS key ARN for both parameters (same region).
   * @default - the AWS managed key `alias/aws/ssm` (no charge)
   */
  readonly kmsKeyArn?: string;
  /** A role the store commands assume first, like the provider's `assume_role`. @default - the deployer's credentials */
  readonly assumeRoleArn?: string;
  /** What messages call the parameters, e.g. `dev (SSM)`. @default - the parameter prefix */
  readonly label?: string;
}

/**
 * Docker Hub credentials in SSM Parameter Store, as SecureString parameters,
 * written outside the resources Terraform refreshes.
 *
 * Terraform never holds the parameters as resources: hashicorp/aws 5.x reads
 * a parameter back with decryption on every refresh, so whoever plans (a pull
 * request's plan role) could read the token. Instead a `terraform_data`
 * record stores them once, when it is created, with the AWS CLI (see
 * token-command.ts): the username always, the token only where none is stored
 * yet. Nothing Terraform does later rewrites or deletes them; `setTokenCommand()`
 * rotates the token, reading it from stdin.
 */
export class DockerHubCredentials extends Construct {
  /** What a parameter holds until real values are stored; the build fails fast on it. */
  static readonly UNSET = TOKEN_PLACEHOLDER;
  /** A Docker ID: what Docker Hub accepts as a username. */
  static readonly USERNAME_PATTERN = /^[a-z0-9]{4,30}$/;

  readonly usernameParameterName: string;
  readonly tokenParameterName: string;
  /** Parameter ARNs, built from the names so policies are known at plan time. */
  readonly usernameParameterArn: string;
  readonly tokenParameterArn: string;
  /** The record whose creation stores the credentials (Terraform's only write of them). */
  readonly store: DataResource;
  private readonly kmsKeyArn?: string;
  private readonly username: string;
  private readonly props: DockerHubCredentialsProps;

  constructor(scope: Construct, id: string, props: DockerHubCredentialsProps) {
    super(scope, id);
    if (props.username !== undefined && !DockerHubCredentials.USERNAME_PATTERN.test(props.username)) {
      throw new Error(`${this.node.path}: username must be a Docker ID (4 to 30 lower-case letters and digits), got "${props.username}"`);
    }
    this.props = props;
    this.kmsKeyArn = props.kmsKeyArn;
    this.username = props.username ?? DockerHubCredentials.UNSET;
    this.usernameParameterName = `${props.parameterPrefix}/username`;
    this.tokenParameterName = `${props.parameterPrefix}/token`;
    this.usernameParameterArn = formatArn(this, { service: "ssm", resource: `parameter${this.usernameParameterName}` });
    this.tokenParameterArn = formatArn(this, { service: "ssm", resource: `parameter${this.tokenParameterName}` });

    this.store = new DataResource(this, "store", {
      // A new name, key or username stores again (the token only where none is stored yet).
      triggersReplace: {
        usernameParameter: this.usernameParameterName,
        tokenParameter: this.tokenParameterName,
        keyId: this.keyId,
        username: this.username,
      },
      provisioners: [initialStoreProvisioner(this.tokenWriter("initial"), this.target, props.initialToken)],
    });
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
      const { region, urlSuffix } = AwsStack.of(this);
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

  /**
   * Shell that stores `$TOKEN` in the token parameter (and, at creation, the
   * username): `initial` only where no token is stored yet, `rotate` always.
   * The token reaches the AWS CLI on stdin only.
   */
  tokenWriter(mode: TokenStoreMode): string {
    const { region } = AwsStack.of(this);
    const put = (name: string) => `aws ssm put-parameter --region ${region} --name ${name} --type SecureString --key-id ${this.keyId}`;
    const token = this.tokenParameterName;
    if (mode === "rotate") {
      return [
        `printf %s "$TOKEN" | ${put(token)} --overwrite --value file:///dev/stdin >/dev/null`,
        `echo "Stored in SSM parameter ${token}." >&2`,
      ].join("\n");
    }
    return [
      `${put(this.usernameParameterName)} --overwrite --value ${this.username} >/dev/null`,
      `if out=$(printf %s "$TOKEN" | ${put(token)} --value file:///dev/stdin 2>&1 >/dev/null); then`,
      `  if [ "$PLACEHOLDER" = true ]; then`,
      `    aws ssm label-parameter-version --region ${region} --name ${token} --labels ${PLACEHOLDER_LABEL} >/dev/null`,
      `    echo "SSM parameter ${token} holds a placeholder: store the token with the dockerhub_set_token_command output." >&2`,
      `  else echo "Stored the token in SSM parameter ${token}." >&2; fi`,
      `elif [[ "$out" == *ParameterAlreadyExists* ]]; then`,
      // Builds may decrypt with the configured key only: a token left under another key would fail every build.
      `  stored_key=$(aws ssm describe-parameters --region ${region} --parameter-filters Key=Name,Values=${token} --query Parameters[0].KeyId --output text)`,
      `  case "$stored_key" in`,
      `    ${this.keyIdForms.map((form) => `"${form}"`).join("|")}) echo "SSM parameter ${token} already holds a token: left as it is." >&2 ;;`,
      `    *) echo "SSM parameter ${token} holds a token encrypted with $stored_key, not ${this.keyId} as dockerHub.kmsKeyArn says: builds could not decrypt it. ` +
        `Store the token again with that key: pipe it into the dockerhub_set_token_command output (it writes with the configured key), then deploy again." >&2; exit 1 ;;`,
      `  esac`,
      `else echo "$out" >&2; exit 1; fi`,
    ].join("\n");
  }

  /**
   * What whoever deploys this construct needs beyond its resources: the
   * store's provisioner writes both parameters (and, with a customer key,
   * encrypts through SSM), and reads which key encrypts a token stored
   * earlier. Never a read of a value.
   */
  deployerStatements(): PolicyStatement[] {
    const { region, urlSuffix } = AwsStack.of(this);
    const parameters = [this.usernameParameterArn, this.tokenParameterArn];
    return [
      { sid: "StoreDockerHubCredentials", actions: ["ssm:PutParameter", "ssm:LabelParameterVersion"], resources: parameters },
      // Which key encrypts a token stored earlier (metadata, never the value): DescribeParameters has no resource-level permissions.
      { sid: "DescribeDockerHubCredentials", actions: ["ssm:DescribeParameters"], resources: ["*"] },
      ...(this.kmsKeyArn
        ? [
            {
              sid: "EncryptDockerHubCredentials",
              actions: ["kms:Encrypt", "kms:GenerateDataKey"],
              resources: [this.kmsKeyArn],
              conditions: { StringEquals: { "kms:ViaService": `ssm.${region}.${urlSuffix}` } },
            },
          ]
        : []),
    ];
  }

  /** The one command that stores or rotates the token (see `dockerHubTokenCommand`). */
  setTokenCommand(): string {
    return dockerHubTokenCommand([this.tokenWriter("rotate")], this.target);
  }

  private get keyId(): string {
    return this.kmsKeyArn ?? "alias/aws/ssm";
  }

  /** How DescribeParameters may report the configured key: as given, or (a key ARN) by its key id. */
  private get keyIdForms(): string[] {
    const keyId = /:key\/([0-9a-f-]+)$/.exec(this.keyId)?.[1];
    return keyId ? [this.keyId, keyId] : [this.keyId];
  }

  private get target() {
    const { accountId, region } = AwsStack.of(this);
    return { accountId, region, assumeRoleArn: this.props.assumeRoleArn, label: this.props.label ?? this.props.parameterPrefix };
  }
}
