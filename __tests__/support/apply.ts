/**
 * Deployments into the AWS API emulator: a synthesized stack, rewritten to
 * point at the emulator (terraform/copies.ts) and without what the emulator
 * cannot serve (emulator-gaps.ts), applied through the real Terraform CLI and
 * AWS provider in a working directory that keeps its state from step to step,
 * as a real environment's does.
 */
import AdmZip from "adm-zip";
import * as fs from "node:fs";
import * as path from "node:path";
import { Credentials, effectiveChanges, emulatorCopy, EmulatorCopyOptions, emulatorEnvironment, PlanJson, ProviderProcess, stateAddresses, StateJson, Workspace } from "../../terraform";
import { Emulator, hasEmulator } from "./emulator";
import { Coverage, COVERAGE_DIR, formatCoverage } from "./coverage";
import { Excluded, withoutGaps } from "./emulator-gaps";
import { terraform } from "./plans";

/** `describe` when Terraform and the emulator are here, `describe.skip` (after a loud warning) when not. */
export const describeWithEmulator = terraform && hasEmulator ? describe : describe.skip;
export const APPLY_TIMEOUT = 900_000;

/** Applied and excluded resources, by type, over every deployment of a test file. */
const coverage = new Map<string, { applied: Set<string>; excluded: Map<string, string> }>();

function record(applied: readonly string[], excluded: readonly Excluded[]): void {
  const entry = (type: string) => coverage.get(type) ?? coverage.set(type, { applied: new Set(), excluded: new Map() }).get(type)!;
  for (const address of applied) entry(address.split(".")[0]).applied.add(address);
  for (const { address, type, reason } of excluded) entry(type).excluded.set(address, reason);
}

/** Prints what the file's deployments applied and left out, per resource type, after its tests; and keeps it for the run's total. */
export function printCoverageAfterAll(title: string): void {
  afterAll(() => {
    if (coverage.size === 0) return;
    const json: Coverage = Object.fromEntries(
      [...coverage.entries()].map(([type, e]) => [type, { applied: [...e.applied], excluded: Object.fromEntries(e.excluded) }]),
    );
    console.log(formatCoverage(`Emulator coverage, ${title}`, [json]));
    fs.mkdirSync(COVERAGE_DIR, { recursive: true });
    fs.writeFileSync(path.join(COVERAGE_DIR, `${title}.json`), JSON.stringify(json));
  });
}

/** A deploy that must fail: its error, whitespace collapsed (Terraform wraps messages at 78 columns), matched against `pattern`. */
export async function expectRefused(deploy: Promise<unknown>, pattern: RegExp): Promise<void> {
  const error = await deploy.then(
    () => undefined,
    (failure: Error) => failure,
  );
  expect(error).toBeDefined();
  expect(error!.message.replace(/\s+/g, " ")).toMatch(pattern);
}

export interface DeploymentOptions {
  /** Where the provider sends its calls (a fault proxy in front of the emulator). @default the emulator */
  readonly endpoint?: string;
  /** Who deploys: an emulator enforcing IAM knows its users' keys only. @default the emulator's credentials */
  readonly credentials?: Credentials;
  /** Keep the stack's S3 backend (a bucket in the emulator) instead of local state. @default false */
  readonly s3Backend?: boolean;
}

export interface Deployed {
  /** Addresses applied (in the configuration that went to the emulator). */
  readonly applied: readonly string[];
  readonly excluded: readonly Excluded[];
  readonly output: string;
}

/**
 * One environment's deployment in one emulator account: a working directory
 * whose state carries from step to step. Everything Terraform printed is kept,
 * to look for secrets in it.
 */
export class Deployment {
  /**
   * Starts a deployment into `emulator` (or a proxy in front of it, at
   * `endpoint`), with a provider process of its own that every step reuses:
   * its steps run one after another, so nothing else ever shares it.
   */
  static async start(emulator: Emulator, name: string, region: string, options: DeploymentOptions = {}): Promise<Deployment> {
    const endpoint = options.endpoint ?? emulator.endpoint;
    const credentials = options.credentials ?? emulator.credentials;
    const env = emulatorEnvironment(endpoint, region, credentials);
    const provider = await ProviderProcess.start(terraform!, env);
    const workspace = Workspace.create(terraform!, `apply-${name}`, { env, reattach: provider.reattach, ownBackend: options.s3Backend === true });
    return new Deployment(emulator, region, provider, workspace, { credentials, s3BackendEndpoint: options.s3Backend ? endpoint : undefined });
  }

  private readonly printed: string[] = [];

  private constructor(
    readonly emulator: Emulator,
    readonly region: string,
    private readonly provider: ProviderProcess,
    readonly workspace: Workspace,
    private readonly copyOptions: EmulatorCopyOptions,
  ) {}

  /** Writes the stack's emulator copy, without its gaps, as the configuration to run. */
  configure(stackJson: Record<string, unknown>): Pick<Deployed, "applied" | "excluded"> {
    const { json, excluded, applied } = withoutGaps(emulatorCopy(stackJson, this.copyOptions));
    this.workspace.write(json);
    return { applied, excluded };
  }

  /** Points the stack at the emulator, leaves out its gaps, and applies it. Rejects when the apply fails. */
  async deploy(stackJson: Record<string, unknown>, variables: Record<string, string> = {}): Promise<Deployed> {
    const { excluded, applied } = this.configure(stackJson);
    record(applied, excluded);
    try {
      const output = await this.workspace.apply(variables);
      this.printed.push(output);
      return { applied, excluded, output };
    } catch (error) {
      this.printed.push(String((error as Error & { output?: string }).output ?? (error as Error).message));
      throw error;
    }
  }

  /** A refreshing plan of what was last deployed: the changes it would make (none, after a good apply). */
  async pendingChanges(variables: Record<string, string> = {}): Promise<{ address: string; actions: string[] }[]> {
    const { plan, output } = await this.workspace.plan({ variables, detailedExitcode: true });
    this.printed.push(output);
    return plan ? effectiveChanges(plan) : [];
  }

  /** A refreshing plan of what was last deployed, in full. */
  async plan(variables: Record<string, string> = {}): Promise<PlanJson> {
    const { plan, output } = await this.workspace.plan({ variables });
    this.printed.push(output);
    return plan!;
  }

  /** `terraform destroy` of what was last deployed. */
  async destroy(): Promise<string> {
    try {
      const output = await this.workspace.destroy();
      this.printed.push(output);
      return output;
    } catch (error) {
      this.printed.push(String((error as Error & { output?: string }).output ?? (error as Error).message));
      throw error;
    }
  }

  state(): StateJson | undefined {
    return this.workspace.state();
  }

  /** Managed addresses in the state. */
  addresses(): string[] {
    return stateAddresses(this.state());
  }

  /** The state's attributes of one resource instance. */
  attributes(address: string): Record<string, unknown> {
    const [type, rest] = [address.slice(0, address.indexOf(".")), address.slice(address.indexOf(".") + 1)];
    const [name, key] = rest.includes("[") ? [rest.slice(0, rest.indexOf("[")), JSON.parse(rest.slice(rest.indexOf("[") + 1, -1))] : [rest, undefined];
    const resource = this.state()?.resources.find((r) => r.mode === "managed" && r.type === type && r.name === name);
    const instance = resource?.instances.find((i) => i.index_key === key);
    if (!instance) throw new Error(`${address} is not in the state`);
    return instance.attributes;
  }

  /** An output's value, as `terraform output -json` gives it. */
  async output(name: string): Promise<unknown> {
    return (await this.workspace.outputs())[name]?.value;
  }

  /**
   * Every text a secret could leak into: what Terraform printed, each state
   * file (current and backup), and the last saved plan, entry by entry.
   */
  leakCarriers(): Map<string, string> {
    const carriers = new Map<string, string>(this.printed.map((text, i) => [`terraform output #${i + 1}`, text]));
    for (const file of fs.readdirSync(this.workspace.dir)) {
      const full = path.join(this.workspace.dir, file);
      if (/\.tfstate(\.backup)?$/.test(file)) carriers.set(file, fs.readFileSync(full, "utf8"));
      if (file === "plan.bin") for (const entry of new AdmZip(full).getEntries()) carriers.set(`plan.bin:${entry.entryName}`, entry.getData().toString("latin1"));
    }
    return carriers;
  }

  /** Starts from the state another deployment recorded (a CI runner that reads the recorded state). */
  copyStateFrom(other: Deployment): void {
    fs.copyFileSync(path.join(other.workspace.dir, "terraform.tfstate"), path.join(this.workspace.dir, "terraform.tfstate"));
  }

  /** Stops its provider and removes its working directory. */
  remove(): void {
    this.provider.stop();
    this.workspace.remove();
  }
}
