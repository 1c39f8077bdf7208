/**
 * `npm run bench:test`: the test suite's time, in plans. One offline plan (plan and
 * show) of the biggest shipped environment is measured first (the median of three), on this machine, in
 * this run; then the unit project, then the whole suite (unit, plan, apply), each
 * timed and divided by it. Targets: unit within 2 plan-equivalents, everything
 * within 15. Also prints where the seconds went: per test file (jest's own
 * timings) and per Terraform command (TERRAFORM_TIMINGS), plans made twice, and
 * the CPU the machine spent (Linux), which bounds what any scheduling can win.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadEnvironments } from "../config";
import { synthesizeEnvironments } from "../stacks";
import { App } from "cdktf";
import { cleanUp, planStack, setUpTerraform, sharedDataDir } from "../terraform";

const root = path.resolve(__dirname, "..");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "bench-test-"));

async function onePlan(): Promise<{ environment: string; resources: number; seconds: number; times: number[] }> {
  const terraform = setUpTerraform();
  if (!terraform) throw new Error("terraform is not installed: the benchmark measures plans");
  const environments = loadEnvironments({ projectRoot: root, onWarnings: () => undefined });
  const outdir = path.join(work, "synth");
  synthesizeEnvironments(new App({ outdir }), environments);
  const stacks = environments.map((e) => {
    const json = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", e.name, "cdk.tf.json"), "utf8")) as { resource?: Record<string, object> };
    return { name: e.name, json, resources: Object.values(json.resource ?? {}).reduce((n, byName) => n + Object.keys(byName).length, 0) };
  });
  const biggest = stacks.sort((a, b) => b.resources - a.resources)[0];
  // Outside the run's plan cache and provider pool: one plan as a user's machine makes it, after the
  // one-time init of the shared data directory (the suite does that once too, in its global setup).
  delete process.env.TERRAFORM_PLAN_CACHE;
  await sharedDataDir(terraform);
  // The median of three: one plan alone varied from 5.1 s to 7.3 s between runs on the same machine.
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = Date.now();
    const result = await planStack(terraform, `bench-${biggest.name}`, biggest.json);
    times.push((Date.now() - started) / 1000);
    cleanUp([result]);
  }
  const seconds = times.sort((a, b) => a - b)[1];
  return { environment: biggest.name, resources: biggest.resources, seconds, times };
}

/**
 * Seconds of CPU the whole machine has spent busy (Linux: /proc/stat), or undefined elsewhere. Machine-wide:
 * everything else running counts too. Steal (time the hypervisor gave to others) is not work, and is left out.
 */
function busyCpuSeconds(): number | undefined {
  if (!fs.existsSync("/proc/stat")) return undefined;
  const [user, nice, system, , , irq, softirq] = fs.readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq) / 100; // USER_HZ is 100 on Linux
}

interface JestRun {
  readonly seconds: number;
  /** Machine-wide busy CPU seconds during the run (every process: jest, Terraform, providers, the emulator). */
  readonly cpuSeconds?: number;
  readonly files: { file: string; seconds: number }[];
  readonly ok: boolean;
}

function jest(args: string[], label: string): JestRun {
  const report = path.join(work, `${label}.json`);
  const cpuBefore = busyCpuSeconds();
  const started = Date.now();
  // jest's own bin, not `npx jest`: npx's start-up (0.5 s here) is not the suite's.
  const run = spawnSync(process.execPath, [require.resolve("jest/bin/jest"), ...args, "--json", `--outputFile=${report}`], {
    cwd: root,
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, TERRAFORM_TIMINGS: path.join(work, `${label}.timings.jsonl`) },
  });
  const seconds = (Date.now() - started) / 1000;
  const cpuAfter = busyCpuSeconds();
  const cpuSeconds = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
  const json = JSON.parse(fs.readFileSync(report, "utf8")) as { testResults: { name: string; startTime: number; endTime: number }[] };
  const files = json.testResults
    .map((r) => ({ file: path.relative(root, r.name), seconds: (r.endTime - r.startTime) / 1000 }))
    .sort((a, b) => b.seconds - a.seconds);
  return { seconds, cpuSeconds, files, ok: run.status === 0 };
}

function terraformCommands(label: string): string[] {
  const file = path.join(work, `${label}.timings.jsonl`);
  if (!fs.existsSync(file)) return ["  (no Terraform command ran)"];
  const rows = fs.readFileSync(file, "utf8").trim().split("\n").map((line) => JSON.parse(line) as { command: string; key: string; ms: number });
  const by = new Map<string, number[]>();
  for (const row of rows) by.set(row.command, [...(by.get(row.command) ?? []), row.ms]);
  const lines = [...by].map(([command, ms]) => {
    const total = ms.reduce((a, b) => a + b, 0);
    return `  terraform ${command.padEnd(8)} ${String(ms.length).padStart(4)} runs  ${(total / 1000).toFixed(0).padStart(5)} s  mean ${(total / ms.length / 1000).toFixed(1)} s`;
  });
  const plans = rows.filter((r) => r.command === "plan").map((r) => r.key);
  lines.push(`  plans of the same configuration and state: ${plans.length - new Set(plans).size} of ${plans.length} (variables aside)`);
  return lines;
}

async function main(): Promise<void> {
  const plan = await onePlan();
  console.log(`One plan of ${plan.environment} (${plan.resources} resources), plan and show: ${plan.seconds.toFixed(1)} s (median of ${plan.times.map((t) => t.toFixed(1)).join(", ")}) on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "unknown CPU"})`);
  // As `npm run test:unit` runs it: a worker per core.
  const unit = jest(["--selectProjects", "unit", "--maxWorkers=100%"], "unit");
  const all = jest([], "all");
  const ratio = (seconds: number) => (seconds / plan.seconds).toFixed(1);
  console.log("");
  console.log(`unit   ${unit.seconds.toFixed(0).padStart(4)} s = ${ratio(unit.seconds)} plans (target 2)${unit.ok ? "" : "  FAILED"}`);
  console.log(`all    ${all.seconds.toFixed(0).padStart(4)} s = ${ratio(all.seconds)} plans (target 15)${all.ok ? "" : "  FAILED"}`);
  // The suite is CPU-bound when the cores were busy most of the time: then no scheduling makes it much faster.
  const cores = os.cpus().length;
  for (const [label, run] of [["unit", unit], ["all", all]] as const) {
    if (run.cpuSeconds === undefined) continue;
    const floor = run.cpuSeconds / cores;
    console.log(
      `${label.padEnd(6)} CPU busy (machine-wide) ${run.cpuSeconds.toFixed(0)} s of ${(run.seconds * cores).toFixed(0)} s (${((100 * run.cpuSeconds) / (run.seconds * cores)).toFixed(0)}%): ` +
        `with every core busy it would still take ${floor.toFixed(0)} s = ${ratio(floor)} plans`,
    );
  }
  console.log("\nSlowest files (whole suite):");
  for (const { file, seconds } of all.files.slice(0, 12)) console.log(`  ${seconds.toFixed(1).padStart(6)} s  ${file}`);
  console.log("\nTerraform commands (whole suite):");
  for (const line of terraformCommands("all")) console.log(line);
  fs.rmSync(work, { recursive: true, force: true });
  if (!unit.ok || !all.ok) process.exitCode = 1;
}

void main();
