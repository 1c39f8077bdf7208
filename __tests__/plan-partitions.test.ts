/**
 * China and GovCloud environments through the real provider: they plan, and
 * every policy, principal and endpoint in the plan belongs to their partition.
 */
import { environmentFrom, synthStackJson } from "./support/environments";
import { afterOf, cleanUpPlansAfterAll, describeWithTerraform, PLAN_TIMEOUT, rolePolicy, startPlan } from "./support/plans";
import { CHINA, GOVCLOUD } from "./support/partitions";

cleanUpPlansAfterAll();

describeWithTerraform.each([
  ["GovCloud", GOVCLOUD, "aws-us-gov"],
  ["China", CHINA, "aws-cn"],
])("%s, planned offline by the real provider", (_name, file, partition) => {
  const environment = environmentFrom(file, "gov");
  const planned = startPlan(`partition-${partition}`, synthStackJson(environment));

  test(`plans cleanly; the build role's policies and trust, and the endpoints, are all in ${partition}`, async () => {
    const { plan } = await planned;
    expect(plan.errored).toBe(false);
    const role = "docker-builds-gov-build";
    const resources = rolePolicy(plan, role).flatMap((s) => [s.Resource].flat());
    expect(resources.length).toBeGreaterThan(5);
    for (const resource of resources.filter((r) => r !== "*")) expect(resource.startsWith(`arn:${partition}:`)).toBe(true);
    const [trust] = afterOf(plan, "aws_iam_role").filter((r) => r.name === role);
    expect(JSON.parse(trust.assume_role_policy as string).Statement[0].Condition.StringEquals["aws:SourceArn"]).toBe(
      `arn:${partition}:codebuild:${environment.region}:123456789012:project/${environment.build.projectName}`,
    );
    const endpoints = afterOf(plan, "aws_vpc_endpoint").map((e) => e.service_name);
    expect(endpoints).toContain(`${partition === "aws-cn" ? "cn.com.amazonaws" : "com.amazonaws"}.${environment.region}.ecr.dkr`);
  }, PLAN_TIMEOUT);
});
