/** AwsStack: the account, region and partition every construct builds its ARNs from. */
import { TerraformStack, Testing } from "cdktf";
import { AwsStack, formatArn, ImageRepository } from "../constructs";

describe("AwsStack and formatArn", () => {
  test("ARNs use the partition of the region", () => {
    const app = Testing.app();
    for (const [region, expected] of [
      ["eu-west-1", "arn:aws:ssm:eu-west-1:123456789012:parameter/x"],
      ["cn-north-1", "arn:aws-cn:ssm:cn-north-1:123456789012:parameter/x"],
      ["us-gov-west-1", "arn:aws-us-gov:ssm:us-gov-west-1:123456789012:parameter/x"],
    ]) {
      const stack = new AwsStack(app, region, { accountId: "123456789012", region });
      expect(formatArn(stack, { service: "ssm", resource: "parameter/x" })).toBe(expected);
    }
  });

  test("a construct outside an AwsStack gets a clear error", () => {
    const stack = new TerraformStack(Testing.app(), "bare");
    expect(() => new ImageRepository(stack, "repo", { repositoryName: "app" })).toThrow(
      "bare/repo: this construct needs an AWS account and region: create it in an AwsStack (new AwsStack(app, id, { accountId, region }), or a stack that extends it), not in bare, a plain TerraformStack.",
    );
  });

  test.each([
    [{ accountId: "12345", region: "eu-west-1" }, 'accountId "12345": expected a 12-digit AWS account id'],
    [{ accountId: "123456789012", region: "eu-west-9" }, 'region "eu-west-9" is not one the pinned AWS provider knows'],
  ])("an AwsStack refuses %p", (props, message) => {
    expect(() => new AwsStack(Testing.app(), "s", props)).toThrow(message);
  });
});
