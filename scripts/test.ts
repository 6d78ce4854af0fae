// The whole test suite: builds the binary and the control plane's components once, runs the unit tests,
// then each end-to-end file in its own process (a few at once), and ends with one line `N passed, N failed`.
//
//   npm test                      everything
//   npm test -- <bun test args>   one `bun test` run of just those files or filters
//   TEST_JOBS=3 npm test          end-to-end files at once (default 2: each boots its own control plane)

import { statSync } from "node:fs";
import { ensureBinaries } from "../tests/cluster/binaries.ts";

const root = new URL("..", import.meta.url).pathname;
const bun = process.execPath;
const TIMEOUT = ["--timeout", "180000"];
const IGNORED = /^(node_modules|\.cache|\.git|dist)\//;

interface Result {
  passed: number;
  failed: number;
  /** `file: test name` of each test bun reported as failed, for the summary at the end. */
  failures: string[];
}

/** Runs `bun test` with `args`; `onOutput` gets its stderr (where bun reports) as it comes. Counts what it reported. */
async function bunTest(args: string[], onOutput: (chunk: Uint8Array) => void): Promise<Result> {
  const proc = Bun.spawn([bun, "test", ...TIMEOUT, ...args], { cwd: root, stdout: "pipe", stderr: "pipe" });
  const counts: Result = { passed: 0, failed: 0, failures: [] };
  let file = args.join(" ");
  const decoder = new TextDecoder();
  let rest = "";
  const read = async (stream: ReadableStream<Uint8Array>, count: boolean): Promise<void> => {
    for await (const chunk of stream) {
      onOutput(chunk);
      if (!count) continue;
      rest += decoder.decode(chunk, { stream: true });
      const lines = rest.split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) {
        const heading = /^(\S+\.test\.ts):$/.exec(line);
        if (heading) file = heading[1] ?? file;
        const failure = /^\(fail\) (.*?)( \[[\d.]+m?s\])?$/.exec(line);
        if (failure) counts.failures.push(`${file}: ${failure[1]}`);
        const pass = /^\s*(\d+) pass$/.exec(line);
        const fail = /^\s*(\d+) fail$/.exec(line);
        if (pass) counts.passed = Number(pass[1]);
        if (fail) counts.failed = Number(fail[1]);
      }
    }
  };
  await Promise.all([read(proc.stdout, false), read(proc.stderr, true)]);
  // A run that fails without saying how many (a crash, a load error) is at least one failure.
  if ((await proc.exited) !== 0 && counts.failed === 0) {
    counts.failed = 1;
    counts.failures.push(`${file}: bun test exited non-zero without a failing test (a crash or a load error)`);
  }
  return counts;
}

/** Every test file of the repository: under tests/ the end-to-end ones (each boots a control plane), the rest unit tests. */
function testFiles(): { unit: string[]; e2e: string[] } {
  const files = [...new Bun.Glob("**/*.test.ts").scanSync({ cwd: root })].filter((f) => !IGNORED.test(f)).sort();
  const e2e = files.filter((f) => f.startsWith("tests/"));
  // Larger files tend to run longer: start them first so the last one to finish is a short one.
  e2e.sort((a, b) => statSync(`${root}${b}`).size - statSync(`${root}${a}`).size);
  return { unit: files.filter((f) => !f.startsWith("tests/")).map((f) => `./${f}`), e2e: e2e.map((f) => `./${f}`) };
}

/** Runs the files `jobs` at a time, printing each file's output in one piece when it finishes. */
async function inParallel(files: string[], jobs: number): Promise<Result> {
  const total: Result = { passed: 0, failed: 0, failures: [] };
  const queue = [...files];
  const worker = async (): Promise<void> => {
    for (let file = queue.shift(); file; file = queue.shift()) {
      const started = performance.now();
      const output: Uint8Array[] = [];
      const result = await bunTest([file], (chunk) => output.push(chunk));
      const seconds = Math.round((performance.now() - started) / 1000);
      process.stderr.write(`\n=== ${file}: ${result.passed} passed, ${result.failed} failed in ${seconds} s ===\n`);
      for (const chunk of output) process.stderr.write(chunk);
      total.passed += result.passed;
      total.failed += result.failed;
      total.failures.push(...result.failures);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, files.length) }, worker));
  return total;
}

function finish(result: Result): never {
  // The failures again at the very end, where a CI log's tail shows them.
  if (result.failures.length > 0) process.stderr.write(`\nfailed:\n${result.failures.map((f) => `  ${f}\n`).join("")}`);
  console.log(`${result.passed} passed, ${result.failed} failed`);
  process.exit(result.failed > 0 ? 1 : 0);
}

const build = Bun.spawnSync([bun, "run", "scripts/build.ts"], { cwd: root, stdout: "inherit", stderr: "inherit" });
if (build.exitCode !== 0) finish({ passed: 0, failed: 1, failures: ["scripts/build.ts: the build failed"] });
// The real node's kubelet and kube-proxy too, in the same go build (CI caches .cache/ with them).
await ensureBinaries({ withNode: true });

const args = Bun.argv.slice(2);
const write = (chunk: Uint8Array): void => {
  process.stderr.write(chunk);
};
if (args.length > 0) finish(await bunTest(args, write));

const jobs = Math.max(1, Number(process.env.TEST_JOBS) || 2);
const { unit, e2e } = testFiles();
process.stderr.write(`test: ${unit.length} unit test files, then ${e2e.length} end-to-end files, ${jobs} at a time\n`);
const units = await bunTest(unit, write);
const ends = await inParallel(e2e, jobs);
finish({
  passed: units.passed + ends.passed,
  failed: units.failed + ends.failed,
  failures: [...units.failures, ...ends.failures],
});
