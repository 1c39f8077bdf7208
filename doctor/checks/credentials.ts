/**
 * Credentials: the stored Docker Hub token exists, is not the placeholder the
 * first deploy stores without one, and the roles that use it may read it.
 *
 * All from metadata, never from a value: DescribeParameters, the version
 * labels of GetParameterHistory (without decryption; the client drops the
 * values, see aws.ts), DescribeSecret and ListSecretVersionIds (stages), and
 * the IAM policy simulator for the roles. Never GetParameter(s) with
 * decryption, never GetSecretValue.
 */
import { ListSecretVersionIdsCommand, DescribeSecretCommand, DescribeSecretCommandOutput } from "@aws-sdk/client-secrets-manager";
import { DescribeParametersCommand, GetParameterHistoryCommand, ParameterMetadata } from "@aws-sdk/client-ssm";
import { ContextEntry, SimulatePrincipalPolicyCommand } from "@aws-sdk/client-iam";
import { Environment, usesStrategy } from "../../config/environment";
import { PLACEHOLDER_LABEL } from "../../constructs/private/token-command";
import { PARTITION_FACTS, partitionOf } from "../../aws/partitions";
import { CheckResult, day, errorName, fail, guarded, ok } from "../check";
import { ROLE_NAMES } from "../../aws/defaults";
import { deployCommand, DoctorContext, parameterArn, roleArn, setTokenCommand } from "../context";

const AREA = "credentials";
/** The key SSM uses when the config names none (what the stack writes with). */
const DEFAULT_SSM_KEY = "alias/aws/ssm";

/** The credentials checks that apply to the environment's strategies (none for fixed-ip alone). */
export async function credentialsChecks(context: DoctorContext): Promise<CheckResult[]> {
  const { environment } = context;
  const results: CheckResult[] = [];
  if (usesStrategy(environment, "authenticated")) {
    const prefix = environment.dockerHub.parameterPrefix;
    results.push(...(await guarded("credentials.token", AREA, `read SSM parameter ${prefix}/token`, () => tokenParameter(context))));
    results.push(...(await guarded("credentials.username", AREA, `read SSM parameter ${prefix}/username`, () => usernameParameter(context))));
    results.push(...(await guarded("credentials.build-role", AREA, "simulate the build role's policies", () => buildRoleReadsParameters(context))));
  }
  const mirror = environment.mirror;
  if (usesStrategy(environment, "mirror") && mirror.registry === "own") {
    results.push(...(await guarded("credentials.mirror-secret", AREA, `read secret ${mirror.secretName}`, () => mirrorSecret(context))));
  }
  return results;
}

/** The token parameter: exists, a SecureString under the configured key, and its current version is not labelled placeholder. */
async function tokenParameter(context: DoctorContext): Promise<CheckResult[]> {
  const { environment } = context;
  const id = "credentials.token";
  const name = `${environment.dockerHub.parameterPrefix}/token`;
  const parameter = await describeParameter(context, name);
  if (!parameter) {
    return [fail(id, AREA, `SSM parameter ${name} does not exist`, `${deployCommand(environment)}: its first deploy creates it (give the token as TF_VAR_dockerhub_token)`)];
  }
  if (parameter.Type !== "SecureString") {
    return [fail(id, AREA, `SSM parameter ${name} is a ${parameter.Type}, not a SecureString`, `store the token again, as a SecureString: ${setTokenCommand(environment)}`)];
  }
  const configuredKey = environment.dockerHub.kmsKeyArn ?? DEFAULT_SSM_KEY;
  if (parameter.KeyId && !keyIdForms(configuredKey).includes(parameter.KeyId)) {
    return [
      fail(
        id,
        AREA,
        `SSM parameter ${name} is encrypted with ${parameter.KeyId}, not ${configuredKey} as the config says: builds could not decrypt it`,
        `store the token again with the configured key: ${setTokenCommand(environment)}`,
      ),
    ];
  }
  const version = parameter.Version ?? 0;
  const labels = await labelsOf(context, name, version);
  const written = parameter.LastModifiedDate ? `, written ${day(parameter.LastModifiedDate)}` : "";
  if (labels.includes(PLACEHOLDER_LABEL)) {
    return [
      fail(
        id,
        AREA,
        `SSM parameter ${name} holds the placeholder the first deploy stored (version ${version} is labelled ${PLACEHOLDER_LABEL}): every build stops at the Docker Hub login`,
        `store the token with the stack's dockerhub_set_token_command output: ${setTokenCommand(environment)}`,
      ),
    ];
  }
  const when = version > 1 ? `version ${version}${written}, after the stack created it` : `version 1${written}, stored with the first deploy`;
  return [ok(id, AREA, `SSM parameter ${name} holds a token (${when}; not the placeholder)`)];
}

/** The username parameter: exists, and the config gives a username (else it holds UNSET and builds stop). */
async function usernameParameter(context: DoctorContext): Promise<CheckResult[]> {
  const { environment } = context;
  const id = "credentials.username";
  const name = `${environment.dockerHub.parameterPrefix}/username`;
  const parameter = await describeParameter(context, name);
  if (!parameter) {
    return [fail(id, AREA, `SSM parameter ${name} does not exist`, `${deployCommand(environment)}: it stores the username`)];
  }
  if (!environment.dockerHub.username) {
    return [
      fail(
        id,
        AREA,
        `dockerHub.username is not set in ${environment.file}: SSM parameter ${name} holds UNSET and every build stops at the Docker Hub login`,
        `set dockerHub.username in ${environment.file}, then ${deployCommand(environment)}`,
      ),
    ];
  }
  return [ok(id, AREA, `SSM parameter ${name} exists (username ${environment.dockerHub.username}, from ${environment.file})`)];
}

/** The build role may read both parameters (and decrypt them through SSM with a customer key): the IAM policy simulator decides. */
async function buildRoleReadsParameters(context: DoctorContext): Promise<CheckResult[]> {
  const { environment } = context;
  const id = "credentials.build-role";
  const roleName = ROLE_NAMES.build(environment.build.projectName);
  const role = roleArn(environment, roleName);
  const parameters = ["token", "username"].map((leaf) => parameterArn(environment, `${environment.dockerHub.parameterPrefix}/${leaf}`));
  const requests: SimulationRequest[] = parameters.map((resource) => ({ action: "ssm:GetParameters", resource }));
  const key = environment.dockerHub.kmsKeyArn;
  if (key) {
    for (const parameter of parameters) {
      requests.push({
        action: "kms:Decrypt",
        resource: key,
        context: { "kms:ViaService": `ssm.${environment.region}.${urlSuffix(environment)}`, "kms:EncryptionContext:PARAMETER_ARN": parameter },
      });
    }
  }
  const outcome = await simulate(context, role, requests);
  if (outcome === "no-role") {
    return [fail(id, AREA, `the build role ${roleName} does not exist`, `${deployCommand(environment)}: it creates the role`)];
  }
  if (outcome.length > 0) {
    return [
      fail(
        id,
        AREA,
        `the build role ${roleName} may not read the credentials: ${outcome.join("; ")} (IAM policy simulator)`,
        `${deployCommand(environment)}: its policy grants the read (ReadDockerHubCredentials); if it does already, a permissions boundary or an SCP denies it`,
      ),
    ];
  }
  const what = key ? "may read both parameters and decrypt them through SSM" : "may read both parameters";
  return [ok(id, AREA, `the build role ${roleName} ${what} (IAM policy simulator; no value read)`)];
}

/**
 * The mirror's secret: exists, its current version is not the placeholder
 * (staged `placeholder` beside AWSCURRENT), and the sync job's role may read it.
 */
async function mirrorSecret(context: DoctorContext): Promise<CheckResult[]> {
  const { environment, clients } = context;
  const mirror = environment.mirror;
  if (mirror.registry !== "own") return [];
  const id = "credentials.mirror-secret";
  const name = mirror.secretName;
  let secret: DescribeSecretCommandOutput;
  try {
    secret = await clients.secrets.send(new DescribeSecretCommand({ SecretId: name }));
  } catch (error) {
    if (errorName(error) !== "ResourceNotFoundException") throw error;
    return [fail(id, AREA, `Secrets Manager secret ${name} does not exist`, `${deployCommand(environment)}: it creates the secret`)];
  }
  if (secret.DeletedDate) {
    return [
      fail(id, AREA, `Secrets Manager secret ${name} is scheduled for deletion (${day(secret.DeletedDate)})`, `restore it (aws secretsmanager restore-secret --secret-id ${name}), then ${deployCommand(environment)}`),
    ];
  }
  const { Versions } = await clients.secrets.send(new ListSecretVersionIdsCommand({ SecretId: name }));
  const current = (Versions ?? []).find((version) => version.VersionStages?.includes("AWSCURRENT"));
  const results: CheckResult[] = [];
  if (!current) {
    results.push(fail(id, AREA, `Secrets Manager secret ${name} has no value: the pull-through cache cannot log in to Docker Hub`, `store the token: ${setTokenCommand(environment)}`));
  } else if (current.VersionStages?.includes(PLACEHOLDER_LABEL)) {
    results.push(
      fail(
        id,
        AREA,
        `Secrets Manager secret ${name} holds the placeholder the first deploy stored (its current version is staged ${PLACEHOLDER_LABEL}): the pull-through cache and the sync job cannot log in to Docker Hub`,
        `store the token with the stack's dockerhub_set_token_command output: ${setTokenCommand(environment)}`,
      ),
    );
  } else {
    const written = current.CreatedDate ? `written ${day(current.CreatedDate)}` : "written";
    results.push(ok(id, AREA, `Secrets Manager secret ${name} holds a token (current version ${written}; not the placeholder)`));
  }
  if (mirror.images.length > 0 && secret.ARN) results.push(...(await syncRoleReadsSecret(context, secret.ARN)));
  return results;
}

/** The sync job reads the secret (SECRETS_MANAGER variables): its role must be allowed to. */
async function syncRoleReadsSecret(context: DoctorContext, secretArn: string): Promise<CheckResult[]> {
  const { environment } = context;
  if (environment.mirror.registry !== "own") return [];
  const id = "credentials.sync-role";
  const roleName = ROLE_NAMES.build(environment.mirror.syncProjectName);
  const outcome = await simulate(context, roleArn(environment, roleName), [{ action: "secretsmanager:GetSecretValue", resource: secretArn }]);
  if (outcome === "no-role") return [fail(id, AREA, `the sync job's role ${roleName} does not exist`, `${deployCommand(environment)}: it creates the role`)];
  if (outcome.length > 0) {
    return [
      fail(
        id,
        AREA,
        `the sync job's role ${roleName} may not read the secret: ${outcome.join("; ")} (IAM policy simulator)`,
        `${deployCommand(environment)}: its policy grants the read (ReadDockerHubSecret); if it does already, a permissions boundary or an SCP denies it`,
      ),
    ];
  }
  return [ok(id, AREA, `the sync job's role ${roleName} may read the secret (IAM policy simulator; no value read)`)];
}

/** The parameter's metadata (no value), or undefined when it does not exist. */
async function describeParameter(context: DoctorContext, name: string): Promise<ParameterMetadata | undefined> {
  const { Parameters } = await context.clients.ssm.send(
    new DescribeParametersCommand({ ParameterFilters: [{ Key: "Name", Option: "Equals", Values: [name] }] }),
  );
  return Parameters?.find((parameter) => parameter.Name === name);
}

/** The labels of one version, from the parameter's history, read without decryption (and without values: see aws.ts). */
async function labelsOf(context: DoctorContext, name: string, version: number): Promise<string[]> {
  let nextToken: string | undefined;
  do {
    const page = await context.clients.ssm.send(new GetParameterHistoryCommand({ Name: name, WithDecryption: false, MaxResults: 50, NextToken: nextToken }));
    const match = page.Parameters?.find((entry) => entry.Version === version);
    if (match) return match.Labels ?? [];
    nextToken = page.NextToken || undefined;
  } while (nextToken);
  return [];
}

/** One request to the IAM policy simulator. */
interface SimulationRequest {
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, string>>;
}

/** The requests the role may not make ("action on resource: decision"), or "no-role" when the role does not exist. */
async function simulate(context: DoctorContext, policySourceArn: string, requests: readonly SimulationRequest[]): Promise<string[] | "no-role"> {
  const denied: string[] = [];
  for (const request of requests) {
    const contextEntries: ContextEntry[] = Object.entries(request.context ?? {}).map(([key, value]) => ({
      ContextKeyName: key,
      ContextKeyValues: [value],
      ContextKeyType: "string",
    }));
    try {
      const { EvaluationResults } = await context.clients.iam.send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: policySourceArn,
          ActionNames: [request.action],
          ResourceArns: [request.resource],
          ...(contextEntries.length > 0 ? { ContextEntries: contextEntries } : {}),
        }),
      );
      for (const result of EvaluationResults ?? []) {
        if (result.EvalDecision !== "allowed") denied.push(`${result.EvalActionName ?? request.action} on ${request.resource}: ${result.EvalDecision}`);
      }
      if ((EvaluationResults ?? []).length === 0) denied.push(`${request.action} on ${request.resource}: no result`);
    } catch (error) {
      if (errorName(error) === "NoSuchEntityException" || errorName(error) === "NoSuchEntity") return "no-role";
      throw error;
    }
  }
  return denied;
}

/** How DescribeParameters may report a key: as configured, or (a key ARN) by its id. */
function keyIdForms(key: string): string[] {
  const keyId = /:key\/([0-9a-f-]+)$/.exec(key)?.[1];
  return keyId ? [key, keyId] : [key];
}

function urlSuffix(environment: Environment): string {
  return PARTITION_FACTS[partitionOf(environment.region)].urlSuffix;
}
