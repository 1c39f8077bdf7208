/**
 * Working copies of a synthesized stack, for running it somewhere other than
 * its real account: offline (fake credentials, nothing called) or against an
 * AWS API emulator on loopback. The stack as synthesized is never changed.
 */
import { LOCAL_BACKEND } from "./cli";

type StackJson = Record<string, unknown>;
type Provider = Record<string, unknown>;

function copyWith(stackJson: StackJson, configure: (provider: Provider) => void, backend?: Record<string, unknown>): StackJson {
  const copy = structuredClone(stackJson) as { provider?: { aws?: Provider[] }; terraform?: Record<string, unknown> };
  copy.provider?.aws?.forEach(configure);
  if (copy.terraform) {
    delete copy.terraform.cloud;
    copy.terraform.backend = backend ?? structuredClone(LOCAL_BACKEND);
  }
  return copy as StackJson;
}

/**
 * The offline copy: fake credentials and the skip flags on every AWS
 * provider, no `allowed_account_ids` (offline planning cannot learn the
 * account), no role to assume, local state in the working directory, and no
 * `import` blocks: importing reads the object from AWS, so offline an
 * adopted resource shows as created.
 */
export function offlineCopy(stackJson: StackJson): StackJson {
  const { import: _imports, ...withoutImports } = stackJson;
  return copyWith(withoutImports, (provider) => {
    delete provider.allowed_account_ids;
    delete provider.assume_role;
    Object.assign(provider, {
      access_key: "offline-plan-fake-access-key",
      secret_key: "offline-plan-fake-secret-key",
      skip_credentials_validation: true,
      skip_requesting_account_id: true,
      skip_metadata_api_check: true,
    });
  });
}

/** Credentials an emulator accepts; they select nothing (the emulator answers as the account it was started for). */
export const EMULATOR_CREDENTIALS = { accessKeyId: "emulator-access-key", secretAccessKey: "emulator-secret-key" } as const;

/** An access key (and session token, for a role's session). */
export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface EmulatorCopyOptions {
  /**
   * Who the provider acts as: an emulator enforcing IAM knows its users' keys only.
   * @default EMULATOR_CREDENTIALS
   */
  readonly credentials?: Credentials;
  /**
   * Keep the stack's S3 backend, if it has one, pointed at the emulator at
   * this endpoint (path-style, no instance metadata), instead of local state.
   * @default - local state in the working directory
   */
  readonly s3BackendEndpoint?: string;
}

/**
 * The copy that runs against an AWS API emulator: test credentials, the
 * skip flags that avoid the instance metadata service, and local state.
 * `allowed_account_ids` stays: the provider asks the emulator who it is, so
 * the account guard is checked for real.
 *
 * The emulator's address is not in the copy: it goes in `AWS_ENDPOINT_URL`
 * (see `emulatorEnvironment`), which the provider, the AWS CLI and the SDKs
 * all honour for every service. The provider's `endpoints` block would do the
 * same for the provider alone, and costs about 4 s of CPU per Terraform
 * command (it validates a few hundred endpoint attributes, twice).
 */
export function emulatorCopy(stackJson: StackJson, options: EmulatorCopyOptions = {}): StackJson {
  const credentials: Credentials = options.credentials ?? EMULATOR_CREDENTIALS;
  const s3 = (stackJson.terraform as { backend?: { s3?: Record<string, unknown> } } | undefined)?.backend?.s3;
  const backend = options.s3BackendEndpoint && s3
    ? {
        s3: {
          ...omit(s3!, ["assume_role", "role_arn"]),
          endpoints: { s3: options.s3BackendEndpoint, sts: options.s3BackendEndpoint, iam: options.s3BackendEndpoint },
          use_path_style: true,
          skip_credentials_validation: true,
          skip_metadata_api_check: true,
          skip_region_validation: true,
        },
      }
    : undefined;
  return copyWith(
    stackJson,
    (provider) => {
      Object.assign(provider, {
        access_key: credentials.accessKeyId,
        secret_key: credentials.secretAccessKey,
        ...(credentials.sessionToken ? { token: credentials.sessionToken } : {}),
        skip_credentials_validation: true,
        skip_metadata_api_check: true,
        skip_region_validation: true,
        s3_use_path_style: true,
      });
    },
    backend,
  );
}

function omit(record: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([key]) => !keys.includes(key)));
}

/**
 * The environment that sends every AWS call of a process (the provider, the
 * AWS CLI in provisioners, an SDK) to the emulator at `endpoint`, with the
 * emulator's credentials and no CA bundle (plain http on loopback).
 */
export function emulatorEnvironment(endpoint: string, region: string, credentials: Credentials = EMULATOR_CREDENTIALS): NodeJS.ProcessEnv {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_SESSION_TOKEN: credentials.sessionToken,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_CA_BUNDLE: undefined,
    AWS_PROFILE: undefined,
  };
}
