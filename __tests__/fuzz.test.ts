/**
 * Config fuzzing (fast-check): every generated valid file validates,
 * synthesizes and passes the policy checks; every generated mutation of one
 * fails with an error that names the broken field. (A sample of valid files
 * also goes through the real provider: plan-fuzz.test.ts.)
 */
import { Testing } from "cdktf";
import * as fc from "fast-check";
import { validateEnvironment } from "../config";
import { checkPolicies, DockerPullStack } from "../stacks";
import { mutation, validEnvironmentFile } from "./support/arbitraries";
import { PROJECT_ROOT } from "./support/environments";

const validate = (raw: unknown) => validateEnvironment(raw, { name: "fuzz", file: "environments/fuzz.json", projectRoot: PROJECT_ROOT });

test("valid files: validate, synthesize, and pass every policy check", () => {
  fc.assert(
    fc.property(validEnvironmentFile, (file) => {
      const { problems, environment } = validate(file);
      expect(problems).toEqual([]);
      const stack = new DockerPullStack(Testing.app(), "fuzz", environment!);
      checkPolicies([stack]);
      const json = JSON.parse(Testing.synth(stack));
      expect(json.resource.aws_codebuild_project).toBeDefined();
      expect(json.provider.aws[0].allowed_account_ids).toEqual([file.account]);
    }),
    { numRuns: 60 },
  );
});

test("one mutation of a valid file: it fails, and an error names the broken field", () => {
  fc.assert(
    fc.property(validEnvironmentFile, mutation, (file, change) => {
      const { problems, environment } = validate(change.apply(file as Record<string, unknown>));
      expect(environment).toBeUndefined();
      const paths = problems.map((p) => p.path);
      expect(paths.some((p) => p === change.field || p.startsWith(`${change.field}.`) || p.startsWith(`${change.field}[`))).toBe(true);
      for (const problem of problems) expect(problem.message.length).toBeGreaterThan(5);
    }),
    { numRuns: 300 },
  );
});
