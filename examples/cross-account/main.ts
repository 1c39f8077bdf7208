/**
 * Reusing the constructs from another project, across accounts:
 * - shared-services (333333333333) hosts the ECR mirror, shares it with the two workload accounts
 *   (repository policies, and the registry's one permissions policy), and keeps two images pinned
 *   and synced daily;
 * - workload-a and workload-b (111111111111, 222222222222) build Docker images against it:
 *   their CodeBuild projects get REGISTRY_MIRROR and may pull through the mirror's prefixes only.
 */
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { App, TerraformOutput, TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import {
  AwsStack,
  DockerBuildProject,
  DockerHubSecret,
  EcrMirror,
  ImageRepository,
  MirrorLocation,
  MirrorSync,
  RegistryPolicy,
} from "dockerhub-pull-escape";

const REGION = "eu-west-1";
const SHARED = "333333333333";
const WORKLOADS = { "workload-a": "111111111111", "workload-b": "222222222222" };

/** The provider every stack here needs: its account only, its region. */
function awsIn(stack: AwsStack): void {
  new AwsProvider(stack, "aws", { region: stack.region, allowedAccountIds: [stack.accountId] });
}

class SharedServices extends AwsStack {
  readonly mirror: MirrorLocation;

  constructor(scope: Construct, id: string) {
    super(scope, id, { accountId: SHARED, region: REGION });
    awsIn(this);
    // Ephemeral: never in plans or state; empty when not given (the secret then holds a placeholder).
    const token = new TerraformVariable(this, "dockerhub_token", { type: "string", sensitive: true, nullable: false, default: "" });
    token.addOverride("ephemeral", true);

    const secret = new DockerHubSecret(this, "dockerhub", {
      secretName: "ecr-pullthroughcache/shared-docker-hub",
      username: "exampleteam",
      initialToken: token.stringValue,
    });
    const mirror = new EcrMirror(this, "mirror", {
      name: "shared",
      dockerHubSecret: secret,
      pinnedRepositories: ["library/node", "library/python"],
      sharing: { accountIds: Object.values(WORKLOADS) },
    });
    // The registry has one permissions policy: the mirror's import statements go in it (with any of the account's own).
    new RegistryPolicy(this, "registry-policy", { statements: mirror.registryPolicyStatements() });
    new MirrorSync(this, "sync", {
      projectName: "shared-mirror-sync",
      mirror,
      images: ["library/node:20", "library/python:3.12-slim"],
      dockerHubSecret: secret,
    });
    this.mirror = mirror.location;
    new TerraformOutput(this, "registry_mirror", { value: `${mirror.registry}/${mirror.location.dockerHubPrefix}` });
  }
}

class Workload extends AwsStack {
  constructor(scope: Construct, id: string, accountId: string, mirror: MirrorLocation) {
    super(scope, id, { accountId, region: REGION });
    awsIn(this);
    const images = new ImageRepository(this, "images", { repositoryName: `${id}-app` });
    const build = new DockerBuildProject(this, "build", {
      projectName: `${id}-docker-build`,
      imageRepository: images,
      mirror,
    });
    new TerraformOutput(this, "codebuild_project_name", { value: build.projectName });
  }
}

const app = new App();
const shared = new SharedServices(app, "shared-services");
for (const [id, accountId] of Object.entries(WORKLOADS)) new Workload(app, id, accountId, shared.mirror);
app.synth();
