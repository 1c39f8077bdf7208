/** DockerHubCredentials: what reading the stored credentials grants (how they are stored: token-command.test.ts). */
import { DockerHubCredentials } from "../constructs";
import { KEY, Recorder, synth } from "./support/constructs";

describe("DockerHubCredentials", () => {
  // How the parameters are stored: token-command.test.ts.
  test("grantRead: ssm:GetParameters on exactly the two parameters; no KMS statement with the AWS managed key", () => {
    const grantee = new Recorder();
    synth((scope) => new DockerHubCredentials(scope, "hub", { parameterPrefix: "/p" }).grantRead(grantee));
    expect(grantee.statements).toEqual([
      {
        sid: "ReadDockerHubCredentials",
        actions: ["ssm:GetParameters"],
        resources: ["arn:aws:ssm:eu-west-1:123456789012:parameter/p/username", "arn:aws:ssm:eu-west-1:123456789012:parameter/p/token"],
      },
    ]);
  });

  test("grantRead with a customer key: kms:Decrypt through SSM only, for these parameters only", () => {
    const grantee = new Recorder();
    synth((scope) => new DockerHubCredentials(scope, "hub", { parameterPrefix: "/p", kmsKeyArn: KEY }).grantRead(grantee));
    expect(grantee.statements[1]).toEqual({
      sid: "DecryptDockerHubCredentials",
      actions: ["kms:Decrypt"],
      resources: [KEY],
      conditions: {
        StringEquals: {
          "kms:ViaService": "ssm.eu-west-1.amazonaws.com",
          "kms:EncryptionContext:PARAMETER_ARN": [
            "arn:aws:ssm:eu-west-1:123456789012:parameter/p/username",
            "arn:aws:ssm:eu-west-1:123456789012:parameter/p/token",
          ],
        },
      },
    });
  });
});
