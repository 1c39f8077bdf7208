/**
 * The Terraform CLI as this project runs it: found on PATH (or
 * TERRAFORM_BINARY), installing the AWS provider from a local filesystem
 * mirror when this machine has one (else from the registry), with a CLI config
 * and plugin cache of its own under `.terraform-cache/` in the repository. It
 * depends on nothing outside the repository that it did not find or create itself.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** The provider every stack pins (the version @cdktf/provider-aws 20.1.0 binds). */
export const PROVIDER = { namespace: "hashicorp", type: "aws", version: "5.100.0" } as const;
const REPO_ROOT = path.resolve(__dirname, "..");
/** The CLI config, the plugin cache, the shared data directory and the working directories. */
export const WORK_ROOT = path.join(REPO_ROOT, ".terraform-cache");
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
  return mirrorCandidates().find((dir) => fs.existsSync(path.join(dir, "registry.terraform.io", namespace, type, version, PLATFORM)));
}

export function findTerraform(): string | undefined {
  const explicit = process.env.TERRAFORM_BINARY;
  if (explicit) return fs.existsSync(explicit) ? explicit : undefined;
  return findOnPath("terraform");
}

/** An executable on PATH, or undefined. */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(dir, name);
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

/** Prints a skip notice framed so that nobody scrolls past it. */
export function warnLoudly(message: string): void {
  console.warn(`\n${"!".repeat(78)}\n! SKIPPING: ${message}\n${"!".repeat(78)}\n`);
}

/**
 * The Terraform CLI set up for this project, or undefined (after saying so
 * loudly) when this machine has none. With REQUIRE_TERRAFORM=1 a missing CLI
 * is an error instead.
 */
export function setUpTerraform(options: { quiet?: boolean } = {}): Terraform | undefined {
  const binary = findTerraform();
  if (!binary) {
    if (options.quiet) return undefined;
    const message =
      "terraform CLI not found on PATH (or TERRAFORM_BINARY): the real-provider plan tests cannot run. " +
      "Install Terraform >= 1.11 to run them.";
    if (process.env.REQUIRE_TERRAFORM === "1") throw new Error(`${message} REQUIRE_TERRAFORM=1 makes this a failure.`);
    warnLoudly(message);
    return undefined;
  }
  const mirror = findProviderMirror();
  fs.mkdirSync(path.join(WORK_ROOT, "plugin-cache"), { recursive: true });
  const cliConfig = path.join(WORK_ROOT, "terraform.rc");
  const source = `registry.terraform.io/${PROVIDER.namespace}/${PROVIDER.type}`;
  const text = [
    `plugin_cache_dir = ${JSON.stringify(path.join(WORK_ROOT, "plugin-cache"))}`,
    "provider_installation {",
    ...(mirror ? [`  filesystem_mirror {`, `    path    = ${JSON.stringify(mirror)}`, `    include = ["${source}"]`, `  }`] : []),
    `  direct {${mirror ? ` exclude = ["${source}"] ` : ""}}`,
    "}",
    "",
  ].join("\n");
  // Several processes set up at once: write only when different, and atomically.
  if (!fs.existsSync(cliConfig) || fs.readFileSync(cliConfig, "utf8") !== text) {
    const temporary = `${cliConfig}.${process.pid}`;
    fs.writeFileSync(temporary, text);
    fs.renameSync(temporary, cliConfig);
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TF_CLI_CONFIG_FILE: cliConfig,
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    CHECKPOINT_DISABLE: "1",
  };
  return { binary, mirror, env };
}

/** AWS credentials in the environment: no offline or emulated run may see them. */
export const AWS_CREDENTIAL_VARIABLES = [
  "AWS_PROFILE",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_ROLE_ARN",
  "AWS_CONTAINER_CREDENTIALS_FULL_URI",
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
];

/** Whether this process has AWS credentials to plan with (environment variables only: profiles need AWS_PROFILE). */
export function hasAwsCredentials(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(
    (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) ||
      env.AWS_PROFILE ||
      env.AWS_WEB_IDENTITY_TOKEN_FILE ||
      env.AWS_CONTAINER_CREDENTIALS_FULL_URI ||
      env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI,
  );
}

/** A failed Terraform command: what it printed, shortened where Terraform quotes whole (very long) source lines. */
export class TerraformError extends Error {
  constructor(
    readonly command: string,
    readonly output: string,
    readonly exitCode: number | undefined,
  ) {
    super(`terraform ${command} failed:\n${errorsOf(output)}`);
    this.name = "TerraformError";
  }
}

/** What Terraform said went wrong: from its first "Error:" on (all of it when there is none), very long lines cut. */
function errorsOf(output: string): string {
  const lines = output.split("\n");
  const first = lines.findIndex((line) => /^(\u2577\s*)?│?\s*Error: /.test(line) || line.startsWith("Error: "));
  return lines
    .slice(Math.max(0, first))
    .map((line) => (line.length > 1000 ? `${line.slice(0, 1000)}...` : line))
    .join("\n");
}

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/**
 * Runs one Terraform command in `cwd`. Rejects with a TerraformError on a
 * non-zero exit, unless the exit code is listed in `allowExitCodes`
 * (`plan -detailed-exitcode` exits 2 when there are changes).
 */
export async function runTerraform(
  terraform: Terraform,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; allowExitCodes?: readonly number[] },
): Promise<RunResult> {
  const started = Date.now();
  try {
    const { stdout, stderr } = await execFileAsync(terraform.binary, [...args], {
      cwd: options.cwd,
      env: options.env ?? terraform.env,
      maxBuffer: 256 * 1024 * 1024,
    });
    recordTiming(args, options.cwd, started);
    return { stdout, stderr, exitCode: 0 };
  } catch (error) {
    recordTiming(args, options.cwd, started);
    const failure = error as { stdout?: string; stderr?: string; code?: number | string; message: string };
    const exitCode = typeof failure.code === "number" ? failure.code : undefined;
    if (exitCode !== undefined && options.allowExitCodes?.includes(exitCode)) {
      return { stdout: failure.stdout ?? "", stderr: failure.stderr ?? "", exitCode };
    }
    const output = [failure.stdout, failure.stderr].filter(Boolean).join("\n") || failure.message;
    throw new TerraformError(`${args[0]} (in ${options.cwd})`, output, exitCode);
  }
}

/** With TERRAFORM_TIMINGS=<file>, one JSON line per command: which, where, how long (what `npm run bench:test` reads). */
function recordTiming(args: readonly string[], cwd: string, started: number): void {
  const file = process.env.TERRAFORM_TIMINGS;
  if (!file) return;
  // What was planned, by content: the same configuration and state planned twice shows as the same key.
  const content = ["main.tf.json", "terraform.tfstate"].map((name) => path.join(cwd, name)).filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f));
  const key = createHash("sha256").update(Buffer.concat(content)).digest("hex").slice(0, 12);
  fs.appendFileSync(file, `${JSON.stringify({ command: args[0], dir: path.basename(cwd), key, ms: Date.now() - started })}\n`);
}

/**
 * Runs `task` holding a lock shared by every process on this machine (a
 * directory: mkdir is atomic). `terraform init` re-links the plugin cache's
 * entry each time, so an init in one process can catch another's cache
 * half-written: inits take turns. A lock older than a minute is stale.
 */
export async function withInitLock<T>(task: () => Promise<T>): Promise<T> {
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

/** The backend of every local working copy (offline plans, emulator applies): a state file in the working directory. */
export const LOCAL_BACKEND = { local: { path: "terraform.tfstate" } } as const;

/**
 * The data directory (TF_DATA_DIR) that every local working copy shares:
 * initialized once, under the lock, for a configuration with the same
 * provider and the same local backend as the copies, so they need no init of
 * their own (an init hashes the 675 MB provider).
 */
export async function sharedDataDir(terraform: Terraform): Promise<{ lockFile: string; dataDir: string }> {
  const configDir = path.join(WORK_ROOT, "offline");
  const dataDir = path.join(configDir, ".terraform");
  const lockFile = path.join(configDir, ".terraform.lock.hcl");
  const ready = path.join(configDir, ".ready");
  if (!fs.existsSync(ready)) {
    await withInitLock(async () => {
      if (fs.existsSync(ready)) return;
      fs.mkdirSync(configDir, { recursive: true });
      const { namespace, type, version } = PROVIDER;
      fs.writeFileSync(
        path.join(configDir, "main.tf.json"),
        JSON.stringify({ terraform: { required_providers: { aws: { source: `${namespace}/${type}`, version } }, backend: LOCAL_BACKEND } }),
      );
      await runTerraform(terraform, ["init", "-input=false", "-no-color"], { cwd: configDir });
      fs.writeFileSync(ready, "");
    });
  }
  return { lockFile, dataDir };
}
