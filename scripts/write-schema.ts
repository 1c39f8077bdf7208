/**
 * `npm run schema`: regenerates the JSON Schema for environment files and the
 * config reference (docs/config-reference.md) from the zod schema in config/schema.ts.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { configReferenceDocument, JSON_SCHEMA_FILE, jsonSchemaText, REFERENCE_FILE } from "./config-reference";

const root = path.resolve(__dirname, "..");
fs.writeFileSync(path.join(root, JSON_SCHEMA_FILE), jsonSchemaText());
fs.mkdirSync(path.join(root, path.dirname(REFERENCE_FILE)), { recursive: true });
fs.writeFileSync(path.join(root, REFERENCE_FILE), configReferenceDocument());
console.log(`wrote ${JSON_SCHEMA_FILE} and ${REFERENCE_FILE}`);
