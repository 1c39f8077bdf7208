/** ServiceRole: a role whose permissions come only from grants. */
import { Construct } from "constructs";
import { PolicyStatement, ServiceRole } from "../constructs";
import { policyOf, synth } from "./support/constructs";

describe("ServiceRole", () => {
  const role = (scope: Construct) => new ServiceRole(scope, "role", { roleName: "r", servicePrincipal: "codebuild.amazonaws.com" });

  test.each<[string, PolicyStatement, RegExp]>([
    ["a wildcard action", { sid: "Bad", actions: ["ecr:*"], resources: ["*"] }, /wildcard action/],
    ["a statement id IAM refuses", { sid: "no-dashes", actions: ["s3:GetObject"], resources: ["*"] }, /letters and digits only/],
  ])("refuses %s", (_what, statement, message) => {
    synth((scope) => expect(() => role(scope).addToPrincipalPolicy(statement)).toThrow(message));
  });

  test("the same statement granted twice is one statement; a different one under the same id is an error", () => {
    const json = synth((scope) => {
      const r = role(scope);
      const statement = { sid: "EcrLogin", actions: ["ecr:GetAuthorizationToken"], resources: ["*"] };
      r.addToPrincipalPolicy(statement);
      r.addToPrincipalPolicy({ ...statement });
      expect(() => r.addToPrincipalPolicy({ ...statement, resources: ["arn:aws:ecr:*"] })).toThrow(/already used/);
    });
    expect(policyOf(json)).toHaveLength(1);
  });
});

describe("ServiceRole checks its props when created", () => {
  const refused = (build: (scope: Construct) => void) => () => synth(build);

  test("ServiceRole refuses a name IAM refuses", () => {
    expect(refused((scope) => new ServiceRole(scope, "role", { roleName: "r".repeat(65), servicePrincipal: "codebuild.amazonaws.com" }))).toThrow(
      /roleName "r{65}": expected an IAM role name: 1 to 64 letters, digits and \+=,\.@_- \(got 65 characters\)/,
    );
  });
});
