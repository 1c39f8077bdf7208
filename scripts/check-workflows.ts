/**
 * `npm run check:workflows [-- file ...]`: validates GitHub Actions workflows
 * with GitHub's own parser and schema (@actions/workflow-parser). Prints every
 * error with its line; exits 1 if there is any.
 */
import * as fs from "node:fs";
import * as path from "node:path";

async function main(): Promise<number> {
  // The parser is an ES module; this script runs as CommonJS under tsx.
  const { parseWorkflow, NoOperationTraceWriter } = await import("@actions/workflow-parser");
  const root = path.resolve(__dirname, "..");
  const dir = path.join(root, ".github", "workflows");
  const files = process.argv.length > 2 ? process.argv.slice(2) : fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).map((f) => path.join(dir, f));
  let errors = 0;
  for (const file of files) {
    const result = parseWorkflow({ name: path.relative(root, file), content: fs.readFileSync(file, "utf8") }, new NoOperationTraceWriter());
    for (const error of result.context.errors.getErrors()) {
      console.error(error.message);
      errors++;
    }
    if (!result.value) {
      console.error(`${file}: not a workflow`);
      errors++;
    }
  }
  if (errors === 0) console.log(`${files.length} workflow file(s) valid`);
  return errors > 0 ? 1 : 0;
}

main().then((code) => {
  process.exitCode = code;
});
