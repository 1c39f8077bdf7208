/**
 * Running AWS provider processes that Terraform reattaches to
 * (TF_REATTACH_PROVIDERS) instead of starting the 675 MB provider, and
 * loading its schema, for every command: about half of each offline command's time.
 *
 * A provider process keeps its configuration (region, credentials, default
 * tags) between calls, so two Terraform commands must never share one at the
 * same time: each command leases a whole process (a lock directory per
 * process, shared by every process on the machine), and the pool's size is
 * the limit on the commands that use it running at once. Offline copies use
 * it; a deployment into the emulator starts a process of its own, and a run
 * against real AWS gets Terraform's own provider, with the caller's environment.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROVIDER, sharedDataDir, Terraform, WORK_ROOT } from "./cli";

/** The environment variable that names the pool file for the processes that lease from it. */
export const PROVIDER_POOL_VARIABLE = "DOCKER_PULLS_PROVIDER_POOL";

interface PoolFile {
  readonly providers: readonly { readonly pid: number; readonly reattach: string }[];
}

export interface ProviderPool {
  /** The pool file: put it in `PROVIDER_POOL_VARIABLE` for the processes that should use the pool. */
  readonly file: string;
  readonly pids: readonly number[];
  /** Stops every provider process (by PID) and removes the pool file. */
  stop(): void;
}

/** The AWS provider binary in the shared data directory. */
async function providerBinary(terraform: Terraform): Promise<string> {
  const { dataDir } = await sharedDataDir(terraform);
  const { namespace, type, version } = PROVIDER;
  const versionDir = path.join(dataDir, "providers", "registry.terraform.io", namespace, type, version);
  const directory = path.join(versionDir, fs.readdirSync(versionDir)[0]);
  return path.join(directory, fs.readdirSync(directory).find((file) => file.startsWith(`terraform-provider-${type}`))!);
}

/**
 * A provider started with -debug logs at TRACE whatever TF_LOG says: about
 * 3 MB for one offline plan of prod, and 1.5 MB for an apply of one VPC into
 * the emulator. Nobody reads it, and writing and reading it costs CPU, so its
 * loggers are off: the SDK's (TF_LOG_SDK*) and the provider's own
 * (TF_LOG_PROVIDER_AWS, which carries every AWS request and response).
 * Errors still reach Terraform: they travel as diagnostics, not as logs.
 */
const QUIET_PROVIDER: NodeJS.ProcessEnv = Object.fromEntries(
  ["TF_LOG_PROVIDER", "TF_LOG_PROVIDER_AWS", "TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_SDK_MUX", "TF_LOG_SDK_HELPER_SCHEMA", "TF_LOG_SDK_HELPER_RESOURCE"].map(
    (name) => [name, "off"],
  ),
);

/** One running provider process, for Terraform to reattach to. */
export class ProviderProcess {
  /**
   * Starts the provider in debug mode. Its environment is the caller's
   * without any AWS_ or TF_ variable, plus `env`: what the provider reads
   * from its own environment (an emulator's endpoint and credentials).
   */
  static async start(terraform: Terraform, env: NodeJS.ProcessEnv = {}): Promise<ProviderProcess> {
    const binary = await providerBinary(terraform);
    const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("AWS_") && !key.startsWith("TF_")));
    const child = spawn(binary, ["-debug"], { env: { ...clean, ...QUIET_PROVIDER, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    try {
      const reattach = await reattachLine(child);
      // Nothing more to read; the process lives until stop().
      child.stdout!.resume();
      child.stderr!.resume();
      child.unref();
      (child.stdout as unknown as { unref?: () => void }).unref?.();
      (child.stderr as unknown as { unref?: () => void }).unref?.();
      return new ProviderProcess(child, reattach);
    } catch (error) {
      child.kill("SIGKILL");
      throw error;
    }
  }

  private constructor(
    private readonly child: ChildProcess,
    /** The TF_REATTACH_PROVIDERS value that points Terraform at this process. */
    readonly reattach: string,
  ) {
    running.add(child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Stops the process by its PID. */
  stop(): void {
    if (this.child.exitCode === null) this.child.kill("SIGKILL");
    running.delete(this.child);
  }
}

const running = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of running) if (child.exitCode === null) child.kill("SIGKILL");
});

/** Starts `size` provider processes and writes the pool file that `withPooledProvider` leases them from. */
export async function startProviderPool(terraform: Terraform, size: number): Promise<ProviderPool> {
  const processes: ProviderProcess[] = [];
  const stopAll = () => processes.forEach((provider) => provider.stop());
  try {
    for (const provider of await Promise.all(Array.from({ length: size }, () => ProviderProcess.start(terraform)))) processes.push(provider);
  } catch (error) {
    stopAll();
    throw error;
  }
  removeStalePoolFiles(WORK_ROOT);
  const file = path.join(WORK_ROOT, `provider-pool-${process.pid}.json`);
  fs.writeFileSync(file, JSON.stringify({ providers: processes.map(({ pid, reattach }) => ({ pid, reattach })) } satisfies PoolFile));
  return {
    file,
    pids: processes.map((provider) => provider.pid),
    stop: () => {
      stopAll();
      fs.rmSync(file, { force: true });
      fs.rmSync(`${file}.locks`, { recursive: true, force: true });
    },
  };
}

/** Pool files in `dir` of runs that were killed before their teardown (their process is gone): removed, with their lease locks. */
export function removeStalePoolFiles(dir: string): void {
  if (!fs.existsSync(dir)) return;
  for (const name of fs.readdirSync(dir)) {
    const pid = /^provider-pool-(\d+)\.json$/.exec(name)?.[1];
    if (!pid || isRunning(Number(pid))) continue;
    fs.rmSync(path.join(dir, name), { force: true });
    fs.rmSync(path.join(dir, `${name}.locks`), { recursive: true, force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The provider prints `TF_REATTACH_PROVIDERS='<json>'` once it listens. */
function reattachLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`the provider did not start in 60 s:\n${seen.slice(-2000)}`)), 60_000);
    const read = (chunk: Buffer) => {
      seen += chunk.toString("utf8");
      const match = /TF_REATTACH_PROVIDERS='([^']+)'/.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout!.on("data", read);
    child.stderr!.on("data", read);
    child.once("exit", (code) => reject(new Error(`the provider exited (${code}) before it started:\n${seen.slice(-2000)}`)));
  });
}

/**
 * Runs `task` with one provider of the pool to itself (its TF_REATTACH_PROVIDERS
 * value), waiting until one is free. Without a pool (`poolFile` undefined or
 * gone), runs it at once with none.
 */
export async function withPooledProvider<T>(poolFile: string | undefined, task: (reattach?: string) => Promise<T>): Promise<T> {
  if (!poolFile || !fs.existsSync(poolFile)) return task(undefined);
  const { providers } = JSON.parse(fs.readFileSync(poolFile, "utf8")) as PoolFile;
  const locks = `${poolFile}.locks`;
  fs.mkdirSync(locks, { recursive: true });
  for (let wait = 10; ; wait = Math.min(wait * 2, 200)) {
    for (const [index, provider] of providers.entries()) {
      const lock = path.join(locks, String(index));
      try {
        fs.mkdirSync(lock);
        fs.writeFileSync(path.join(lock, "pid"), String(process.pid));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        // A holder that died (a killed test worker) frees its provider.
        if (!alive(Number(fs.readFileSync(path.join(lock, "pid"), { encoding: "utf8", flag: "a+" })))) fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      try {
        return await task(provider.reattach);
      } finally {
        fs.rmSync(lock, { recursive: true, force: true });
      }
    }
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

function alive(pid: number): boolean {
  if (!pid) return true; // being written: give the holder a moment
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
