// The browser-test harness itself: a broken Chromium must stop the run at
// once with one line that names the browser and the cause, instead of
// reporting every test "cancelled"; and a run leaves no temporary files.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { frontendDir, loadVisitorClient } from "./harness.mjs";

test("a broken Chromium stops the browser tests with one clear line", () => {
  const dir = mkdtempSync(join(tmpdir(), "livechat-e2e-chromium-"));
  try {
    const fake = join(dir, "chromium");
    writeFileSync(fake, "#!/bin/sh\necho 'chromium: error while loading shared libraries: libnss3.so' >&2\nexit 127\n");
    chmodSync(fake, 0o755);
    // A run of its own, not a subtest of this one (NODE_TEST_CONTEXT).
    const { NODE_TEST_CONTEXT, ...env } = process.env;
    const run = spawnSync(process.execPath, ["--test", "e2e/dashboard.test.mjs"], {
      cwd: frontendDir,
      env: { ...env, CHROMIUM_PATH: fake, LIVECHAT_BIN: join(dir, "no-server") },
      encoding: "utf8",
      timeout: 60_000,
    });
    const out = run.stdout + run.stderr;
    assert.notEqual(run.status, 0, `the run passed:\n${out}`);
    const lines = out.split("\n").filter((l) => l.includes(`browser tests: Chromium at ${fake} does not start`));
    assert.equal(lines.length, 1, `want the cause once, got:\n${out}`);
    assert.match(lines[0], /install it with: apt-get install chromium/);
    assert.doesNotMatch(out, /# cancelled [1-9]/, "tests were reported cancelled");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the visitor client is built in a temporary folder that is removed", async () => {
  const dir = mkdtempSync(join(tmpdir(), "livechat-e2e-tmp-"));
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = dir; // os.tmpdir() reads it on every call
  try {
    const client = await loadVisitorClient();
    assert.equal(typeof client.startVisitor, "function");
    assert.deepEqual(readdirSync(dir), [], "left behind in the temporary folder");
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    rmSync(dir, { recursive: true, force: true });
  }
});
