import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { LocalBackend, TerraformOutput, TerraformStack, TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import { Environment, uses } from "../config/environment";
import { AwsEnvironments } from "../constructs/aws-environment";
import { DockerBuildProject } from "../constructs/docker-build-project";
import { DockerHubCredentials } from "../constructs/dockerhub-credentials";
import { ImageRepository } from "../constructs/image-repository";
import { terraformLiteral } from "../constructs/terraform-literal";
import { retain, RETAINED } from "./retained";

/**
 * One environment: the provider and backend from its config, and the
 * constructs its strategies call for, wired together through grants.
 */
export class DockerPullStack extends TerraformStack {
  readonly build: DockerBuildProject;
  readonly credentials?: DockerHubCredentials;
  readonly imageRepository?: ImageRepository;

  constructor(scope: Construct, id: string, readonly environment: Environment) {
    super(scope, id);
    AwsEnvironments.use(this, { accountId: environment.accountId, region: environment.region });

    new AwsProvider(this, "aws", {
      region: environment.region,
      // A deploy with credentials for another account fails before touching anything.
      allowedAccountIds: [environment.accountId],
      defaultTags: [{ tags: { ...environment.tags } }],
    });
    new LocalBackend(this, { path: environment.state.path });

    // Ephemeral: Terraform keeps it out of plans and state; it may only feed write-only arguments.
    const dockerHubToken = new TerraformVariable(this, "dockerhub_token", {
      type: "string",
      sensitive: true,
      nullable: true,
      description:
        "Docker Hub access token. Read only when the token parameter is created (first deploy); " +
        "never stored in plans or state. Later plans do not need it; rotate with the dockerhub_set_token_command output.",
    });
    dockerHubToken.addOverride("ephemeral", true);
    dockerHubToken.addOverride("default", null);

    if (uses(environment, "authenticated")) {
      this.credentials = new DockerHubCredentials(this, "dockerhub", {
        parameterPrefix: environment.dockerHub.parameterPrefix,
        username: environment.dockerHub.username,
        initialToken: dockerHubToken.stringValue,
        kmsKeyArn: environment.dockerHub.kmsKeyArn,
        removalPolicy: environment.dockerHub.removalPolicy,
      });
      this.credentials.usernameParameter.overrideLogicalId(RETAINED.dockerHubUsername.name);
      this.credentials.tokenParameter.overrideLogicalId(RETAINED.dockerHubToken.name);
    } else if (environment.dockerHub.removalPolicy === "retain") {
      // Switching strategy must not delete a stored token: Terraform forgets the parameters instead.
      retain(this, [RETAINED.dockerHubUsername, RETAINED.dockerHubToken]);
    }

    const { imageRepository: repository } = environment.build;
    if (repository.create) {
      this.imageRepository = new ImageRepository(this, "images", {
        repositoryName: repository.name,
        scanOnPush: repository.scanOnPush,
        tagMutability: repository.tagMutability,
        keepLastImages: repository.keepLastImages,
        untaggedExpiryDays: repository.untaggedExpiryDays,
      });
    }

    this.build = new DockerBuildProject(this, "build", {
      projectName: environment.build.projectName,
      source: environment.build.source,
      buildSpec: environment.build.buildspec,
      image: environment.build.image,
      computeType: environment.build.computeType,
      timeoutMinutes: environment.build.timeoutMinutes,
      logRetentionDays: environment.build.logRetentionDays,
      dockerHubCredentials: this.credentials,
      imageRepository: this.imageRepository,
    });

    this.outputs();
  }

  private outputs(): void {
    const output = (id: string, value: string, description: string) => new TerraformOutput(this, id, { value, description });
    output("codebuild_project_name", this.build.projectName, "The CodeBuild project that builds the images.");
    output("build_role_arn", this.build.role.roleArn, "The build's service role.");
    if (this.imageRepository) {
      output("image_repository_url", this.imageRepository.repositoryUrl, "Where the build pushes its images.");
    }
    if (this.credentials) {
      output("dockerhub_username_parameter", this.credentials.usernameParameterName, "SSM parameter holding the Docker Hub username.");
      output("dockerhub_token_parameter", this.credentials.tokenParameterName, "SSM parameter holding the Docker Hub access token.");
      output(
        "dockerhub_set_token_command",
        terraformLiteral(this.credentials.setTokenCommand()),
        "Stores or rotates the Docker Hub token: run it and paste the token (or pipe it in).",
      );
    }
  }
}
