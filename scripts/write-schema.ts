/**
 * `npm run schema`: regenerates the JSON Schema for environment files and the
 * README's config reference from the zod schema in config/schema.ts.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { JSON_SCHEMA_FILE, jsonSchemaText, withConfigReference } from "../config/reference";

const root = path.resolve(__dirname, "..");
fs.writeFileSync(path.join(root, JSON_SCHEMA_FILE), jsonSchemaText());
const readme = path.join(root, "README.md");
fs.writeFileSync(readme, withConfigReference(fs.readFileSync(readme, "utf8")));
console.log(`wrote ${JSON_SCHEMA_FILE} and the config reference in README.md`);
