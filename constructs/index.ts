export * from "./aws-environment";
export * from "./buildspec";
export * from "./docker-build-project";
export * from "./dockerhub-credentials";
export * from "./iam";
export * from "./image-repository";
export * from "./service-role";
export * from "./terraform-literal";
