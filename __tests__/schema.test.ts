/** The published JSON Schema and the README's config reference are generated from the zod schema; they must not drift. */
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import { JSON_SCHEMA_FILE, jsonSchemaText, withConfigReference } from "../config/reference";
import { merge, minimalFile, PROJECT_ROOT, readShipped, shippedEnvironmentNames } from "./support/environments";

const committedSchema = () => fs.readFileSync(path.join(PROJECT_ROOT, JSON_SCHEMA_FILE), "utf8");

test("schema/environment.schema.json is up to date (npm run schema regenerates it)", () => {
  expect(committedSchema()).toBe(jsonSchemaText());
});

test("the README's config reference is up to date (npm run schema regenerates it)", () => {
  const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
  expect(readme).toBe(withConfigReference(readme));
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
