/**
 * The stored Docker Hub token through the real provider, for an environment
 * an earlier version of the stack deployed, when the token was an
 * `aws_ssm_parameter` resource: refreshing that resource read the token back
 * (provider 5.x), so the stack now forgets it, and no plan deletes or rewrites
 * it. (That a plan never reads it, and that later deploys leave it alone:
 * apply-dev.test.ts, against the emulator. That it appears nowhere:
 * plan-secrets.test.ts.)
 */
import { LEGACY, RETAINED } from "../stacks";
import { environmentFrom, merge, readShipped, synthStackJson } from "./support/environments";
import { legacyTokenParameters } from "./support/legacy-state";
import { cleanUpPlansAfterAll, describeWithTerraform, PLAN_TIMEOUT, startPlan } from "./support/plans";
import { PlanResult } from "../terraform";

cleanUpPlansAfterAll();

describeWithTerraform("an environment deployed when the token was a Terraform resource: its stored token is never touched", () => {
  const environment = environmentFrom(readShipped("dev"), "dev");
  const [legacyUsername, legacyToken] = LEGACY.dockerHubParameters;
  const deployed = legacyTokenParameters(environment);
  const plan = (label: string, json: Record<string, unknown>, variables?: Record<string, string>) => startPlan(label, json, { existing: deployed, variables });
  const actions = async (planned: Promise<PlanResult>) =>
    Object.fromEntries(((await planned).plan.resource_changes ?? []).map((c) => [c.address, c.change.actions]));
  const token = `${legacyToken.type}.${legacyToken.name}`;
  const username = `${legacyUsername.type}.${legacyUsername.name}`;
  const store = `${RETAINED.credentialsStore.type}.${RETAINED.credentialsStore.name}`;

  const withoutToken = plan("deployed", synthStackJson(environment));
  const withOtherToken = plan("deployed-token", synthStackJson(environment), { dockerhub_token: "dckr_pat_SomeoneElsesToken000000" });
  const renamed = plan("renamed", synthStackJson(environmentFrom(merge(readShipped("dev"), { dockerHub: { parameterPrefix: "/elsewhere/dockerhub" } }), "dev")));
  const dropped = plan("dropped", synthStackJson(environmentFrom({ ...readShipped("dev"), strategy: "mirror" }, "dev")));

  test.each([
    ["a plan without the token (a pull request's plan)", withoutToken],
    ["a plan with another token in TF_VAR_dockerhub_token", withOtherToken],
    ["a plan that renames the parameter prefix", renamed],
    ["a plan that drops the authenticated strategy", dropped],
  ])("%s forgets the old parameter resources (they stay in SSM with the token) and deletes nothing", async (_what, planned) => {
    const planned_ = await actions(planned);
    expect(planned_[token]).toEqual(["forget"]);
    expect(planned_[username]).toEqual(["forget"]);
    expect(Object.values(planned_).flat()).not.toContain("delete");
  }, PLAN_TIMEOUT);

  test("where the strategy stays, the store record is created: it keeps a stored token (ParameterAlreadyExists) and stores the username", async () => {
    expect((await actions(withoutToken))[store]).toEqual(["create"]);
    expect((await actions(dropped))[store]).toBeUndefined();
  }, PLAN_TIMEOUT);
});
