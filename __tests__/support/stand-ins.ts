/**
 * Stand-in `docker` (buildx imagetools included), `aws` and `curl` commands,
 * so the build's and the token stores' real shell scripts run here in bash. Each stand-in records its arguments and what it
 * read on stdin, and answers like the real command would.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";

export interface Call {
  readonly command: string;
  readonly args: string[];
  /** What the command read on stdin (only where the real one reads it). */
  readonly stdin: string;
}

/** The stand-in: one Node script, installed under each command's name. */
const STAND_IN = `#!/usr/bin/env node
const fs = require("fs");
const path = require("path");
const command = path.basename(process.argv[1]);
const args = process.argv.slice(2);
const readsStdin =
  (command === "docker" && args.includes("--password-stdin")) ||
  (command === "curl" && args.includes("--config") && args[args.indexOf("--config") + 1] === "-") ||
  (command === "aws" && args.includes("file:///dev/stdin"));
const stdin = readsStdin ? fs.readFileSync(0, "utf8") : "";
fs.appendFileSync(process.env.STAND_IN_LOG, JSON.stringify({ command, args, stdin }) + "\\n");
const fail = (process.env.STAND_IN_FAIL || "").split(",").filter(Boolean);
const failMatch = process.env.STAND_IN_FAIL_MATCH;
if (fail.includes(command + " " + args[0]) || fail.includes(command) || (failMatch && args.some((a) => a.includes(failMatch)))) {
  process.stderr.write(command + ": simulated failure\\n");
  process.exit(7);
}
const out = (text) => process.stdout.write(text);
if (command === "aws" && args[0] === "ssm" && args[1] === "put-parameter" && !args.includes("--overwrite") && process.env.STAND_IN_PARAMETER_EXISTS) {
  process.stderr.write("An error occurred (ParameterAlreadyExists) when calling the PutParameter operation: The parameter already exists.\\n");
  process.exit(254);
}
if (command === "aws" && args[0] === "sts" && args[1] === "get-caller-identity") out((process.env.STAND_IN_ACCOUNT || "123456789012") + "\\n");
if (command === "aws" && args[0] === "sts" && args[1] === "assume-role") out("ASIAASSUMED SECRETASSUMED TOKENASSUMED\\n");
if (command === "aws" && args[0] === "secretsmanager" && args[1] === "list-secret-version-ids") out((process.env.STAND_IN_SECRET_VERSIONS || "0") + "\\n");
// The key a stored SecureString parameter is encrypted with, as DescribeParameters reports it (never its value).
if (command === "aws" && args[0] === "ssm" && args[1] === "describe-parameters") out((process.env.STAND_IN_PARAMETER_KEY || "alias/aws/ssm") + "\\n");
if (command === "aws" && args[0] === "ecr" && args[1] === "get-registry-scanning-configuration") out((process.env.STAND_IN_SCAN_TYPE || "BASIC") + "\\n");
if (command === "aws" && args[0] === "ecr" && args[1] === "get-registry-policy") {
  if (!process.env.STAND_IN_REGISTRY_POLICY || process.env.STAND_IN_REGISTRY_POLICY === "none") {
    process.stderr.write("An error occurred (RegistryPolicyNotFoundException) when calling the GetRegistryPolicy operation\\n");
    process.exit(254);
  }
  out(process.env.STAND_IN_REGISTRY_POLICY + "\\n");
}
if (command === "docker" && args[0] === "login") out("Login Succeeded\\n");
if (command === "aws" && args[0] === "ecr" && args[1] === "get-login-password") out("ecr-password-from-aws\\n");
if (command === "curl" && args.some((a) => a.startsWith("https://auth.docker.io/"))) out('{"token":"registry.jwt.value","expires_in":300}');
// Images, as buildx imagetools sees them: an upstream reference has a stable digest; a copy has its source's digest
// when it is a carbon copy (an index, or --prefer-index=false), else a new index's (single-platform sources wrapped).
// STAND_IN_SINGLE_PLATFORM lists the upstream references that are single-platform manifests.
const images = path.join(path.dirname(process.env.STAND_IN_LOG), "images.json");
const known = fs.existsSync(images) ? JSON.parse(fs.readFileSync(images, "utf8")) : {};
const sha = (text) => "sha256:" + require("crypto").createHash("sha256").update(text).digest("hex");
if (command === "docker" && args[0] === "buildx" && args[1] === "imagetools" && args[2] === "create") {
  const destination = args[args.indexOf("--tag") + 1];
  const source = args[args.length - 1];
  const single = (process.env.STAND_IN_SINGLE_PLATFORM || "").split(/\\s+/).includes(source);
  const wraps = single && (!args.includes("--prefer-index=false") || process.env.STAND_IN_ALWAYS_WRAP === "1");
  known[destination] = wraps ? sha("index wrapping " + source) : sha(source);
  fs.writeFileSync(images, JSON.stringify(known));
}
if (command === "docker" && args[0] === "buildx" && args[1] === "imagetools" && args[2] === "inspect") {
  // As {{json .Manifest.Digest}} prints it.
  out(JSON.stringify(known[args[3]] || sha(args[3])) + "\\n");
}
if (command === "curl" && args.includes("--head")) {
  out(process.env.STAND_IN_HEADERS ??
    "HTTP/1.1 200 OK\\r\\nratelimit-limit: 100;w=21600\\r\\nratelimit-remaining: 76;w=21600\\r\\ndocker-ratelimit-source: 203.0.113.7\\r\\n\\r\\n");
}
`;

export class StandIns {
  readonly dir: string;
  private readonly log: string;

  constructor(commands: readonly string[] = ["docker", "aws", "curl"]) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "stand-ins-"));
    fs.mkdirSync(path.join(this.dir, "bin"));
    for (const command of commands) {
      fs.writeFileSync(path.join(this.dir, "bin", command), STAND_IN, { mode: 0o755 });
    }
    this.log = path.join(this.dir, "calls.jsonl");
    fs.writeFileSync(this.log, "");
  }

  /** Runs a bash script with the stand-ins first on PATH. */
  bash(script: string, env: Record<string, string> = {}, input?: string): { status: number; stdout: string; stderr: string } {
    const result = spawnSync("bash", ["-c", script], {
      env: {
        PATH: `${path.join(this.dir, "bin")}:${process.env.PATH}`,
        HOME: this.dir,
        STAND_IN_LOG: this.log,
        ...env,
      },
      input: input ?? "",
      encoding: "utf8",
    });
    return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
  }

  /**
   * Runs a buildspec's phases in order, as CodeBuild does: a phase stops at
   * its first failing command; post_build runs even after a failed build.
   */
  runBuildSpec(yaml: string, env: Record<string, string>): Record<string, { status: number; stdout: string; stderr: string }> {
    const spec = parse(yaml) as { phases: Record<string, { commands: string[] }> };
    const results: Record<string, { status: number; stdout: string; stderr: string }> = {};
    for (const phase of ["install", "pre_build", "build", "post_build"]) {
      const commands = spec.phases[phase]?.commands;
      if (!commands) continue;
      if (phase === "build" && results.pre_build?.status) continue;
      results[phase] = this.bash(commands.map((command) => `${command.trimEnd()} || exit $?`).join("\n"), env);
    }
    return results;
  }

  calls(): Call[] {
    return fs
      .readFileSync(this.log, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Call);
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
