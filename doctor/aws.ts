/**
 * The doctor's AWS clients: one set per run, in the environment's region,
 * with the caller's credentials (a profile, SSO, the CI role: the SDK's
 * default chain) or, when the environment deploys through
 * `deploy.assumeRoleArn`, that role's, as the provider uses it.
 *
 * Endpoints come from the SDK's own configuration (AWS_ENDPOINT_URL and
 * friends) unless `AwsSettings.endpoint` says otherwise: that is how the
 * tests point the doctor at the emulator.
 */
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { CodeBuildClient } from "@aws-sdk/client-codebuild";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ECRClient } from "@aws-sdk/client-ecr";
import { IAMClient } from "@aws-sdk/client-iam";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SSMClient } from "@aws-sdk/client-ssm";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient, STSClientConfig } from "@aws-sdk/client-sts";
import { Environment } from "../config/environment";

/** Static keys or a provider, as any SDK v3 client takes them. */
export type AwsCredentials = NonNullable<STSClientConfig["credentials"]>;

/** Where the doctor's calls go, when not where the SDK's default configuration says. */
export interface AwsSettings {
  /** One endpoint for every service (the emulator). @default - the SDK's (AWS_ENDPOINT_URL, else AWS) */
  readonly endpoint?: string;
  /** @default - the SDK's default credential chain */
  readonly credentials?: AwsCredentials;
}

/** Every client a check may use; tests replace single ones with client mocks. */
export interface DoctorClients {
  readonly sts: STSClient;
  readonly ssm: SSMClient;
  readonly secrets: SecretsManagerClient;
  readonly iam: IAMClient;
  readonly ec2: EC2Client;
  readonly ecr: ECRClient;
  readonly codebuild: CodeBuildClient;
  readonly cloudwatch: CloudWatchClient;
  readonly logs: CloudWatchLogsClient;
}

/** Who the doctor runs as, as STS says: what the report shows, and what the account check compares. */
export interface Identity {
  readonly account: string;
  readonly arn: string;
}

/** A run's clients and the identity they act as. */
export interface Connection {
  readonly clients: DoctorClients;
  readonly identity: Identity;
  /** The role assumed (deploy.assumeRoleArn), if any. */
  readonly assumedRoleArn?: string;
  /** An S3 client for the state bucket: its own region, and the backend's own role when it has one (as Terraform reads it). */
  stateS3(region: string, roleArn?: string): Promise<S3Client>;
  /** Closes every client's connections, so the process can exit. */
  destroy(): void;
}

/**
 * Connects as the environment's deployer would: assumes `deploy.assumeRoleArn`
 * when set (cross-account), then asks STS who that is. `standIns` replace
 * single clients (client mocks in tests); they are used as given.
 */
export async function connect(environment: Environment, settings: AwsSettings = {}, standIns: Partial<DoctorClients> = {}): Promise<Connection> {
  const base = { region: environment.region, ...(settings.endpoint ? { endpoint: settings.endpoint } : {}), ...(settings.credentials ? { credentials: settings.credentials } : {}) };
  const created: { destroy(): void }[] = [];
  const own = <T extends { destroy(): void }>(client: T): T => {
    created.push(client);
    return client;
  };
  const baseSts = standIns.sts ?? own(new STSClient(base));
  const assumeRoleArn = environment.deploy.assumeRoleArn;
  const credentials = assumeRoleArn ? await assumeRole(baseSts, assumeRoleArn, `doctor-${environment.name}`) : settings.credentials;
  const config = { ...base, ...(credentials ? { credentials } : {}) };

  const clients: DoctorClients = {
    sts: standIns.sts ?? (assumeRoleArn ? own(new STSClient(config)) : baseSts),
    ssm: withoutParameterValues(standIns.ssm ?? own(new SSMClient(config))),
    secrets: standIns.secrets ?? own(new SecretsManagerClient(config)),
    iam: standIns.iam ?? own(new IAMClient(config)),
    ec2: standIns.ec2 ?? own(new EC2Client(config)),
    ecr: standIns.ecr ?? own(new ECRClient(config)),
    codebuild: standIns.codebuild ?? own(new CodeBuildClient(config)),
    cloudwatch: standIns.cloudwatch ?? own(new CloudWatchClient(config)),
    logs: standIns.logs ?? own(new CloudWatchLogsClient(config)),
  };
  const { Account, Arn } = await clients.sts.send(new GetCallerIdentityCommand({}));
  return {
    clients,
    identity: { account: Account ?? "unknown", arn: Arn ?? "unknown" },
    ...(assumeRoleArn ? { assumedRoleArn: assumeRoleArn } : {}),
    stateS3: async (region, roleArn) => {
      const stateCredentials = roleArn ? await assumeRole(baseSts, roleArn, `doctor-${environment.name}-state`) : settings.credentials;
      return own(
        new S3Client({
          ...base,
          region,
          ...(stateCredentials ? { credentials: stateCredentials } : {}),
          // A custom endpoint (the emulator, a proxy) serves buckets by path, not by host name.
          forcePathStyle: Boolean(settings.endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL),
          responseChecksumValidation: "WHEN_REQUIRED",
        }),
      );
    },
    destroy: () => created.forEach((client) => client.destroy()),
  };
}

/** The role could not be assumed: the report says so, not that STS failed in general. */
export class AssumeRoleFailed extends Error {
  constructor(
    readonly roleArn: string,
    override readonly cause: unknown,
  ) {
    super(`could not assume ${roleArn}: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = "AssumeRoleFailed";
  }
}

/** Temporary credentials of `roleArn`, as the provider's `assume_role` gets them. */
async function assumeRole(sts: STSClient, roleArn: string, sessionName: string): Promise<AwsCredentials> {
  let Credentials;
  try {
    ({ Credentials } = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName, DurationSeconds: 3600 })));
  } catch (error) {
    throw new AssumeRoleFailed(roleArn, error);
  }
  if (!Credentials?.AccessKeyId || !Credentials.SecretAccessKey) throw new AssumeRoleFailed(roleArn, new Error("STS returned no credentials"));
  return {
    accessKeyId: Credentials.AccessKeyId,
    secretAccessKey: Credentials.SecretAccessKey,
    ...(Credentials.SessionToken ? { sessionToken: Credentials.SessionToken } : {}),
    ...(Credentials.Expiration ? { expiration: Credentials.Expiration } : {}),
  };
}

/**
 * The doctor reads parameter metadata only. GetParameterHistory (for the
 * labels) also returns each version's value, encrypted for a SecureString
 * (the emulator returns it in the clear): this drops every value inside the
 * client, before any check sees the response.
 */
export function withoutParameterValues(ssm: SSMClient): SSMClient {
  ssm.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const output = result.output as { Parameters?: { Value?: string }[]; Parameter?: { Value?: string } } | undefined;
      for (const parameter of output?.Parameters ?? []) delete parameter.Value;
      if (output?.Parameter) delete output.Parameter.Value;
      return result;
    },
    { step: "initialize", name: "doctorDropsParameterValues", override: true },
  );
  return ssm;
}
