import type { EnvironmentFile, Strategy } from "./schema";

type Build = EnvironmentFile["build"];
type Network = EnvironmentFile["network"];
type NewVpc = Extract<Network, { vpc: "new" }>;
type Mirror = EnvironmentFile["mirror"];

/**
 * One validated environment, with every default and derived name filled in.
 * This is what a stack is built from; it never holds a secret.
 */
export interface Environment {
  /** The environment's name: its file name without `.json`, and the stack's name. */
  readonly name: string;
  /** The file it came from, relative to the project root (for messages). */
  readonly file: string;
  readonly accountId: string;
  readonly region: string;
  /** The chosen strategies, without duplicates, in the order of STRATEGIES. */
  readonly strategies: readonly Strategy[];
  readonly project: string;
  /** Tags on every resource: environment, project, managed-by, then the file's own. */
  readonly tags: Readonly<Record<string, string>>;
  /** Where the state lives, with the defaults filled in (local path absolute, S3 key and region, workspace). */
  readonly state:
    | { readonly backend: "local"; readonly path: string }
    | (Extract<EnvironmentFile["state"], { backend: "s3" }> & { readonly key: string; readonly region: string })
    | (Extract<EnvironmentFile["state"], { backend: "cloud" }> & { readonly workspace: string });
  readonly deploy: EnvironmentFile["deploy"];
  /** The account bootstrap (stack `<name>-bootstrap`): present when the environment names a CI role or keeps state in a bucket the bootstrap creates. */
  readonly bootstrap?: Bootstrap;
  /** The registry's singletons: its scanning configuration and its permissions policy. */
  readonly registry: EnvironmentFile["registry"];
  readonly estimates: EnvironmentFile["estimates"];
  readonly policy: EnvironmentFile["policy"];
  readonly dockerHub: {
    readonly username?: string;
    readonly parameterPrefix: string;
    readonly kmsKeyArn?: string;
  };
  readonly build: Omit<Build, "projectName" | "buildspecFile" | "imageRepository"> & {
    readonly projectName: string;
    /** The user's buildspec (YAML text), when `build.buildspecFile` names one. */
    readonly buildspec?: string;
    readonly imageRepository: Build["imageRepository"] & { readonly name: string };
  };
  /** Where builds run (strategy fixed-ip): a new VPC, with its zones filled in, or an existing one. */
  readonly network: (NewVpc & { readonly availabilityZones: readonly string[] }) | Extract<Network, { vpc: "existing" }>;
  /** The mirror (strategy mirror): hosted here, with its derived names, or another account's. */
  readonly mirror:
    | (Extract<Mirror, { registry: "own" }> & {
        /** The Secrets Manager secret the cache and the sync job read Docker Hub credentials from. */
        readonly secretName: string;
        readonly syncProjectName: string;
        /** Pinned repository paths (without the prefix), one per distinct image repository. */
        readonly pinnedRepositories: readonly string[];
        /** Repository paths of retired images that no pinned image still uses: forgotten, kept in ECR. */
        readonly retiredRepositories: readonly string[];
      })
    | (Extract<Mirror, { registry: "shared" }> & { readonly region: string });
}

/** Whether the environment uses `strategy` (alone or combined). */
export function usesStrategy(environment: Environment, strategy: Strategy): boolean {
  return environment.strategies.includes(strategy);
}

/** An IAM role the bootstrap creates, named by the ARN the config gives. */
export interface BootstrapRole {
  readonly arn: string;
  readonly name: string;
  /** The role's path ("/" unless the ARN has one). */
  readonly path: string;
}

/** What `<environment>-bootstrap` creates, with every name derived. */
export interface Bootstrap {
  /** The stack's name: `<environment>-bootstrap`. */
  readonly stackName: string;
  /** "<owner>/<repository>", whose workflows may assume the CI roles. */
  readonly githubRepository?: string;
  readonly githubOidcProvider: "create" | "existing";
  /** The environment's state bucket, when the bootstrap creates it. */
  readonly stateBucket?: {
    readonly name: string;
    readonly versionRetentionDays: number;
    readonly kmsKeyId?: string;
  };
  /** The environment's state object: what the CI roles may read (and the deploy role write). */
  readonly environmentState?: { readonly bucket: string; readonly key: string; readonly region: string; readonly kmsKeyId?: string };
  /** The object key the bootstrap's own state has (or will have) in the environment's bucket: `<project>/<environment>-bootstrap/terraform.tfstate`. */
  readonly stateKey: string;
  /** The bootstrap stack's own state: local first, then in the bucket it made. */
  readonly state: { readonly backend: "local"; readonly path: string } | { readonly backend: "s3"; readonly bucket: string; readonly key: string; readonly region: string; readonly kmsKeyId?: string };
  /** The read-only role pull requests plan with. */
  readonly planRole?: BootstrapRole;
  /** The role merges deploy with. */
  readonly deployRole?: BootstrapRole;
  /** The permissions boundary every role the deploy role creates must carry: `<project>-<environment>-boundary`. */
  readonly permissionsBoundary?: { readonly name: string; readonly arn: string };
}
