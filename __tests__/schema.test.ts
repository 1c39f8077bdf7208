/** The published JSON Schema and the config reference (docs/config-reference.md) are generated from the zod schema; they must not drift. */
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import { configReferenceDocument, JSON_SCHEMA_FILE, jsonSchemaText, REFERENCE_FILE } from "../scripts/config-reference";
import { merge, minimalFile, PROJECT_ROOT, readShipped, shippedEnvironmentNames } from "./support/environments";

const committedSchema = () => fs.readFileSync(path.join(PROJECT_ROOT, JSON_SCHEMA_FILE), "utf8");

test("schema/environment.schema.json is up to date (npm run schema regenerates it)", () => {
  expect(committedSchema()).toBe(jsonSchemaText());
});

test("docs/config-reference.md is up to date (npm run schema regenerates it), its defaults from the JSON Schema", () => {
  const reference = fs.readFileSync(path.join(PROJECT_ROOT, REFERENCE_FILE), "utf8");
  expect(reference).toBe(configReferenceDocument());
  expect(reference).toContain('| `build.computeType` | `"BUILD_GENERAL1_SMALL"`');
  expect(reference).toContain("## Policy rules");
});

describe("the published schema, as an editor would use it", () => {
  const validate = new Ajv2020({ allErrors: true, strict: false }).compile(JSON.parse(committedSchema()));

  test.each(shippedEnvironmentNames())("accepts the shipped %s.json", (name) => {
    expect(validate(readShipped(name))).toBe(true);
  });

  test.each([
    ["a typo in a key", { stratgy: "authenticated" }],
    ["an unknown strategy", { strategy: "fast" }],
    ["a bad account id", { account: "1234" }],
    ["an unknown region", { region: "moon-1" }],
    ["an unknown source type", { build: { source: { type: "S3" } } }],
    ["a log retention CloudWatch refuses", { build: { logRetentionDays: 42 } }],
  ])("flags %s", (_what, patch) => {
    expect(validate(merge(minimalFile(), patch))).toBe(false);
  });
});
