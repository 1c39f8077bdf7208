/**
 * Runs synthesized stacks through the real Terraform CLI and AWS provider:
 * `init` (from a local provider mirror when this machine has one, else the
 * registry), optionally `validate`, `plan`, and `show -json`. Offline, the
 * plan runs on a copy with fake credentials, the provider's skip flags and
 * `-refresh=false`; with real credentials, on the stack as synthesized.
 *
 * Used by the tests and by `npm run review`. It writes its own Terraform CLI
 * config and plugin cache under `.terraform-cache/` in the repository, and
 * depends on nothing outside the repository that it did not find or create itself.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export const PROVIDER = { namespace: "hashicorp", type: "aws", version: "5.100.0" } as const;
const REPO_ROOT = path.resolve(__dirname, "..");
/** The CLI config, the plugin cache and the plan directories. */
const WORK_ROOT = path.join(REPO_ROOT, ".terraform-cache");
const PLATFORM = `${process.platform}_${{ x64: "amd64", arm64: "arm64" }[process.arch as "x64" | "arm64"] ?? process.arch}`;

/** Where Terraform (and people) keep local provider mirrors; the first that holds our provider wins. */
function mirrorCandidates(): string[] {
  const home = os.homedir();
  return [
    process.env.TF_PROVIDER_MIRROR,
    "/opt/tf-plugins",
    path.join(home, ".terraform.d", "plugins"),
    path.join(home, ".local", "share", "terraform", "plugins"),
    "/usr/local/share/terraform/plugins",
    "/usr/share/terraform/plugins",
  ].filter((candidate): candidate is string => Boolean(candidate));
}

export function findProviderMirror(): string | undefined {
  const { namespace, type, version } = PROVIDER;
  return mirrorCandidates().find((dir) =>
    fs.existsSync(path.join(dir, "registry.terraform.io", namespace, type, version, PLATFORM)),
  );
}

export function findTerraform(): string | undefined {
  const explicit = process.env.TERRAFORM_BINARY;
  if (explicit) return fs.existsSync(explicit) ? explicit : undefined;
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(dir, "terraform");
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface Terraform {
  readonly binary: string;
  /** The mirror `init` installs from, or undefined when it uses the registry. */
  readonly mirror?: string;
  readonly env: NodeJS.ProcessEnv;
}

/**
 * The Terraform CLI set up for offline planning, or undefined (after saying
 * so loudly) when this machine has none. With REQUIRE_TERRAFORM=1 a missing
 * CLI is an error instead.
 */
export function setUpTerraform(options: { quiet?: boolean } = {}): Terraform | undefined {
  const binary = findTerraform();
  if (!binary) {
    if (options.quiet) return undefined;
    const message =
      "terraform CLI not found on PATH (or TERRAFORM_BINARY): the real-provider plan tests cannot run. " +
      "Install Terraform >= 1.11 to run them.";
    if (process.env.REQUIRE_TERRAFORM === "1") throw new Error(`${message} REQUIRE_TERRAFORM=1 makes this a failure.`);
    console.warn(`\n${"!".repeat(78)}\n! SKIPPING: ${message}\n${"!".repeat(78)}\n`);
    return undefined;
  }
  const mirror = findProviderMirror();
  fs.mkdirSync(path.join(WORK_ROOT, "plugin-cache"), { recursive: true });
  const cliConfig = path.join(WORK_ROOT, "terraform.rc");
  const source = `registry.terraform.io/${PROVIDER.namespace}/${PROVIDER.type}`;
  fs.writeFileSync(
    cliConfig,
    [
      `plugin_cache_dir = ${JSON.stringify(path.join(WORK_ROOT, "plugin-cache"))}`,
      "provider_installation {",
      ...(mirror
        ? [`  filesystem_mirror {`, `    path    = ${JSON.stringify(mirror)}`, `    include = ["${source}"]`, `  }`]
        : []),
      `  direct {${mirror ? ` exclude = ["${source}"] ` : ""}}`,
      "}",
      "",
    ].join("\n"),
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TF_CLI_CONFIG_FILE: cliConfig,
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    CHECKPOINT_DISABLE: "1",
  };
  return { binary, mirror, env };
}

/**
 * The offline copy of a synthesized stack: fake credentials and the skip
 * flags on every AWS provider, no `allowed_account_ids` (offline planning
 * cannot learn the account), and local state in the work directory.
 */
export function offlineCopy(stackJson: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(stackJson) as {
    provider?: { aws?: Record<string, unknown>[] };
    terraform?: { backend?: unknown; cloud?: unknown };
  };
  copy.provider?.aws?.forEach((provider) => {
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
  if (copy.terraform) {
    delete (copy.terraform as { cloud?: unknown }).cloud;
    copy.terraform.backend = { local: { path: "terraform.tfstate" } };
  }
  return copy as Record<string, unknown>;
}

export interface PlanResult {
  readonly dir: string;
  /** `terraform show -json` of the saved plan. */
  readonly plan: PlanJson;
  /** Everything Terraform printed, for secret checks. */
  readonly output: string;
}

export interface ResourceChange {
  readonly address: string;
  readonly type: string;
  readonly name: string;
  readonly change: { readonly actions: string[]; readonly after: Record<string, unknown> | null };
}

export interface PlanJson {
  readonly resource_changes?: ResourceChange[];
  readonly planned_values: {
    readonly outputs?: Record<string, { value?: unknown; sensitive: boolean }>;
    readonly root_module: { readonly resources?: { address: string; type: string; values: Record<string, unknown> }[] };
  };
  readonly configuration: Record<string, unknown>;
  readonly errored: boolean;
}

/**
 * Runs `task` holding a lock shared by every process on this machine (a
 * directory: mkdir is atomic). `terraform init` re-links the plugin cache's
 * entry each time, so an init in one jest worker can catch another's cache
 * half-written: inits take turns. A lock older than a minute is stale.
 */
async function withInitLock<T>(task: () => Promise<T>): Promise<T> {
  const lock = path.join(WORK_ROOT, "init.lock");
  fs.mkdirSync(WORK_ROOT, { recursive: true });
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 60_000) fs.rmSync(lock, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  try {
    return await task();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

export interface PlanOptions {
  /** Terraform variables, passed as TF_VAR_* (as CI would). */
  readonly variables?: Record<string, string>;
  /** Resources to put in the state before planning, as if a deploy had created them. */
  readonly existing?: readonly ExistingResource[];
  /** Plan a destroy (`terraform plan -destroy`). @default false */
  readonly destroy?: boolean;
  /**
   * Run `terraform validate` first. `plan` validates too; the separate step
   * (about 2 s) is for the shipped environments, as users run it.
   * @default false
   */
  readonly validate?: boolean;
  /**
   * Plan with the credentials of the environment, against the real backend
   * and account, refreshing state: the stack as synthesized. Otherwise the
   * offline copy, with fake credentials.
   * @default false
   */
  readonly online?: boolean;
  /** Where the plan directory goes. @default .terraform-cache/ in the repository */
  readonly workRoot?: string;
}

/** AWS credentials in the environment: no offline plan may see them. */
const AWS_CREDENTIALS = ["AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"];

/** Whether this process has AWS credentials to plan with (environment variables only: profiles need AWS_PROFILE). */
export function hasAwsCredentials(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean((env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) || env.AWS_PROFILE || env.AWS_WEB_IDENTITY_TOKEN_FILE || env.AWS_CONTAINER_CREDENTIALS_FULL_URI || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI);
}

/** A resource instance in a hand-written state: what a real deploy would have recorded. */
export interface ExistingResource {
  readonly type: string;
  readonly name: string;
  readonly attributes: Record<string, unknown>;
  /** Attributes Terraform marked sensitive when it recorded them (from the schema and from sensitive inputs). */
  readonly sensitive?: readonly string[];
}

/**
 * Writes `stackJson` (its offline copy, unless `online`) to a fresh
 * directory, then runs init, (validate,) plan and show.
 */
export async function planStack(
  terraform: Terraform,
  name: string,
  stackJson: Record<string, unknown>,
  options: PlanOptions = {},
): Promise<PlanResult> {
  const variables = options.variables ?? {};
  const workRoot = options.workRoot ?? WORK_ROOT;
  fs.mkdirSync(workRoot, { recursive: true });
  const dir = fs.mkdtempSync(path.join(workRoot, `${name}-`));
  fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify(options.online ? stackJson : offlineCopy(stackJson), null, 2));
  const env = { ...terraform.env };
  if (!options.online) for (const key of AWS_CREDENTIALS) delete env[key];
  if (options.existing) fs.writeFileSync(path.join(dir, "terraform.tfstate"), JSON.stringify(stateWith(options.existing), null, 2));
  const tf = async (args: string[], extraEnv: NodeJS.ProcessEnv = {}) => {
    try {
      const { stdout, stderr } = await run(terraform.binary, args, {
        cwd: dir,
        env: { ...env, ...extraEnv },
        maxBuffer: 256 * 1024 * 1024,
      });
      return stdout + stderr;
    } catch (error) {
      const failure = error as { stdout?: string; stderr?: string; message: string };
      // Terraform quotes whole source lines; a buildspec is one very long line.
      const text = (failure.stderr || failure.stdout || failure.message)
        .split("\n")
        .map((line) => (line.length > 240 ? `${line.slice(0, 240)}...` : line))
        .join("\n");
      throw new Error(`terraform ${args[0]} failed for ${name} in ${dir}:\n${text}`);
    }
  };
  try {
    let output = "";
    if (options.online) {
      // The real backend: this directory's own init.
      output += await withInitLock(() => tf(["init", "-input=false", "-no-color"]));
    } else {
      // Offline copies all have the same providers and a local backend: they share one
      // initialized data directory instead of each hashing the 675 MB provider in an init.
      const shared = await offlineDataDir(terraform);
      fs.copyFileSync(path.join(shared.configDir, ".terraform.lock.hcl"), path.join(dir, ".terraform.lock.hcl"));
      env.TF_DATA_DIR = shared.dataDir;
    }
    if (options.validate) output += await tf(["validate", "-no-color"]);
    const tfVars = Object.fromEntries(Object.entries(variables).map(([key, value]) => [`TF_VAR_${key}`, value]));
    const mode = [...(options.destroy ? ["-destroy"] : []), ...(options.online ? [] : ["-refresh=false"])];
    // -lock=false: a review plan only reads state, and must not wait on a deploy's lock.
    output += await tf(["plan", ...mode, "-input=false", "-lock=false", "-no-color", "-out=plan.bin"], tfVars);
    const shown = await tf(["show", "-json", "plan.bin"]);
    return { dir, plan: JSON.parse(shown) as PlanJson, output: output + shown };
  } catch (error) {
    if (process.env.KEEP_TERRAFORM_DIRS !== "1") fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

function stateWith(resources: readonly ExistingResource[]): Record<string, unknown> {
  return {
    version: 4,
    terraform_version: "1.11.0",
    serial: 1,
    lineage: "4f1f6d3c-0000-4000-8000-offline00test",
    outputs: {},
    resources: resources.map((resource) => ({
      mode: "managed",
      type: resource.type,
      name: resource.name,
      provider: `provider["registry.terraform.io/${PROVIDER.namespace}/${PROVIDER.type}"]`,
      instances: [
        {
          schema_version: 0,
          attributes: resource.attributes,
          sensitive_attributes: (resource.sensitive ?? []).map((attribute) => [{ type: "get_attr", value: attribute }]),
        },
      ],
    })),
    check_results: null,
  };
}

/** Initializes the shared offline data directory once, before the tests' plans. */
export async function warmPluginCache(): Promise<void> {
  const terraform = setUpTerraform({ quiet: true });
  if (terraform) await offlineDataDir(terraform);
}

/**
 * The data directory (TF_DATA_DIR) every offline plan shares: initialized
 * once, under the lock, for a configuration with the same provider and the
 * same local backend as the offline copies, so they need no init of their own.
 */
export async function offlineDataDir(terraform: Terraform): Promise<{ configDir: string; dataDir: string }> {
  const configDir = path.join(WORK_ROOT, "offline");
  const dataDir = path.join(configDir, ".terraform");
  const ready = path.join(configDir, ".ready");
  if (!fs.existsSync(ready)) {
    await withInitLock(async () => {
      if (fs.existsSync(ready)) return;
      fs.mkdirSync(configDir, { recursive: true });
      const { namespace, type, version } = PROVIDER;
      fs.writeFileSync(
        path.join(configDir, "main.tf.json"),
        JSON.stringify(offlineCopy({ terraform: { required_providers: { aws: { source: `${namespace}/${type}`, version } } } })),
      );
      await run(terraform.binary, ["init", "-input=false", "-no-color"], { cwd: configDir, env: terraform.env });
      fs.writeFileSync(ready, "");
    });
  }
  return { configDir, dataDir };
}

/** Removes plan directories (they hold the provider links, not the provider). */
export function cleanUp(results: readonly PlanResult[]): void {
  for (const result of results) fs.rmSync(result.dir, { recursive: true, force: true });
}

/** The planned changes of one resource type. */
export function changesOf(plan: PlanJson, type: string): ResourceChange[] {
  return (plan.resource_changes ?? []).filter((change) => change.type === type);
}

/** Planned resources by address (root module). */
export function plannedResources(plan: PlanJson): Map<string, { type: string; values: Record<string, unknown> }> {
  return new Map((plan.planned_values.root_module.resources ?? []).map((resource) => [resource.address, resource]));
}
