/**
 * A canary token through every path that can carry one: the Terraform
 * variable, the SSM parameter (the build), the Secrets Manager secret (the
 * mirror's sync) and the rotation command. It must appear in no synthesized
 * file, no plan, nothing Terraform prints, no line a build prints, and on no
 * command line: it reaches `docker login` on stdin (and curl's config, for
 * the quota check, on stdin too).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import AdmZip from "adm-zip";
import { App } from "cdktf";
import { environmentFrom, readShipped } from "./support/environments";
import { afterNamed, cleanUpPlansAfterAll, describeWithTerraform, PLAN_TIMEOUT, startPlan } from "./support/plans";
import { StandIns } from "./support/stand-ins";
import { changesOf, PlanResult } from "../terraform";
import { synthesizeEnvironments } from "../stacks";

cleanUpPlansAfterAll();

const CANARY = "dckr_pat_CANARY0123456789abcdefXYZ";

/** Every file under `dir`, as text. */
function filesUnder(dir: string): Map<string, string> {
  return new Map(
    (fs.readdirSync(dir, { recursive: true, encoding: "utf8" }) as string[])
      .map((file) => path.join(dir, file))
      .filter((file) => fs.statSync(file).isFile())
      .map((file) => [file, fs.readFileSync(file, "latin1")] as const),
  );
}

describeWithTerraform("a canary token, through every path", () => {
  // Both places the stack keeps the token: authenticated (SSM) and its own mirror (Secrets Manager).
  const environment = environmentFrom({ ...readShipped("shared"), strategy: ["authenticated", "mirror"] }, "shared");
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "canary-"));
  synthesizeEnvironments(new App({ outdir }), [environment]);
  const planned = startPlan("canary", JSON.parse(fs.readFileSync(path.join(outdir, "stacks", "shared", "cdk.tf.json"), "utf8")), {
    variables: { dockerhub_token: CANARY },
  });
  let result: PlanResult;
  let standIns: StandIns;
  beforeAll(async () => {
    result = await planned;
  }, PLAN_TIMEOUT);
  beforeEach(() => {
    standIns = new StandIns();
  });
  afterEach(() => standIns.remove());
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  /** The token went nowhere but stdin, and no output shows it. */
  const expectOnlyOnStdin = (outputs: string[]) => {
    for (const call of standIns.calls()) expect(call.args.join(" ")).not.toContain(CANARY);
    for (const output of outputs) expect(output).not.toContain(CANARY);
  };

  test("Terraform variable: in no synthesized file, no plan JSON, nothing Terraform printed, not in the saved plan", () => {
    expect(result.plan.errored).toBe(false);
    const synthesized = filesUnder(outdir);
    expect(synthesized.size).toBeGreaterThan(1);
    for (const [, text] of synthesized) expect(text).not.toContain(CANARY);
    expect(JSON.stringify(result.plan)).not.toContain(CANARY);
    expect(result.output).not.toContain(CANARY);
    // The saved plan is a zip: look inside every entry, not at the compressed bytes.
    const entries = new AdmZip(path.join(result.dir, "plan.bin")).getEntries();
    expect(entries.map((e) => e.entryName)).toEqual(expect.arrayContaining(["tfplan", "tfconfig/m-/main.tf.json"]));
    for (const entry of entries) expect(entry.getData().includes(CANARY)).toBe(false);
    // Both stores get the token only through the ephemeral variable, handed to their provisioners at apply time.
    const stores = ["dockerhub_credentials", "dockerhub_mirror_store"];
    expect(changesOf(result.plan, "terraform_data").map((c) => c.name)).toEqual(expect.arrayContaining(stores));
    const configured = (result.plan.configuration.root_module as {
      resources: { type: string; name: string; provisioners?: { expressions: { command: unknown; environment?: { references: string[] } } }[] }[];
    }).resources;
    for (const record of configured.filter((r) => r.type === "terraform_data")) {
      const [provisioner] = record.provisioners!;
      // The stores take it from the variable; nothing else (the registry's checks) gets it.
      if (stores.includes(record.name)) expect(provisioner.expressions.environment?.references).toEqual(["var.dockerhub_token"]);
      else expect(JSON.stringify(provisioner.expressions)).not.toContain("var.dockerhub_token");
    }
  });

  test("SSM parameter: the build, run phase by phase, hands the token to docker login on stdin only", () => {
    const project = afterNamed(result.plan, "aws_codebuild_project", environment.build.projectName);
    const buildspec = (project.source as { buildspec: string }[])[0].buildspec;
    const phases = standIns.runBuildSpec(buildspec, {
      AWS_REGION: environment.region,
      DOCKERHUB_USERNAME: "exampleteam",
      DOCKERHUB_TOKEN: CANARY, // as CodeBuild maps it from the parameter
      ECR_REGISTRY: `${environment.accountId}.dkr.ecr.${environment.region}.amazonaws.com`,
      MIRROR_REGISTRY: `${environment.accountId}.dkr.ecr.${environment.region}.amazonaws.com`,
      IMAGE_REPOSITORY_URI: `${environment.accountId}.dkr.ecr.${environment.region}.amazonaws.com/app`,
    });
    expect(Object.entries(phases).map(([phase, r]) => [phase, r.status])).toEqual([["pre_build", 0], ["build", 0], ["post_build", 0]]);
    const login = standIns.calls().filter((c) => c.command === "docker" && c.args[0] === "login" && c.stdin === CANARY);
    expect(login.map((c) => c.args)).toEqual([["login", "--username", "exampleteam", "--password-stdin"]]);
    const carriers = standIns.calls().filter((c) => c.stdin.includes(CANARY)).map((c) => `${c.command} ${c.args[0]}`);
    expect(carriers).toEqual(["docker login", "curl --silent"]);
    expectOnlyOnStdin(Object.values(phases).flatMap((r) => [r.stdout, r.stderr]));
  });

  test("Secrets Manager secret: the mirror's sync job hands the token to docker login on stdin only", () => {
    const sync = afterNamed(result.plan, "aws_codebuild_project", (environment.mirror as { syncProjectName: string }).syncProjectName);
    const variables = (sync.environment as { environment_variable: { name: string; type: string; value: string }[] }[])[0].environment_variable;
    expect(variables.find((v) => v.name === "DOCKERHUB_TOKEN")).toMatchObject({ type: "SECRETS_MANAGER" });
    const env = Object.fromEntries(variables.filter((v) => v.type === "PLAINTEXT").map((v) => [v.name, v.value]));
    const phases = standIns.runBuildSpec((sync.source as { buildspec: string }[])[0].buildspec, {
      ...env,
      AWS_REGION: environment.region,
      DOCKERHUB_USERNAME: "exampleteam",
      DOCKERHUB_TOKEN: CANARY, // as CodeBuild maps it from the secret
      MIRROR_REPORT: path.join(standIns.dir, "report.tsv"),
    });
    expect(Object.values(phases).map((r) => r.status)).toEqual([0, 0, 0]);
    expect(standIns.calls().filter((c) => c.stdin.includes(CANARY)).map((c) => [c.command, ...c.args].join(" "))).toEqual([
      "docker login --username exampleteam --password-stdin",
    ]);
    expectOnlyOnStdin(Object.values(phases).flatMap((r) => [r.stdout, r.stderr]));
  });

  test("the rotation command the stack outputs: both stores, on stdin only", () => {
    const command = result.plan.planned_values.outputs?.dockerhub_set_token_command?.value as string;
    const run = standIns.bash(command, { STAND_IN_ACCOUNT: environment.accountId }, `${CANARY}\n`);
    expect(run.status).toBe(0);
    const writes = standIns.calls().map((c) => [c.args.slice(0, 2).join(" "), c.stdin.includes(CANARY)]);
    expect(writes).toEqual([["sts get-caller-identity", false], ["ssm put-parameter", true], ["secretsmanager put-secret-value", true]]);
    expectOnlyOnStdin([run.stdout, run.stderr]);
  });
});
