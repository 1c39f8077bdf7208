/**
 * China and GovCloud: ARNs, endpoint service names and registry hosts follow
 * the region's partition everywhere, not only where formatArn is used.
 * (What a partition does not offer is refused in config: config.test.ts.
 * Planned by the real provider: plan-partitions.test.ts.)
 */
import { Construct } from "constructs";
import { EcrMirror, DockerHubSecret, MirrorSync } from "../constructs";
import { environmentFrom, resourcesIn, synthIn, synthStackJson } from "./support/environments";
import { CHINA, GOVCLOUD } from "./support/partitions";

/** Every ARN in the synthesized stack. */
const arns = (json: Record<string, unknown>) => [...JSON.stringify(json).matchAll(/arn:[a-z-]+:[a-z0-9-]*:/g)].map((m) => m[0]);

describe.each([
  ["GovCloud", GOVCLOUD, "aws-us-gov", "amazonaws.com"],
  ["China", CHINA, "aws-cn", "amazonaws.com.cn"],
])("%s", (_name, file, partition, urlSuffix) => {
  const json = synthStackJson(environmentFrom(file, "gov"));
  const region = (file as { region: string }).region;

  test(`every ARN is in ${partition}`, () => {
    expect(arns(json).length).toBeGreaterThan(10);
    expect(arns(json).filter((arn) => !arn.startsWith(`arn:${partition}:`))).toEqual([]);
  });

  test(`registry hosts and KMS's via-service end in ${urlSuffix}`, () => {
    const text = JSON.stringify(json);
    expect(text).toContain(`123456789012.dkr.ecr.${region}.${urlSuffix}`);
    expect(text).toContain(`"kms:ViaService\\":\\"ssm.${region}.${urlSuffix}\\"`);
  });

  test("VPC endpoint service names as the partition spells them", () => {
    const names = resourcesIn(JSON.stringify(json), "aws_vpc_endpoint").map((e) => e.service_name).sort();
    expect(names).toEqual(
      partition === "aws-cn"
        ? [`cn.com.amazonaws.${region}.ecr.api`, `cn.com.amazonaws.${region}.ecr.dkr`, `com.amazonaws.${region}.logs`, `com.amazonaws.${region}.s3`]
        : [`com.amazonaws.${region}.ecr.api`, `com.amazonaws.${region}.ecr.dkr`, `com.amazonaws.${region}.logs`, `com.amazonaws.${region}.s3`],
    );
  });
});

test("the constructs used directly in China: the mirror's sharing principals and the sync job's scheduler target in aws-cn", () => {
  let statements: unknown[] = [];
  const json = synthIn("123456789012", "cn-north-1", (scope: Construct) => {
    const secret = new DockerHubSecret(scope, "secret", { secretName: "ecr-pullthroughcache/team" });
    const mirror = new EcrMirror(scope, "mirror", { name: "team", dockerHubSecret: secret, pinnedRepositories: ["library/node"], sharing: { accountIds: ["111111111111"] } });
    statements = mirror.registryPolicyStatements();
    new MirrorSync(scope, "sync", { projectName: "team-sync", mirror, images: ["library/node:20"], dockerHubSecret: secret });
  });
  expect(JSON.stringify(statements)).toContain('"arn:aws-cn:iam::111111111111:root"');
  const [policy] = resourcesIn(json, "aws_ecr_repository_policy");
  expect(JSON.parse(policy.policy as string).Statement[0].Principal).toEqual({ AWS: ["arn:aws-cn:iam::111111111111:root"] });
  const [schedule] = resourcesIn(json, "aws_scheduler_schedule");
  expect((schedule.target as { arn: string }).arn).toBe("arn:aws-cn:scheduler:::aws-sdk:codebuild:startBuild");
  expect(arns(JSON.parse(json)).filter((arn) => !arn.startsWith("arn:aws-cn:"))).toEqual([]);
});
