/**
 * The public constructs, each with its props type. Helpers the constructs
 * share (Terraform blocks, shell literals, the token store scripts, the
 * stateful marking) live in ./private and are not part of the API.
 */
export { AwsStack, formatArn } from "./aws-stack";
export type { ArnParts, AwsStackProps } from "./aws-stack";
export { dockerBuildSpec, mirrorSyncBuildSpec, renderBuildSpec } from "./buildspec";
export type { BuildStep, DockerBuildSpecOptions } from "./buildspec";
export { DockerBuildProject } from "./docker-build-project";
export type { BuildSource, BuildVpc, CodePipelineSource, DockerBuildProjectProps, GitSource, NoSource } from "./docker-build-project";
export { DockerHubCredentials } from "./dockerhub-credentials";
export type { DockerHubCredentialsProps } from "./dockerhub-credentials";
export { DockerHubSecret } from "./dockerhub-secret";
export type { DockerHubSecretProps } from "./dockerhub-secret";
export { EcrMirror } from "./ecr-mirror";
export type { EcrMirrorProps, MirrorLocation, MirrorSharing, MirrorUpstream, PinnedLogicalIds } from "./ecr-mirror";
export { EgressNetwork } from "./egress-network";
export type { EgressNetworkProps, InterfaceEndpoint, NatGatewayLayout } from "./egress-network";
export { GithubActionsRole, GithubOidcProvider } from "./github-oidc";
export type { GithubActionsRoleProps, GithubOidcProviderProps } from "./github-oidc";
export type { IGrantable, PolicyConditions, PolicyStatement } from "./iam";
export { ImageRepository } from "./image-repository";
export type { ImageRepositoryProps } from "./image-repository";
export { MirrorSync } from "./mirror-sync";
export type { MirrorSyncProps } from "./mirror-sync";
export { PermissionsBoundary } from "./permissions-boundary";
export type { PermissionsBoundaryProps } from "./permissions-boundary";
export type { RemovalPolicy } from "./private/stateful";
export { RegistryPolicy } from "./registry-policy";
export type { RegistryPolicyProps, RegistryPolicyStatement } from "./registry-policy";
export { RegistryScanning } from "./registry-scanning";
export type { RegistryScanningProps, ScanFrequency, ScanType } from "./registry-scanning";
export { ServiceRole } from "./service-role";
export type { ServiceRoleProps } from "./service-role";
export { StateBucket } from "./state-bucket";
export type { StateBucketProps } from "./state-bucket";
