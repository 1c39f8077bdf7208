/**
 * The build project itself, deployed into the AWS API emulator: prod with a
 * Git source (moto creates no project with a CODEPIPELINE source), so the
 * project, its role and policies, its VPC attachment and security group are
 * applied for real, in the order Terraform chooses, and read back unchanged.
 * (moto has no UpdateProject: the flips in the other apply tests leave the
 * project out.)
 */
import { BatchGetProjectsCommand, CodeBuildClient } from "@aws-sdk/client-codebuild";
import { APPLY_TIMEOUT, Deployment, describeWithEmulator, printCoverageAfterAll } from "./support/apply";
import { Emulator, startEmulator } from "./support/emulator";
import { environmentFrom, synthStackJson } from "./support/environments";
import { prodWithGitSource } from "./support/emulator-gaps";

printCoverageAfterAll("build");

describeWithEmulator("the build project, deployed into the emulator with a Git source", () => {
  const region = "us-east-1";
  const environment = environmentFrom(prodWithGitSource(), "prod");
  let emulator: Emulator;
  let deployment: Deployment;

  beforeAll(async () => {
    emulator = await startEmulator("222222222222");
    deployment = await Deployment.start(emulator, "build", region);
  }, APPLY_TIMEOUT);
  afterAll(async () => {
    await emulator?.stop();
    deployment?.remove();
  });

  test("created after its role's policies, in the private subnets, with the generated buildspec; a second plan changes nothing", async () => {
    await emulator.record();
    const deployed = await deployment.deploy(synthStackJson(environment));
    expect(deployed.excluded.map((e) => e.type)).toEqual(["aws_codebuild_webhook"]);
    // CodeBuild checks the role when the project is created: both of its policies are in place by then.
    const calls = (await emulator.recorded()).map((r) => `${r.action} ${String(r.parameters.PolicyName ?? r.parameters.name ?? "")}`);
    const created = calls.indexOf("CreateProject docker-builds-prod");
    expect(created).toBeGreaterThan(calls.indexOf("PutRolePolicy granted"));
    expect(created).toBeGreaterThan(calls.indexOf("PutRolePolicy build-network-interfaces"));
    expect(calls.indexOf("PutRolePolicy granted")).toBeGreaterThan(-1);
    expect(calls.indexOf("PutRolePolicy build-network-interfaces")).toBeGreaterThan(-1);
    expect(await deployment.pendingChanges()).toEqual([]);

    const codebuild = new CodeBuildClient(emulator.clientConfig(region));
    const { projects } = await codebuild.send(new BatchGetProjectsCommand({ names: ["docker-builds-prod"] }));
    codebuild.destroy();
    const [project] = projects ?? [];
    expect(project.serviceRole).toBe(deployment.attributes("aws_iam_role.build_role_15345006").arn);
    const privateSubnets = ["aws_subnet.network_private-0_A0649C48", "aws_subnet.network_private-1_4188AF2B"].map((a) => deployment.attributes(a).id);
    expect(project.vpcConfig?.subnets?.sort()).toEqual(privateSubnets.sort());
    expect(project.environment?.privilegedMode).toBe(true);
    expect(project.environment?.environmentVariables?.find((v) => v.name === "DOCKERHUB_TOKEN")).toEqual({
      name: "DOCKERHUB_TOKEN",
      type: "PARAMETER_STORE",
      value: "/docker-builds/prod/dockerhub/token",
    });
    // Terraform's template escapes are undone: the buildspec arrives as the scripts wrote it.
    expect(project.source?.buildspec).toContain('region=$(printf \'%s\' "$registry" | cut -d. -f4)');
  }, APPLY_TIMEOUT);
});
