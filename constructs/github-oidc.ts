import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Construct } from "constructs";
import { stsAudience } from "../aws/partitions";
import { named, refuse, roleNameProblem } from "../aws/rules";
import { AwsStack } from "./aws-stack";
import { PolicyStatement, policyDocument, policySize } from "./iam";

/** GitHub Actions' OIDC issuer: one identity provider per account for this URL. */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";

/** IAM's limit on the inline policies of one role, in characters without whitespace. */
const INLINE_POLICY_LIMIT = 10_240;

export interface GithubOidcProviderProps {
  /**
   * `"create"`: this construct creates the provider. `"existing"`: the
   * account has it already (IAM allows one per URL); it is referred to by ARN.
   */
  readonly mode: "create" | "existing";
}

/**
 * GitHub's OIDC identity provider in the account, created or referred to.
 * Its audience is STS in the partition (`sts.amazonaws.com`, or
 * `sts.amazonaws.com.cn` in China); IAM trusts GitHub's certificate
 * through its own root CAs, so no thumbprint is pinned.
 */
export class GithubOidcProvider extends Construct {
  readonly providerArn: string;
  /** The `aud` claim roles trust: what the workflow passes as `audience`. */
  readonly audience: string;
  readonly provider?: IamOpenidConnectProvider;

  constructor(scope: Construct, id: string, props: GithubOidcProviderProps) {
    super(scope, id);
    const { partition, accountId, region } = AwsStack.of(this);
    this.audience = stsAudience(region);
    if (props.mode === "create") {
      this.provider = new IamOpenidConnectProvider(this, "provider", { url: `https://${GITHUB_OIDC_HOST}`, clientIdList: [this.audience] });
      this.providerArn = this.provider.arn;
    } else {
      this.providerArn = `arn:${partition}:iam::${accountId}:oidc-provider/${GITHUB_OIDC_HOST}`;
    }
  }
}

export interface GithubActionsRoleProps {
  /** The role's name. */
  readonly roleName: string;
  /** @default "/" */
  readonly path?: string;
  readonly oidc: GithubOidcProvider;
  /**
   * The `sub` claims that may assume the role, exactly (no wildcards):
   * `repo:<owner>/<repository>:pull_request`, `repo:<owner>/<repository>:environment:<name>`.
   */
  readonly subjects: readonly string[];
  /** The role's permissions, in one inline policy. */
  readonly statements: readonly PolicyStatement[];
  /** A managed policy capping the role itself. @default - none */
  readonly permissionsBoundaryArn?: string;
  /** @default 3600 (one hour: a deploy of the biggest environment takes minutes) */
  readonly maxSessionDurationSeconds?: number;
  /** @default - none */
  readonly description?: string;
}

const SUBJECT = /^repo:[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}:(pull_request|environment:[^*?]+|ref:refs\/[^*?]+)$/;

/**
 * A role GitHub Actions assumes with its OIDC token, trusted for exact
 * subjects of one repository and for STS as the audience, holding exactly
 * the statements given.
 */
export class GithubActionsRole extends Construct {
  readonly role: IamRole;
  readonly policy: IamRolePolicy;

  constructor(scope: Construct, id: string, props: GithubActionsRoleProps) {
    super(scope, id);
    refuse(this.node.path, [named("roleName", props.roleName, roleNameProblem)]);
    if (props.subjects.length === 0) throw new Error(`${this.node.path}: subjects is empty: name who may assume the role`);
    for (const subject of props.subjects) {
      if (!SUBJECT.test(subject)) {
        throw new Error(
          `${this.node.path}: subject "${subject}" is not an exact GitHub subject (repo:<owner>/<repository>:pull_request, ...:environment:<name> or ...:ref:refs/...)`,
        );
      }
    }
    const document = policyDocument(props.statements);
    const size = policySize(document);
    if (size > INLINE_POLICY_LIMIT) {
      throw new Error(`${this.node.path}: the policy is ${size} characters; IAM allows ${INLINE_POLICY_LIMIT} of inline policy per role`);
    }
    this.role = new IamRole(this, "role", {
      name: props.roleName,
      path: props.path,
      description: props.description,
      maxSessionDuration: props.maxSessionDurationSeconds ?? 3600,
      permissionsBoundary: props.permissionsBoundaryArn,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "GitHubActions",
            Effect: "Allow",
            Principal: { Federated: props.oidc.providerArn },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
              StringEquals: {
                [`${GITHUB_OIDC_HOST}:aud`]: props.oidc.audience,
                [`${GITHUB_OIDC_HOST}:sub`]: props.subjects.length === 1 ? props.subjects[0] : [...props.subjects],
              },
            },
          },
        ],
      }),
    });
    this.policy = new IamRolePolicy(this, "policy", { name: "ci", role: this.role.name, policy: JSON.stringify(document) });
  }

  get roleArn(): string {
    return this.role.arn;
  }
}
