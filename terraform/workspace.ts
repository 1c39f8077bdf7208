/**
 * A Terraform working directory for one stack: write its configuration, then
 * plan, apply or destroy it, read its state and outputs. Local copies
 * (offline, emulator) share one initialized data directory; a stack with its
 * real backend gets an init of its own.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { AWS_CREDENTIAL_VARIABLES, runTerraform, sharedDataDir, Terraform, TerraformError, withInitLock, WORK_ROOT } from "./cli";
import { offlineCopy } from "./copies";
import { PROVIDER_POOL_VARIABLE, withPooledProvider } from "./provider-pool";
import { cachedPlan, isCachedPlanDir, planKey } from "./plan-cache";
import { PlanJson, PlanResult, StateJson } from "./plan-json";

export interface WorkspaceOptions {
  /** Where the directory goes. @default .terraform-cache/ in the repository */
  readonly workRoot?: string;
  /**
   * The configuration runs against its real backend and account: its own
   * init, and the caller's AWS credentials. Otherwise it is a local copy
   * (offline or emulated): the shared data directory, and no AWS credentials
   * from the caller's environment.
   * @default false
   */
  readonly online?: boolean;
  /**
   * The configuration names a backend of its own (an emulator's S3): the
   * directory gets its own init, not the shared data directory. Implied by `online`.
   * @default false
   */
  readonly ownBackend?: boolean;
  /** More environment for every command (an emulator's credentials and endpoint). @default - none */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * A running provider this workspace has to itself (its TF_REATTACH_PROVIDERS
   * value): commands here never run at once, so it is never shared.
   * @default - one leased from the pool named in DOCKER_PULLS_PROVIDER_POOL, else Terraform starts its own
   */
  readonly reattach?: string;
}

export interface PlanRun {
  /** `terraform show -json` of the plan; undefined when `detailedExitcode` found no changes. */
  readonly plan?: PlanJson;
  /** Whether the plan has changes (with `detailedExitcode`; otherwise always true). */
  readonly changes: boolean;
  /** Everything Terraform printed. */
  readonly output: string;
}

export interface PlanRunOptions {
  /** Terraform variables, passed as TF_VAR_* (as CI would). */
  readonly variables?: Record<string, string>;
  /** @default true */
  readonly refresh?: boolean;
  /** Plan a destroy. @default false */
  readonly destroy?: boolean;
  /** Only find out whether there are changes: skips `show` when there are none. @default false */
  readonly detailedExitcode?: boolean;
}

export class Workspace {
  /** A fresh directory under the work root, named after `name`. */
  static create(terraform: Terraform, name: string, options: WorkspaceOptions = {}): Workspace {
    const workRoot = options.workRoot ?? WORK_ROOT;
    fs.mkdirSync(workRoot, { recursive: true });
    return new Workspace(terraform, fs.mkdtempSync(path.join(workRoot, `${name}-`)), options);
  }

  private initialized = false;
  private readonly env: NodeJS.ProcessEnv;

  private constructor(
    private readonly terraform: Terraform,
    readonly dir: string,
    private readonly options: WorkspaceOptions,
  ) {
    this.env = { ...terraform.env };
    delete this.env.TF_REATTACH_PROVIDERS;
    if (!options.online) for (const key of AWS_CREDENTIAL_VARIABLES) delete this.env[key];
    Object.assign(this.env, options.env ?? {});
    // An `undefined` in options.env removes that variable.
    for (const [key, value] of Object.entries(this.env)) if (value === undefined) delete this.env[key];
  }

  /** Writes the configuration Terraform runs (replacing the previous one). */
  write(configuration: Record<string, unknown>): void {
    fs.writeFileSync(path.join(this.dir, "main.tf.json"), JSON.stringify(configuration, null, 2));
  }

  /** Writes `state` (a Terraform state file's JSON) as the state to plan against. */
  writeState(state: Record<string, unknown>): void {
    fs.writeFileSync(path.join(this.dir, "terraform.tfstate"), JSON.stringify(state, null, 2));
  }

  /** The recorded state, or undefined before anything was applied. */
  state(): StateJson | undefined {
    const file = path.join(this.dir, "terraform.tfstate");
    return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as StateJson) : undefined;
  }

  /** Runs a Terraform command here; the variables go in as TF_VAR_*. */
  async run(args: readonly string[], variables: Record<string, string> = {}, allowExitCodes: readonly number[] = []): Promise<{ output: string; exitCode: number }> {
    await this.init();
    const env = { ...this.env, ...Object.fromEntries(Object.entries(variables).map(([key, value]) => [`TF_VAR_${key}`, value])) };
    // Against real AWS the provider is Terraform's own, with the caller's environment; local copies reuse a running one.
    const pool = this.options.online || this.options.reattach ? undefined : this.env[PROVIDER_POOL_VARIABLE];
    const result = await withPooledProvider(pool, (leased) => {
      const reattach = this.options.online ? undefined : (this.options.reattach ?? leased);
      return runTerraform(this.terraform, args, { cwd: this.dir, env: reattach ? { ...env, TF_REATTACH_PROVIDERS: reattach } : env, allowExitCodes });
    });
    return { output: result.stdout + result.stderr, exitCode: result.exitCode };
  }

  /**
   * Moves the state to the backend the configuration now names (what
   * `cdktf deploy --migrate-state` does after a backend change): init with
   * `-migrate-state -force-copy`. The workspace must have its own backend.
   */
  async migrateState(): Promise<string> {
    if (!this.options.ownBackend && !this.options.online) throw new Error("migrateState: the workspace shares the local data directory; create it with ownBackend");
    const result = await withInitLock(() =>
      runTerraform(this.terraform, ["init", "-migrate-state", "-force-copy", "-input=false", "-no-color"], { cwd: this.dir, env: this.env }),
    );
    this.initialized = true;
    return result.stdout + result.stderr;
  }

  /** `terraform plan` into a saved plan, then `show -json` of it. */
  async plan(options: PlanRunOptions = {}): Promise<PlanRun> {
    const mode = [...(options.destroy ? ["-destroy"] : []), ...(options.refresh === false ? ["-refresh=false"] : [])];
    const detailed = options.detailedExitcode ? ["-detailed-exitcode"] : [];
    // -lock=false: a plan only reads state, and must not wait on a deploy's lock.
    const planned = await this.run(
      ["plan", ...mode, ...detailed, "-input=false", "-lock=false", "-no-color", "-out=plan.bin"],
      options.variables,
      options.detailedExitcode ? [2] : [],
    );
    if (options.detailedExitcode && planned.exitCode === 0) return { changes: false, output: planned.output };
    const shown = await this.run(["show", "-json", "plan.bin"]);
    return { plan: JSON.parse(shown.output) as PlanJson, changes: true, output: planned.output + shown.output };
  }

  /** `terraform apply -auto-approve`. Rejects with a TerraformError when the apply fails (state keeps what was done). */
  async apply(variables: Record<string, string> = {}): Promise<string> {
    return (await this.run(["apply", "-auto-approve", "-input=false", "-no-color"], variables)).output;
  }

  /** `terraform destroy -auto-approve`. */
  async destroy(variables: Record<string, string> = {}): Promise<string> {
    return (await this.run(["destroy", "-auto-approve", "-input=false", "-no-color"], variables)).output;
  }

  /** Every output, by `terraform output -json`. */
  async outputs(): Promise<Record<string, { value: unknown; sensitive: boolean }>> {
    return JSON.parse((await this.run(["output", "-json"])).output) as Record<string, { value: unknown; sensitive: boolean }>;
  }

  /** Removes the directory (it holds links to the provider, not the provider). */
  remove(): void {
    if (process.env.KEEP_TERRAFORM_DIRS !== "1") fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private async init(): Promise<void> {
    if (this.initialized) return;
    if (this.options.online || this.options.ownBackend) {
      // A backend of its own: this directory's own init.
      await withInitLock(() => runTerraform(this.terraform, ["init", "-input=false", "-no-color"], { cwd: this.dir, env: this.env }));
    } else {
      // Local copies all have the same provider and backend: one shared, initialized data directory.
      const shared = await sharedDataDir(this.terraform);
      fs.copyFileSync(shared.lockFile, path.join(this.dir, ".terraform.lock.hcl"));
      this.env.TF_DATA_DIR = shared.dataDir;
    }
    this.initialized = true;
  }
}

export interface PlanOptions {
  /** Terraform variables, passed as TF_VAR_* (as CI would). */
  readonly variables?: Record<string, string>;
  /** A recorded state (a state file's JSON) to plan against. @default - none: planned from empty state */
  readonly state?: Record<string, unknown>;
  /** A state file a deploy recorded, to plan against (offline: copied into the working directory, not refreshed). */
  readonly stateFile?: string;
  /** Plan a destroy (`terraform plan -destroy`). @default false */
  readonly destroy?: boolean;
  /**
   * Plan with the credentials of the environment, against the real backend
   * and account, refreshing state: the stack as synthesized. Otherwise the
   * offline copy, with fake credentials and no refresh.
   * @default false
   */
  readonly online?: boolean;
  /** Where the plan directory goes. @default .terraform-cache/ in the repository */
  readonly workRoot?: string;
}

/**
 * Plans `stackJson` once, in a fresh directory: its offline copy (fake
 * credentials, no refresh) unless `online`. The directory stays (with the
 * saved plan) until `cleanUp`; on failure it is removed.
 */
export async function planStack(terraform: Terraform, name: string, stackJson: Record<string, unknown>, options: PlanOptions = {}): Promise<PlanResult> {
  if (options.online) return makePlan(terraform, name, stackJson, options);
  // Offline plans depend on nothing but these: the same ones, asked twice in a run, are made once (TERRAFORM_PLAN_CACHE).
  const copy = offlineCopy(stackJson);
  const state = options.state ?? (options.stateFile ? JSON.parse(fs.readFileSync(options.stateFile, "utf8")) : undefined);
  const key = planKey(copy, { state, variables: options.variables ?? {}, destroy: options.destroy === true });
  return cachedPlan(key, () => makePlan(terraform, name, stackJson, options), 15 * 60_000);
}

async function makePlan(terraform: Terraform, name: string, stackJson: Record<string, unknown>, options: PlanOptions): Promise<PlanResult> {
  const workspace = Workspace.create(terraform, name, { workRoot: options.workRoot, online: options.online });
  try {
    workspace.write(options.online ? stackJson : offlineCopy(stackJson));
    if (options.state) workspace.writeState(options.state);
    if (options.stateFile) fs.copyFileSync(options.stateFile, path.join(workspace.dir, "terraform.tfstate"));
    // No separate `terraform validate`: `plan` validates the configuration first, and fails the same way.
    const { plan, output } = await workspace.plan({ variables: options.variables, destroy: options.destroy, refresh: options.online === true });
    return { dir: workspace.dir, plan: plan!, output };
  } catch (error) {
    workspace.remove();
    if (error instanceof TerraformError) throw new Error(`terraform failed for ${name}: ${error.message}`);
    throw error;
  }
}

/** Removes plan directories. */
/** Removes the plans' directories, except those the run's plan cache keeps for other askers. */
export function cleanUp(results: readonly PlanResult[]): void {
  for (const result of results) if (!isCachedPlanDir(result.dir)) fs.rmSync(result.dir, { recursive: true, force: true });
}
