/** Environment files in China and GovCloud, for the partition tests (synth and plan). */
import { merge, minimalFile } from "./environments";

/** authenticated and fixed-ip in GovCloud, with a customer key and interface endpoints. */
export const GOVCLOUD = merge(minimalFile(), {
  region: "us-gov-west-1",
  strategy: ["authenticated", "fixed-ip"],
  dockerHub: { username: "exampleteam", kmsKeyArn: "arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/0b9c6c1e-7d1a-4c4e-9a51-2f4d0b7e6a11" },
  network: { availabilityZones: ["us-gov-west-1a", "us-gov-west-1b"], endpoints: { ecr: true, logs: true } },
  build: { source: { type: "CODEPIPELINE", artifactBucket: "team-pipeline-artifacts" } },
});
/** The same in China, with a Git source (CodePipeline is not offered there). */
export const CHINA = merge(minimalFile(), {
  region: "cn-north-1",
  strategy: ["authenticated", "fixed-ip"],
  dockerHub: { username: "exampleteam", kmsKeyArn: "arn:aws-cn:kms:cn-north-1:123456789012:key/0b9c6c1e-7d1a-4c4e-9a51-2f4d0b7e6a11" },
  network: { availabilityZones: ["cn-north-1a", "cn-north-1b"], endpoints: { ecr: true, logs: true } },
  build: { source: { type: "GITHUB", location: "https://github.com/org/app.git" } },
});

