/**
 * The doctor: proves a deployed environment escapes Docker Hub's pull limit,
 * with the environment's own credentials, reading only (unless a smoke build
 * is asked for). Each check is one line: ok, warn, or fail with what to do.
 *
 * What the doctor's credentials need (all reads: an administrator's, the
 * deploy role's, or a ReadOnlyAccess role's; not the CI plan role's, which is
 * refused ssm:GetParameterHistory and holds no iam:SimulatePrincipalPolicy): sts:GetCallerIdentity (and sts:AssumeRole on
 * deploy.assumeRoleArn), ssm:DescribeParameters, ssm:GetParameterHistory,
 * secretsmanager:DescribeSecret, secretsmanager:ListSecretVersionIds,
 * iam:SimulatePrincipalPolicy, ecr:DescribePullThroughCacheRules,
 * ecr:ValidatePullThroughCacheRule, ecr:DescribeImages,
 * codebuild:BatchGetProjects, codebuild:ListBuildsForProject,
 * codebuild:BatchGetBuilds, cloudwatch:DescribeAlarms, ec2:Describe*
 * (NAT gateways, addresses, route tables), and s3:GetObject on the state.
 * --smoke adds codebuild:StartBuild and, to read the build's log,
 * logs:GetLogEvents. It never reads a secret value: no GetParameter(s) with
 * decryption, no GetSecretValue, no kms:Decrypt.
 */
import { Environment } from "../config/environment";
import { AssumeRoleFailed, AwsSettings, Connection, connect, DoctorClients } from "./aws";
import { Area, CheckResult, describeError, errorName, fail, ok } from "./check";
import { credentialsChecks } from "./checks/credentials";
import { mirrorChecks } from "./checks/mirror";
import { networkChecks } from "./checks/network";
import { SmokeOptions, smokeChecks } from "./checks/smoke";
import { DoctorContext } from "./context";
import { OutputsSource, readStackOutputs, StackOutputs } from "./outputs";
import { DoctorReport } from "./report";

export type { AwsSettings, DoctorClients } from "./aws";
export type { Area, CheckResult, Status } from "./check";
export type { StackOutputs } from "./outputs";
export { EXIT_CODES, EXIT_USAGE, exitCode, formatJson, formatReport, formatResult, progressPrinter, summarize } from "./report";
export type { DoctorReport, Summary } from "./report";

export interface DoctorOptions {
  /** Start one build of the project to prove the pull end to end (the only change the doctor makes). @default false */
  readonly smoke?: boolean;
  /** Where the AWS calls go, when not where the SDK's configuration says (the emulator, in tests). */
  readonly aws?: AwsSettings;
  /** Stand-ins for single clients: the SDK's client mock, for calls the emulator lacks. */
  readonly clients?: Partial<DoctorClients>;
  /** The stack's outputs, when the caller has them: else they are read from the environment's state. */
  readonly outputs?: StackOutputs;
  /** Receives the smoke build's progress line (a terminal rewrites it in place). @default - dropped */
  readonly progress?: (line: string) => void;
  /** Waits between the smoke build's polls. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly smokeOptions?: SmokeOptions;
}

/**
 * Runs every check that applies to the environment's strategies and returns
 * the report; never throws for what it finds in AWS (an unreadable area is a
 * failed line). The access check comes first: with credentials for another
 * account nothing else runs, so no line ever describes the wrong account.
 */
export async function runDoctor(environment: Environment, options: DoctorOptions = {}): Promise<DoctorReport> {
  const base = { environment: environment.name, accountId: environment.accountId, region: environment.region, strategies: environment.strategies, smoke: options.smoke === true };
  let connection: Connection;
  try {
    connection = await connect(environment, options.aws, options.clients);
  } catch (error) {
    return { ...base, results: [connectFailure(environment, error)] };
  }
  try {
    const { identity, assumedRoleArn } = connection;
    const reached = { ...base, identity, ...(assumedRoleArn ? { assumedRoleArn } : {}) };
    const access = accessCheck(environment, connection);
    if (access.status === "fail") return { ...reached, results: [access] };

    let outputs: Promise<OutputsSource> | undefined;
    const context: DoctorContext = {
      environment,
      clients: connection.clients,
      identity,
      outputs: () => (outputs ??= options.outputs ? Promise.resolve({ outputs: options.outputs, where: "the outputs given" }) : readStackOutputs(environment, connection)),
      progress: options.progress ?? (() => undefined),
      sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    };
    const areas = await Promise.all([
      area("credentials", () => credentialsChecks(context)),
      area("mirror", () => mirrorChecks(context)),
      area("network", () => networkChecks(context)),
    ]);
    const results = [access, ...areas.flat()];
    if (options.smoke) results.push(...(await area("smoke", () => smokeChecks(context, options.smokeOptions))));
    return { ...reached, results };
  } finally {
    connection.destroy();
  }
}

/** An area's checks; whatever escapes them is that area's failed line, not the end of the run. */
async function area(name: Area, run: () => Promise<CheckResult[]>): Promise<CheckResult[]> {
  try {
    return await run();
  } catch (error) {
    return [fail(`${name}.error`, name, `the ${name} checks stopped: ${describeError(error)}`, "run the doctor again; if it persists, report it with this line")];
  }
}

/** The credentials are for the environment's account: else every other line would describe the wrong one. */
function accessCheck(environment: Environment, connection: Connection): CheckResult {
  const { account, arn } = connection.identity;
  const assumed = connection.assumedRoleArn ? `, assumed from deploy.assumeRoleArn` : "";
  if (account !== environment.accountId) {
    return fail(
      "access.account",
      "access",
      `these credentials are for account ${account} (${arn}), not ${environment.accountId} where ${environment.name} is`,
      `use ${environment.name}'s credentials (AWS_PROFILE, aws sso login, the CI role)${environment.deploy.assumeRoleArn ? "" : ", or set deploy.assumeRoleArn to a role there"}`,
    );
  }
  return ok("access.account", "access", `running as ${arn} in account ${account}${assumed}`);
}

/** Why the doctor could not even ask who it is: no credentials, or a role it may not assume. */
function connectFailure(environment: Environment, error: unknown): CheckResult {
  if (error instanceof AssumeRoleFailed) {
    if (errorName(error.cause) === "CredentialsProviderError") return connectFailure(environment, error.cause);
    return fail("access.assume-role", "access", `could not assume deploy.assumeRoleArn ${error.roleArn}: ${describeError(error.cause)}`, "use credentials the role's trust policy allows to assume it");
  }
  if (errorName(error) === "CredentialsProviderError") {
    return fail("access.credentials", "access", `no AWS credentials: ${describeError(error)}`, "log in first (aws sso login, AWS_PROFILE, or the CI role's credentials)");
  }
  return fail("access.credentials", "access", `could not call STS: ${describeError(error)}`, "check the AWS credentials and network, then run the doctor again");
}
