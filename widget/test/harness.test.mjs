// The widget's browser-test helpers with a broken Chromium: the run must
// stop at once with one line that names the browser and the cause, instead
// of reporting every test "cancelled".
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const widgetDir = join(dirname(fileURLToPath(import.meta.url)), "..");

test("a broken Chromium stops the browser tests with one clear line", () => {
  const dir = mkdtempSync(join(tmpdir(), "livechat-widget-chromium-"));
  try {
    const fake = join(dir, "chromium");
    writeFileSync(fake, "#!/bin/sh\necho 'chromium: error while loading shared libraries: libnss3.so' >&2\nexit 127\n");
    chmodSync(fake, 0o755);
    // A run of its own, not a subtest of this one (NODE_TEST_CONTEXT).
    const { NODE_TEST_CONTEXT, ...env } = process.env;
    const run = spawnSync(process.execPath, ["--test", "test/widget.test.mjs"], {
      cwd: widgetDir,
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
