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

/**
 * The stand-in: one bash script, linked under each command's name. Bash, not Node: the unit tests'
 * scripts call stand-ins about 160 times, and a Node process costs about 50 ms of CPU to start
 * (about 8 s of the unit project's CPU); bash costs a few.
 */
const STAND_IN = path.join(__dirname, "stand-in.sh");

export class StandIns {
  readonly dir: string;
  private readonly log: string;

  constructor(commands: readonly string[] = ["docker", "aws", "curl"]) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "stand-ins-"));
    fs.mkdirSync(path.join(this.dir, "bin"));
    for (const command of commands) {
      fs.symlinkSync(STAND_IN, path.join(this.dir, "bin", command));
    }
    this.log = path.join(this.dir, "calls");
    fs.mkdirSync(this.log);
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

  /** Every call so far, in order. */
  calls(): Call[] {
    return fs
      .readdirSync(this.log)
      .sort()
      .map((name) => {
        const [command, ...args] = fs.readFileSync(path.join(this.log, name, "args"), "utf8").split("\0").slice(0, -1);
        const stdin = path.join(this.log, name, "stdin");
        return { command, args, stdin: fs.existsSync(stdin) ? fs.readFileSync(stdin, "utf8") : "" };
      });
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
