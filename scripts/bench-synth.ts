/**
 * `npm run bench:synth [-- rounds]`: times the synth of every environment, our way against
 * cdktf's template default, alternating in one run so both see the same machine state.
 *
 *  - ours:      npm run synth = node --import tsx main.ts  (transpile-only; also cdktf.json's app)
 *  - template:  npx ts-node main.ts   (type-checks at every synth; TypeScript 5.9, since ts-node
 *                                      cannot load TypeScript 7)
 *  - for reference, both through the cdktf CLI (`cdktf synth --app ...`), which adds its own ~1.8 s
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const root = path.resolve(__dirname, "..");
const rounds = Number(process.argv[2] ?? 5);
const OURS = "node --import tsx main.ts";
const TEMPLATE = "npx ts-node main.ts";

// The app writes to $CDKTF_OUTDIR; the CLI takes --output (and sets CDKTF_OUTDIR for the app itself).
const commands: { label: string; argv: (outdir: string) => string[] }[] = [
  { label: "npm run synth (ours)", argv: () => ["npm", "run", "--silent", "synth"] },
  { label: "npx ts-node main.ts (template)", argv: () => ["bash", "-c", TEMPLATE] },
  { label: "cdktf synth, ours", argv: (outdir) => ["npx", "cdktf", "synth", "--app", OURS, "--output", outdir] },
  { label: "cdktf synth, template", argv: (outdir) => ["npx", "cdktf", "synth", "--app", TEMPLATE, "--output", outdir] },
];

const times = new Map<string, number[]>(commands.map((c) => [c.label, []]));
for (let round = 1; round <= rounds; round++) {
  for (const { label, argv } of commands) {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-"));
    const start = process.hrtime.bigint();
    const [command, ...args] = argv(outdir);
    const result = spawnSync(command, args, {
      cwd: root,
      env: { ...process.env, CDKTF_OUTDIR: outdir, TS_NODE_COMPILER: "typescript5", CHECKPOINT_DISABLE: "1", CI: "1" },
      encoding: "utf8",
    });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const stacks = fs.existsSync(path.join(outdir, "stacks")) ? fs.readdirSync(path.join(outdir, "stacks")).length : 0;
    fs.rmSync(outdir, { recursive: true, force: true });
    if (result.status !== 0 || stacks === 0) {
      throw new Error(`${label} failed (exit ${result.status}):\n${result.stderr}`);
    }
    times.get(label)!.push(seconds);
    process.stderr.write(`round ${round}/${rounds} ${label}: ${seconds.toFixed(2)} s\n`);
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const rows = commands.map(({ label }) => {
  const values = times.get(label)!;
  return { label, median: median(values), min: Math.min(...values), max: Math.max(...values) };
});
console.log(`\n${rounds} rounds, alternating, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "unknown CPU"})\n`);
console.log("| command | median | min | max |");
console.log("| --- | --- | --- | --- |");
for (const row of rows) {
  console.log(`| ${row.label} | ${row.median.toFixed(2)} s | ${row.min.toFixed(2)} s | ${row.max.toFixed(2)} s |`);
}
const ratio = (ours: string, template: string) =>
  (rows.find((r) => r.label === ours)!.median / rows.find((r) => r.label === template)!.median).toFixed(2);
console.log(`\nours / template: ${ratio("npm run synth (ours)", "npx ts-node main.ts (template)")}; ` +
  `through the cdktf CLI: ` +
  `${ratio("cdktf synth, ours", "cdktf synth, template")}`);
