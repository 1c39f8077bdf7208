/**
 * Where the Docker Hub token is stored, and how: the store records the
 * constructs synthesize (Terraform's one write, at creation) and the rotation
 * command, each run as the real shell it is, with a stand-in `aws` that
 * records its arguments and what it read on stdin.
 */
import { TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import { DockerHubCredentials, DockerHubSecret } from "../constructs";
import { dockerHubTokenCommand } from "../constructs/private/token-command";
import { resourcesIn, synthIn } from "./support/environments";
import { StandIns } from "./support/stand-ins";

const TOKEN = "dckr_pat_CANARY0123456789abcdefXYZ";
const KEY = "arn:aws:kms:eu-west-1:123456789012:key/0b9c6c1e-7d1a-4c4e-9a51-2f4d0b7e6a11";
const ACCOUNT = "123456789012";

const synth = (build: (scope: Construct) => void) => synthIn(ACCOUNT, "eu-west-1", build);
const credentials = (scope: Construct, extra: Partial<ConstructorParameters<typeof DockerHubCredentials>[2]> = {}) =>
  new DockerHubCredentials(scope, "hub", { parameterPrefix: "/team/dev/dockerhub", username: "exampleteam", ...extra });
const secret = (scope: Construct, extra: Partial<ConstructorParameters<typeof DockerHubSecret>[2]> = {}) =>
  new DockerHubSecret(scope, "secret", { secretName: "ecr-pullthroughcache/team-docker-hub", username: "exampleteam", ...extra });

/** The provisioner of the one terraform_data in `json`, as Terraform hands it to bash (its template escapes undone). */
function storeOf(json: string): { command: string; environment: Record<string, string>; triggers: Record<string, unknown> } {
  const [record] = resourcesIn(json, "terraform_data");
  const [{ "local-exec": exec }] = record.provisioner as { "local-exec": { command: string; environment: Record<string, string>; interpreter: string[] } }[];
  expect(exec.interpreter).toEqual(["bash", "-c"]);
  return { command: exec.command.replace(/\$\$\{/g, "${").replace(/%%\{/g, "%{"), environment: exec.environment, triggers: record.triggers_replace as Record<string, unknown> };
}

let standIns: StandIns;
beforeEach(() => {
  standIns = new StandIns(["aws"]);
});
afterEach(() => standIns.remove());
const calls = () => standIns.calls().map((call) => call.args.join(" "));
const expectNoLeak = (result: { stdout: string; stderr: string }) => {
  for (const call of standIns.calls()) expect(call.args.join(" ")).not.toContain(TOKEN);
  expect(result.stdout + result.stderr).not.toContain(TOKEN);
};

describe("DockerHubCredentials: SSM parameters written outside what Terraform refreshes", () => {
  test("no aws_ssm_parameter (the provider would read the token back on every refresh): a record that stores them at creation", () => {
    const json = synth((scope) => {
      const token = new TerraformVariable(scope, "t", { type: "string", sensitive: true });
      credentials(scope, { initialToken: token.stringValue, kmsKeyArn: KEY });
    });
    expect(resourcesIn(json, "aws_ssm_parameter")).toEqual([]);
    const store = storeOf(json);
    expect(store.environment).toEqual({ DOCKERHUB_TOKEN: "${var.t}" });
    // A new name, key or username stores again (and keeps a stored token).
    expect(store.triggers).toEqual({
      usernameParameter: "/team/dev/dockerhub/username",
      tokenParameter: "/team/dev/dockerhub/token",
      keyId: KEY,
      username: "exampleteam",
    });
  });

  test("at creation: checks the account, stores the username, and the token (on stdin) where none is stored yet", () => {
    const { command } = storeOf(synth((scope) => credentials(scope, { kmsKeyArn: KEY })));
    const result = standIns.bash(command, { DOCKERHUB_TOKEN: TOKEN });
    expect(result.status).toBe(0);
    expect(calls()).toEqual([
      "sts get-caller-identity --region eu-west-1 --query Account --output text",
      `ssm put-parameter --region eu-west-1 --name /team/dev/dockerhub/username --type SecureString --key-id ${KEY} --overwrite --value exampleteam`,
      `ssm put-parameter --region eu-west-1 --name /team/dev/dockerhub/token --type SecureString --key-id ${KEY} --value file:///dev/stdin`,
    ]);
    expect(standIns.calls()[2].stdin).toBe(TOKEN);
    expect(result.stderr).toContain("Stored the token in SSM parameter /team/dev/dockerhub/token.");
    expectNoLeak(result);
  });

  test("at creation without a token: the placeholder, labelled so (the build fails fast on it; the doctor sees the label)", () => {
    const { command } = storeOf(synth((scope) => credentials(scope)));
    const result = standIns.bash(command, { DOCKERHUB_TOKEN: "" });
    expect(result.status).toBe(0);
    expect(standIns.calls()[2].stdin).toBe(DockerHubCredentials.UNSET);
    expect(calls()[3]).toBe("ssm label-parameter-version --region eu-west-1 --name /team/dev/dockerhub/token --labels placeholder");
    expect(result.stderr).toContain("holds a placeholder: store the token with the dockerhub_set_token_command output");
  });

  test("at creation over a token stored earlier (a strategy switched back on): left as it is", () => {
    const { command } = storeOf(synth((scope) => credentials(scope)));
    const result = standIns.bash(command, { DOCKERHUB_TOKEN: TOKEN, STAND_IN_PARAMETER_EXISTS: "1" });
    expect(result.status).toBe(0);
    expect(result.stderr).toContain("SSM parameter /team/dev/dockerhub/token already holds a token: left as it is.");
    // Which key encrypts it, from its metadata: never its value.
    expect(calls()[3]).toBe("ssm describe-parameters --region eu-west-1 --parameter-filters Key=Name,Values=/team/dev/dockerhub/token --query Parameters[0].KeyId --output text");
    expect(calls().filter((call) => call.includes("get-parameter"))).toEqual([]);
  });

  test.each([
    ["the key ARN", KEY],
    ["the key id", "0b9c6c1e-7d1a-4c4e-9a51-2f4d0b7e6a11"],
  ])("a token stored with the configured key (reported as %s) is left as it is", (_as, reported) => {
    const { command } = storeOf(synth((scope) => credentials(scope, { kmsKeyArn: KEY })));
    const result = standIns.bash(command, { DOCKERHUB_TOKEN: TOKEN, STAND_IN_PARAMETER_EXISTS: "1", STAND_IN_PARAMETER_KEY: reported });
    expect(result.status).toBe(0);
    expect(result.stderr).toContain("already holds a token: left as it is.");
  });

  test("dockerHub.kmsKeyArn changed: a token still encrypted with the old key fails the deploy, saying how to store it with the new one", () => {
    // Builds are granted kms:Decrypt on the configured key only: a token left under the old key would fail every build.
    const { command } = storeOf(synth((scope) => credentials(scope, { kmsKeyArn: KEY })));
    const result = standIns.bash(command, { DOCKERHUB_TOKEN: "", STAND_IN_PARAMETER_EXISTS: "1", STAND_IN_PARAMETER_KEY: "alias/aws/ssm" });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      `SSM parameter /team/dev/dockerhub/token holds a token encrypted with alias/aws/ssm, not ${KEY} as dockerHub.kmsKeyArn says: builds could not decrypt it. ` +
        "Store the token again with that key: pipe it into the dockerhub_set_token_command output (it writes with the configured key), then deploy again.",
    );
    expectNoLeak(result);
  });

  test.each([
    ["credentials for another account", { STAND_IN_ACCOUNT: "999999999999" }, /These AWS credentials are for account 999999999999, not 123456789012, where .*: nothing stored\./],
    ["a TF_VAR_dockerhub_token that is not a token", { DOCKERHUB_TOKEN: 'abc"def' }, /TF_VAR_dockerhub_token does not look like a Docker Hub access token: nothing stored\./],
  ])("at creation, refuses %s and stores nothing", (_what, env, message) => {
    const { command } = storeOf(synth((scope) => credentials(scope)));
    const result = standIns.bash(command, { DOCKERHUB_TOKEN: TOKEN, ...env });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(calls().filter((c) => c.includes("put-parameter"))).toEqual([]);
  });

  test("a failed put is a failed store, with AWS's message", () => {
    const { command } = storeOf(synth((scope) => credentials(scope)));
    const result = standIns.bash(command, { DOCKERHUB_TOKEN: TOKEN, STAND_IN_FAIL_MATCH: "/token" });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("aws: simulated failure");
  });

  test("with a deploy role, the store assumes it first, as the provider does, at the environment's regional STS (no default region needed; China's STS is regional only)", () => {
    const role = "arn:aws:iam::123456789012:role/deployer";
    const { command } = storeOf(synth((scope) => credentials(scope, { assumeRoleArn: role })));
    expect(standIns.bash(command, { DOCKERHUB_TOKEN: TOKEN }).status).toBe(0);
    expect(calls()[0]).toBe(
      `sts assume-role --region eu-west-1 --role-arn ${role} --role-session-name dockerhub-pull-escape --query Credentials.[AccessKeyId,SecretAccessKey,SessionToken] --output text`,
    );
  });

  test("refuses a username that is not a Docker ID (it goes into a shell command)", () => {
    synth((scope) => expect(() => credentials(scope, { username: "a b; rm -rf /" })).toThrow(/username must be a Docker ID/));
  });
});

describe("DockerHubSecret: the secret is Terraform's, its value is not", () => {
  test("the secret with prevent_destroy, and a record that stores its first value once the secret exists", () => {
    const json = synth((scope) => secret(scope));
    expect(resourcesIn(json, "aws_secretsmanager_secret_version")).toEqual([]);
    expect(resourcesIn(json, "aws_secretsmanager_secret")).toEqual([expect.objectContaining({ lifecycle: { prevent_destroy: true } })]);
    expect(storeOf(json).triggers).toEqual({ secret: expect.stringMatching(/^\$\{aws_secretsmanager_secret\.\w+\.arn\}$/), username: "exampleteam" });
  });

  test("at creation: the JSON value on stdin when the secret has none; the placeholder staged as such without a token", () => {
    const { command } = storeOf(synth((scope) => secret(scope)));
    const stored = standIns.bash(command, { DOCKERHUB_TOKEN: TOKEN });
    expect(stored.status).toBe(0);
    const [, list, put] = standIns.calls();
    expect(list.args.slice(0, 2)).toEqual(["secretsmanager", "list-secret-version-ids"]);
    expect(put.args.join(" ")).toBe("secretsmanager put-secret-value --region eu-west-1 --secret-id ecr-pullthroughcache/team-docker-hub --secret-string file:///dev/stdin");
    expect(JSON.parse(put.stdin)).toEqual({ username: "exampleteam", accessToken: TOKEN });
    expectNoLeak(stored);

    standIns.remove();
    standIns = new StandIns(["aws"]);
    expect(standIns.bash(command, { DOCKERHUB_TOKEN: "" }).status).toBe(0);
    expect(calls()[2]).toContain("--version-stages AWSCURRENT placeholder");
  });

  test("at creation over a secret that already has a value (adopted, or the record re-created): left as it is", () => {
    const { command } = storeOf(synth((scope) => secret(scope)));
    const result = standIns.bash(command, { DOCKERHUB_TOKEN: TOKEN, STAND_IN_SECRET_VERSIONS: "2" });
    expect(result.status).toBe(0);
    expect(result.stderr).toContain("already holds a token: left as it is");
    expect(calls().filter((c) => c.includes("put-secret-value"))).toEqual([]);
  });
});

describe("the rotation command (dockerhub_set_token_command)", () => {
  const both = () => {
    let command = "";
    synth((scope) => {
      command = dockerHubTokenCommand([credentials(scope, { kmsKeyArn: KEY }).tokenWriter("rotate"), secret(scope).tokenWriter("rotate")], {
        accountId: ACCOUNT,
        region: "eu-west-1",
        label: "dev (SSM and Secrets Manager)",
      });
    });
    return command;
  };

  test.each([
    ["with a trailing newline", `${TOKEN}\n`],
    ["without a trailing newline", TOKEN],
    ["with Windows line endings", `${TOKEN}\r\n`],
  ])("a token piped in %s is stored in SSM and Secrets Manager, on stdin, overwriting", (_how, input) => {
    const result = standIns.bash(both(), {}, input);
    expect(result.status).toBe(0);
    const [, ssm, secrets] = standIns.calls();
    expect(ssm.args.join(" ")).toBe(
      `ssm put-parameter --region eu-west-1 --name /team/dev/dockerhub/token --type SecureString --key-id ${KEY} --overwrite --value file:///dev/stdin`,
    );
    expect(ssm.stdin).toBe(TOKEN);
    expect(JSON.parse(secrets.stdin)).toEqual({ username: "exampleteam", accessToken: TOKEN });
    expect(result.stderr).toContain("Stored in SSM parameter /team/dev/dockerhub/token.");
    expect(result.stderr).toContain("Stored in secret ecr-pullthroughcache/team-docker-hub.");
    expectNoLeak(result);
  });

  test.each([
    ["nothing", "", "No token given: nothing stored."],
    ["an empty line", "\n", "No token given: nothing stored."],
    ["something that is not a token (it would break the JSON)", 'abc"def\n', "That does not look like a Docker Hub access token: nothing stored."],
  ])("refuses %s, says so, and stores nothing", (_what, input, message) => {
    const result = standIns.bash(both(), {}, input);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(message);
    expect(calls().filter((c) => !c.startsWith("sts "))).toEqual([]);
  });

  test("refuses credentials for another account before reading the token", () => {
    const result = standIns.bash(both(), { STAND_IN_ACCOUNT: "999999999999" }, TOKEN);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("These AWS credentials are for account 999999999999, not 123456789012");
    expect(calls()).toEqual(["sts get-caller-identity --region eu-west-1 --query Account --output text"]);
  });

  test("a failed aws call is a failed command", () => {
    expect(standIns.bash(both(), { STAND_IN_FAIL_MATCH: "put-parameter" }, TOKEN).status).not.toBe(0);
  });

  test("the constructs' own setTokenCommand() rotates only their store", () => {
    let command = "";
    synth((scope) => {
      command = secret(scope).setTokenCommand();
    });
    expect(standIns.bash(command, {}, TOKEN).status).toBe(0);
    expect(calls().map((c) => c.split(" ").slice(0, 2).join(" "))).toEqual(["sts get-caller-identity", "secretsmanager put-secret-value"]);
  });
});
