/**
 * The default buildspec is real YAML, and its steps are real bash: these
 * tests run them, phase by phase as CodeBuild would, with stand-in `docker`,
 * `aws` and `curl` commands that record what they were given.
 */
import * as fs from "node:fs";
import { parse } from "yaml";
import { BuildStep, dockerBuildSpec, DockerHubCredentials, renderBuildSpec } from "../constructs";
import { scriptPath } from "../constructs/buildspec";
import { StandIns } from "./support/stand-ins";

const TOKEN = "dckr_pat_CANARY0123456789abcdefXYZ";
const REGISTRY = "111111111111.dkr.ecr.eu-west-1.amazonaws.com";
const BUILD_ENV = {
  AWS_REGION: "eu-west-1",
  DOCKERHUB_USERNAME: "exampleteam",
  DOCKERHUB_TOKEN: TOKEN,
  DOCKERHUB_USERNAME_PARAMETER: "/docker-builds/dev/dockerhub/username",
  DOCKERHUB_TOKEN_PARAMETER: "/docker-builds/dev/dockerhub/token",
  ECR_REGISTRY: REGISTRY,
  IMAGE_REPOSITORY_URI: `${REGISTRY}/docker-builds-dev`,
  CODEBUILD_RESOLVED_SOURCE_VERSION: "0123456789abcdef0123",
  CODEBUILD_BUILD_NUMBER: "42",
};

type Phases = Record<"pre_build" | "build" | "post_build", { commands: string[] }>;

function phasesOf(yaml: string): Phases {
  const spec = parse(yaml) as { version: number; env: { shell: string }; phases: Phases };
  expect(spec.version).toBe(0.2);
  expect(spec.env.shell).toBe("bash");
  return spec.phases;
}

/** Runs one phase the way CodeBuild does: commands in order, the phase stops at the first that fails. */
function runPhase(standIns: StandIns, commands: string[], env: Record<string, string>) {
  const script = commands.map((command) => `${command.trimEnd()} || exit $?`).join("\n");
  return standIns.bash(script, env);
}

let standIns: StandIns;
beforeEach(() => {
  standIns = new StandIns();
});
afterEach(() => standIns.remove());

describe("the generated buildspec", () => {
  test("is a CodeBuild buildspec 0.2 whose commands are the step scripts, each in a subshell", () => {
    const phases = phasesOf(renderBuildSpec(dockerBuildSpec({ dockerHubLogin: true, pushToEcr: true })));
    const body = (step: BuildStep) => `(\n${fs.readFileSync(scriptPath(step), "utf8").replace(/^#!.*\n/, "").trimEnd()}\n)\n`;
    expect(phases).toEqual({
      pre_build: { commands: [body("ecr-login"), body("dockerhub-login"), body("dockerhub-quota")] },
      build: { commands: [body("docker-build-push")] },
      post_build: { commands: [body("docker-logout")] },
    });
  });

  test("without credentials or a repository it neither logs in nor pushes, and still reports the quota", () => {
    const phases = phasesOf(renderBuildSpec(dockerBuildSpec({ dockerHubLogin: false, pushToEcr: false })));
    expect(phases.pre_build.commands).toHaveLength(1);
    expect(phases.pre_build.commands[0]).toContain("ratelimit-remaining");
  });

  test("the scripts check for the same marker the parameters are created with", () => {
    expect(fs.readFileSync(scriptPath("dockerhub-login"), "utf8")).toContain(`unset_marker="${DockerHubCredentials.UNSET}"`);
    expect(fs.readFileSync(scriptPath("dockerhub-quota"), "utf8")).toContain(`!= "${DockerHubCredentials.UNSET}"`);
  });

  test("run end to end: logs in (token on stdin only), reports the quota, builds, pushes, logs out", () => {
    const phases = phasesOf(renderBuildSpec(dockerBuildSpec({ dockerHubLogin: true, pushToEcr: true })));
    const outputs = (["pre_build", "build", "post_build"] as const).map((phase) => {
      const result = runPhase(standIns, phases[phase].commands, BUILD_ENV);
      expect({ phase, status: result.status, stderr: result.stderr }).toEqual({ phase, status: 0, stderr: expect.any(String) });
      return result.stdout + result.stderr;
    });

    const image = `${REGISTRY}/docker-builds-dev:0123456789ab-42`;
    expect(standIns.calls().map((c) => [c.command, ...c.args].join(" "))).toEqual([
      "aws ecr get-login-password --region eu-west-1",
      `docker login --username AWS --password-stdin ${REGISTRY}`,
      "docker login --username exampleteam --password-stdin",
      "curl --silent --show-error --fail --max-time 10 --config - https://auth.docker.io/token?service=registry.docker.io&scope=repository:ratelimitpreview/test:pull",
      "curl --silent --show-error --fail --max-time 10 --head --config - https://registry-1.docker.io/v2/ratelimitpreview/test/manifests/latest",
      `docker build --tag ${image} .`,
      `docker push ${image}`,
      "docker logout",
      `docker logout ${REGISTRY}`,
    ]);

    const calls = standIns.calls();
    expect(calls[1].stdin).toBe("ecr-password-from-aws\n");
    expect(calls[2].stdin).toBe(TOKEN);
    expect(calls[3].stdin).toBe(`user = "exampleteam:${TOKEN}"\n`);
    expect(calls[4].stdin).toBe('header = "Authorization: Bearer registry.jwt.value"\n');
    // The token travels on stdin only: never an argument, never in the log.
    for (const call of calls) expect(call.args.join(" ")).not.toContain(TOKEN);
    for (const output of outputs) expect(output).not.toContain(TOKEN);

    expect(outputs[0]).toContain(
      "Docker Hub quota for the Docker Hub account exampleteam: 76 of 100 pulls left in a 21600 s window (counted for 203.0.113.7).",
    );
    expect(outputs[1]).toContain(`Pushed ${image}`);
    expect(outputs[2]).toContain(`Logged out of Docker Hub, ${REGISTRY}.`);
  });

  test.each([
    ["not set", { DOCKERHUB_TOKEN: "" }, /access token is not set \(SSM parameter \/docker-builds\/dev\/dockerhub\/token\)[\s\S]*dockerhub_set_token_command/],
    ["still the UNSET marker", { DOCKERHUB_TOKEN: "UNSET" }, /access token is not set/],
    ["a username still UNSET", { DOCKERHUB_USERNAME: "UNSET" }, /username is not set[\s\S]*Set dockerHub.username in the environment file/],
  ])("fails fast, with a clear message, when the credentials are %s", (_what, override, message) => {
    const phases = phasesOf(renderBuildSpec(dockerBuildSpec({ dockerHubLogin: true, pushToEcr: true })));
    const result = runPhase(standIns, phases.pre_build.commands, { ...BUILD_ENV, ...override });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(message);
    // ECR login ran first; Docker Hub login never did, and the quota check was not reached.
    expect(standIns.calls().map((c) => `${c.command} ${c.args[0]}`)).toEqual(["aws ecr", "docker login"]);
  });
});

describe("the step scripts, one by one", () => {
  const step = (name: BuildStep, env: Record<string, string> = {}) => standIns.bash(`bash ${scriptPath(name)}`, env);

  test("the quota check without credentials asks anonymously (the egress IP's quota), with no --config", () => {
    const result = step("dockerhub-quota", { DOCKERHUB_TOKEN: "" });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("Docker Hub quota for this build's egress IP (anonymous): 76 of 100");
    expect(standIns.calls()[0].args).not.toContain("--config");
  });

  test("the quota check reports 'no limit' when Docker Hub sends no rate-limit headers (paid plans)", () => {
    const result = step("dockerhub-quota", { ...BUILD_ENV, STAND_IN_HEADERS: "HTTP/1.1 200 OK\r\n\r\n" });
    expect(result.stdout).toContain("no limit reported");
  });

  test("the quota check never fails the build when Docker Hub does not answer", () => {
    const result = step("dockerhub-quota", { ...BUILD_ENV, STAND_IN_FAIL: "curl" });
    expect(result.status).toBe(0);
    expect(result.stderr).toContain("WARNING: Docker Hub quota check skipped: auth.docker.io did not answer.");
  });

  test("the quota check escapes quotes and backslashes in curl's config", () => {
    step("dockerhub-quota", { ...BUILD_ENV, DOCKERHUB_TOKEN: 'a"b\\c' });
    expect(standIns.calls()[0].stdin).toBe('user = "exampleteam:a\\"b\\\\c"\n');
  });

  test("build without a repository: no push; with a mirror: the REGISTRY build argument", () => {
    const result = step("docker-build-push", { REGISTRY_MIRROR: `${REGISTRY}/docker-hub`, IMAGE_TAG: "v1" });
    expect(result.status).toBe(0);
    expect(standIns.calls().map((c) => [c.command, ...c.args].join(" "))).toEqual([
      `docker build --build-arg REGISTRY=${REGISTRY}/docker-hub --tag local/build:v1 .`,
    ]);
  });

  test("a failed docker build fails the step", () => {
    expect(step("docker-build-push", { ...BUILD_ENV, STAND_IN_FAIL: "docker build" }).status).not.toBe(0);
    expect(standIns.calls().map((c) => c.args[0])).toEqual(["build"]);
  });

  test("logout never fails the build, even when docker logout does", () => {
    const result = step("docker-logout", { ECR_REGISTRY: REGISTRY, STAND_IN_FAIL: "docker" });
    expect(result.status).toBe(0);
    expect(standIns.calls()).toHaveLength(2);
  });

  test("ECR login needs a registry, and says so", () => {
    const result = step("ecr-login", { AWS_REGION: "eu-west-1" });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("neither ECR_REGISTRY nor MIRROR_REGISTRY is set");
  });

  test("ECR login to the build's registry and another account's mirror, each in its own region, each once", () => {
    const mirror = "333333333333.dkr.ecr.us-east-1.amazonaws.com";
    const result = step("ecr-login", { AWS_REGION: "eu-west-1", ECR_REGISTRY: REGISTRY, MIRROR_REGISTRY: mirror });
    expect(result.status).toBe(0);
    expect(standIns.calls().map((c) => [c.command, ...c.args].join(" "))).toEqual([
      "aws ecr get-login-password --region eu-west-1",
      `docker login --username AWS --password-stdin ${REGISTRY}`,
      "aws ecr get-login-password --region us-east-1",
      `docker login --username AWS --password-stdin ${mirror}`,
    ]);
    standIns.remove();
    standIns = new StandIns();
    step("ecr-login", { AWS_REGION: "eu-west-1", ECR_REGISTRY: REGISTRY, MIRROR_REGISTRY: REGISTRY });
    expect(standIns.calls()).toHaveLength(2);
  });
});
