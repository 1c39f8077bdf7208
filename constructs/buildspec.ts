/**
 * The default buildspec: a real CodeBuild buildspec (version 0.2) generated
 * as an object and written with a YAML library.
 *
 * Each step is a shell script under `build-steps/`, a real file the tests run with
 * bash; the buildspec embeds them, because with a CodePipeline source the
 * build only sees the user's repository, not ours.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";

/** What the default buildspec does besides building the Dockerfile. */
export interface DockerBuildSpecOptions {
  /**
   * Log in to Docker Hub with `DOCKERHUB_USERNAME` and `DOCKERHUB_TOKEN`
   * (mapped in from SSM), and log out in post_build.
   */
  readonly dockerHubLogin: boolean;
  /** Log in to `ECR_REGISTRY` and push the image to `IMAGE_REPOSITORY_URI`. */
  readonly pushToEcr: boolean;
  /**
   * Log in to `MIRROR_REGISTRY`; the build passes `REGISTRY_MIRROR` to
   * `docker build` as the build argument `REGISTRY`.
   * @default false
   */
  readonly pullFromMirror?: boolean;
}

/** The steps, in order; each is a script in `build-steps/`. */
export type BuildStep = "ecr-login" | "dockerhub-login" | "dockerhub-quota" | "docker-build-push" | "docker-logout" | "mirror-sync";

/** Absolute path of a step's script, for tests and for users who want to read it. */
export function scriptPath(step: BuildStep): string {
  return path.join(__dirname, "build-steps", `${step}.sh`);
}

/**
 * A script as a buildspec command: without its shebang, in a subshell, so its
 * `set -e` and `exit` stay inside it (CodeBuild runs a phase's commands in one shell).
 */
function command(step: BuildStep): string {
  const body = fs
    .readFileSync(scriptPath(step), "utf8")
    .replace(/^#!.*\n/, "")
    .trimEnd();
  return `(\n${body}\n)\n`;
}

/** The buildspec as an object (what CodeBuild reads, before YAML). */
export function dockerBuildSpec(options: DockerBuildSpecOptions): Record<string, unknown> {
  const preBuild: BuildStep[] = [
    ...(options.pushToEcr || options.pullFromMirror ? (["ecr-login"] as const) : []),
    ...(options.dockerHubLogin ? (["dockerhub-login"] as const) : []),
    "dockerhub-quota",
  ];
  return {
    version: 0.2,
    env: { shell: "bash" },
    phases: {
      pre_build: { commands: preBuild.map(command) },
      build: { commands: [command("docker-build-push")] },
      // post_build runs after a failed build too; logging out keeps credentials
      // out of ~/.docker/config.json whatever happened.
      post_build: { commands: [command("docker-logout")] },
    },
  };
}

/** The mirror's sync job: log in to the mirror, copy every pinned image, log out. */
export function mirrorSyncBuildSpec(): Record<string, unknown> {
  return {
    version: 0.2,
    env: { shell: "bash" },
    phases: {
      pre_build: { commands: [command("ecr-login")] },
      build: { commands: [command("mirror-sync")] },
      post_build: { commands: [command("docker-logout")] },
    },
  };
}

/** Renders a buildspec object as YAML, multi-line commands as literal blocks. */
export function renderBuildSpec(spec: Record<string, unknown>): string {
  return stringify(spec, { lineWidth: 0, blockQuote: "literal" });
}
