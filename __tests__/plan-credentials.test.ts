/**
 * The stored Docker Hub token through the real provider: safe from every
 * later plan of a deployed environment (plans against a recorded state).
 * (That it never appears anywhere: plan-secrets.test.ts.)
 */
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TerraformStack, Testing } from "cdktf";
import { DockerHubCredentials } from "../constructs";
import { retain, RETAINED } from "../stacks";
import { environmentFrom, merge, readShipped, synthStackJson } from "./support/environments";
import { cleanUpPlansAfterAll, describeWithTerraform, PLAN_TIMEOUT, startPlan } from "./support/plans";
import { changesOf, PlanResult } from "../terraform";

cleanUpPlansAfterAll();

describeWithTerraform("a deployed environment: the stored token is safe from later plans", () => {
  const environment = environmentFrom(readShipped("dev"), "dev");

  /** The token parameter as a deploy recorded it: written once, its value not kept. */
  const name = `${environment.dockerHub.parameterPrefix}/token`;
  const deployedToken = {
    type: RETAINED.dockerHubToken.type,
    name: RETAINED.dockerHubToken.name,
    attributes: {
      id: name,
      name,
      arn: `arn:aws:ssm:${environment.region}:${environment.accountId}:parameter${name}`,
      type: "SecureString",
      key_id: "alias/aws/ssm",
      tier: "Standard",
      data_type: "text",
      allowed_pattern: "",
      description: "",
      has_value_wo: true,
      value: null,
      value_wo: null,
      value_wo_version: DockerHubCredentials.TOKEN_WRITE_VERSION,
      insecure_value: null,
      overwrite: null,
      version: 4,
      tags: null,
      tags_all: environment.tags,
    },
    sensitive: ["value", "value_wo"],
  };
  const renamed = (patch: Record<string, unknown>) =>
    synthStackJson(environmentFrom(merge(readShipped("dev"), { dockerHub: { parameterPrefix: "/elsewhere/dockerhub", ...patch } }), "dev"));
  const deployed = (label: string, json: Record<string, unknown>, variables?: Record<string, string>) =>
    startPlan(label, json, { existing: [deployedToken], variables });

  const withoutToken = deployed("deployed", synthStackJson(environment));
  const withOtherToken = deployed("deployed-token", synthStackJson(environment), { dockerhub_token: "dckr_pat_SomeoneElsesToken000000" });
  const renamedRetained = deployed("renamed", renamed({}));
  const renamedDestroyable = deployed("renamed-destroy", renamed({ removalPolicy: "destroy" }));
  const tokenChange = async (planned: Promise<PlanResult>) =>
    changesOf((await planned).plan, "aws_ssm_parameter").find((c) => c.name === RETAINED.dockerHubToken.name)!.change.actions;

  test("a plan without the token (a pull request's plan) leaves the stored token alone", async () => {
    expect(await tokenChange(withoutToken)).toEqual(["no-op"]);
  }, PLAN_TIMEOUT);

  test("a plan with another token in TF_VAR_dockerhub_token leaves the stored token alone too", async () => {
    expect(await tokenChange(withOtherToken)).toEqual(["no-op"]);
  }, PLAN_TIMEOUT);

  test("renaming the parameter prefix cannot destroy the stored token: the plan fails on prevent_destroy", async () => {
    await expect(renamedRetained).rejects.toThrow(/Instance cannot be destroyed[\s\S]*aws_ssm_parameter\.dockerhub_token/);
  }, PLAN_TIMEOUT);

  test('with removalPolicy "destroy" the same rename is planned as a replacement', async () => {
    expect(await tokenChange(renamedDestroyable)).toEqual(["delete", "create"]);
  }, PLAN_TIMEOUT);

  // A stack that no longer has the credentials (another strategy) names them in `removed` blocks.
  const withoutCredentials = new TerraformStack(Testing.app(), "without-credentials");
  new AwsProvider(withoutCredentials, "aws", { region: environment.region });
  retain(withoutCredentials, [RETAINED.dockerHubUsername, RETAINED.dockerHubToken]);
  const dropped = deployed("dropped", JSON.parse(Testing.synth(withoutCredentials)));

  test("a config that drops the credentials makes Terraform forget the stored token, not delete it", async () => {
    expect(await tokenChange(dropped)).toEqual(["forget"]);
  }, PLAN_TIMEOUT);
});

