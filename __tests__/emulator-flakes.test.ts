/** Which failed runs CI runs again: the apply files that failed on a request the SDK sent twice, and nothing else. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { flakeVerdict, JestResults, rerunFlakes } from "./support/emulator-flakes";
import { PROJECT_ROOT } from "./support/environments";

// As Terraform reported them in runs that failed on the flake.
const REVOKED_TWICE =
  "TerraformError: terraform apply (in /work/.terraform-cache/apply-build-6jwqBv) failed:\nError: revoking default IPv4 egress rule for Security Group (sg-c2772d5a8426536ac): operation error EC2: RevokeSecurityGroupEgress, https response error StatusCode: 400, RequestID: sW4J, api error InvalidPermission.NotFound: The specified rule does not exist in this security group";
const CREATED_TWICE =
  "TerraformError: terraform apply failed:\nError: creating EC2 NAT Gateway: operation error EC2: CreateNatGateway, https response error StatusCode: 400, RequestID: 1a2b, api error Resource.AlreadyAssociated: Elastic IP address [eipalloc-1] is already associated";
// A plugin-framework resource puts AWS's answer in the diagnostic's detail, which Terraform wraps at 78 columns.
const WRAPPED =
  "TerraformError: terraform apply failed:\nError: creating VPC Security Group Rule\n\n  with aws_vpc_security_group_egress_rule.all,\n\noperation error EC2: AuthorizeSecurityGroupEgress, https response error StatusCode:\n400, RequestID: 5f0c4c1e-5a0b-4d8e-9c6a-0b1b2c3d4e5f, api error\nInvalidPermission.Duplicate: the specified rule already exists";
const REAL_FAILURE = "expect(received).toEqual(expected) // deep equality\n\n- Expected  - 1\n+ Received  + 1";

type File = JestResults["testResults"][number];
const file = (name: string, ...failures: string[]): File => ({
  name: path.join(PROJECT_ROOT, "__tests__", name),
  status: failures.length > 0 ? "failed" : "passed",
  message: failures.join("\n"),
  assertionResults: [
    { status: "passed", failureMessages: [] },
    ...failures.map((failure) => ({ status: "failed", failureMessages: [failure] })),
  ],
});

test("an apply file whose first failure is a request sent twice is run again, whatever failed after it", () => {
  const verdict = flakeVerdict({ testResults: [file("apply-build.test.ts", REVOKED_TWICE, REAL_FAILURE), file("plan-mirror.test.ts")] });
  expect(verdict).toEqual({ rerun: [path.join(PROJECT_ROOT, "__tests__", "apply-build.test.ts")] });
});

test("every apply file that failed on the flake is run again", () => {
  const verdict = flakeVerdict({ testResults: [file("apply-build.test.ts", REVOKED_TWICE), file("apply-prod.test.ts", CREATED_TWICE)] });
  expect(verdict.rerun.map((name) => path.basename(name))).toEqual(["apply-build.test.ts", "apply-prod.test.ts"]);
});

test("the answer is found when Terraform wrapped it across lines", () => {
  expect(flakeVerdict({ testResults: [file("apply-dev.test.ts", WRAPPED)] }).rerun).toHaveLength(1);
  expect(flakeVerdict({ testResults: [file("apply-dev.test.ts", WRAPPED.replace(/\n/g, "\n│ "))] }).rerun).toHaveLength(1);
});

test.each([
  ["an apply file that failed another way", [file("apply-build.test.ts", REAL_FAILURE, REVOKED_TWICE)], /apply-build.test.ts failed, and not on a request the SDK sent twice/],
  ["a plan file, whatever its message", [file("plan-network.test.ts", CREATED_TWICE)], /plan-network.test.ts failed, and it does not apply into the emulator/],
  ["a flake beside a unit failure", [file("apply-build.test.ts", REVOKED_TWICE), file("config.test.ts", REAL_FAILURE)], /config.test.ts failed/],
  ["no failed file (jest failed around the tests: a global setup, a timeout)", [file("apply-build.test.ts")], /no test file failed/],
])("nothing is run again for %s: the failure stands", (_case, testResults, reason) => {
  const verdict = flakeVerdict({ testResults });
  expect(verdict.rerun).toEqual([]);
  expect(verdict.reason).toMatch(reason);
});

test.each([
  ["no file", "/nonexistent/results.json"],
  ["an empty file (the type-check failed, or jest stopped before its results)", "EMPTY"],
])("without jest's results (%s) it judges nothing and fails", (_case, given) => {
  const resultsFile = given === "EMPTY" ? path.join(fs.mkdtempSync(path.join(os.tmpdir(), "flakes-")), "results.json") : given;
  if (given === "EMPTY") fs.writeFileSync(resultsFile, "");
  const printed = jest.spyOn(console, "error").mockImplementation(() => undefined);
  try {
    expect(rerunFlakes(resultsFile)).toBe(1);
    expect(printed).toHaveBeenCalledWith(`No jest results in ${resultsFile}: nothing to judge, the failure stands.`);
  } finally {
    printed.mockRestore();
  }
});
