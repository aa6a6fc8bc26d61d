// Test harness for the dashboard's browser tests: a real livechat server on
// a free port with its own embedded PostgreSQL, Debian's Chromium driven by
// playwright-core, and a visitor client built from the generated API.
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const frontendDir = resolve(here, "..");
export const repoRoot = resolve(frontendDir, "..");
export const artifactsDir = join(repoRoot, "test-artifacts");

/** Chromium flags for headless runs in containers and CI. */
export const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** The Chromium the tests drive: Debian's, or $CHROMIUM_PATH. */
export const chromiumPath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

/**
 * Launches Chromium once before any test. When it is missing or broken the
 * run stops here, with one line saying why, instead of every test being
 * reported "cancelled" with the cause buried in a hook's error.
 */
async function preflightChromium() {
  try {
    const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs, timeout: 30_000 });
    await browser.close();
  } catch (err) {
    const cause = String(err instanceof Error ? err.message : err).split("\n").find((l) => l.trim()) ?? "unknown error";
    process.stderr.write(`browser tests: Chromium at ${chromiumPath} does not start, so no browser test can run (${cause.trim()}); install it with: apt-get install chromium fonts-dejavu-core\n`);
    process.exit(1);
  }
}
await preflightChromium();

/** A TCP port nobody listens on right now. */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = /** @type {import("node:net").AddressInfo} */ (srv.address());
      srv.close(() => resolvePort(port));
    });
  });
}

/**
 * The server binary: $LIVECHAT_BIN when set (make test builds it with the
 * dashboard embedded), else built here after building the dashboard if
 * needed.
 * @param {string} workDir
 */
function serverBinary(workDir) {
  if (process.env.LIVECHAT_BIN) return process.env.LIVECHAT_BIN;
  if (!existsSync(join(frontendDir, "dist", "index.html"))) {
    execFileSync("npm", ["run", "build"], { cwd: frontendDir, stdio: "inherit" });
  }
  const bin = join(workDir, "livechat");
  execFileSync("go", ["build", "-o", bin, "./cmd/livechat"], { cwd: repoRoot, stdio: "inherit" });
  return bin;
}

/**
 * @typedef {object} Server
 * @property {string} url
 * @property {() => Promise<void>} stop      stops the process (SIGTERM, then SIGKILL)
 * @property {() => Promise<void>} restart   stops and starts it again on the same port and data
 * @property {() => string} log              everything the server printed
 */

/**
 * Starts a livechat server on a free port with a fresh embedded database.
 * @returns {Promise<Server>}
 */
export async function startServer() {
  const workDir = mkdtempSync(join(tmpdir(), "livechat-e2e-"));
  const bin = serverBinary(workDir);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const pgData = join(workDir, "pg");
  mkdirSync(pgData, { recursive: true });
  let output = "";
  /** @type {import("node:child_process").ChildProcess | null} */
  let child = null;

  async function launch() {
    child = spawn(bin, ["serve", "--listen", `127.0.0.1:${port}`, "--pg-data", pgData, "--log-level", "warn"], {
      env: { ...process.env, DATABASE_URL: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.on("data", (d) => (output += d));
    child.stderr?.on("data", (d) => (output += d));
    const exited = new Promise((_, reject) => {
      child?.once("exit", (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
      child?.once("error", (err) => reject(new Error(`server ${bin} did not start: ${err.message}`)));
    });
    await Promise.race([waitUntilServing(url), exited]);
  }

  async function stop() {
    const c = child;
    if (!c || c.exitCode !== null) return;
    child = null;
    await new Promise((done) => {
      const timer = setTimeout(() => c.kill("SIGKILL"), 20_000);
      c.once("exit", () => {
        clearTimeout(timer);
        done(undefined);
      });
      c.kill("SIGTERM");
    });
  }

  try {
    await launch();
  } catch (err) {
    // A server that never served leaves nothing behind: no process, no data.
    await stop();
    rmSync(workDir, { recursive: true, force: true });
    throw err;
  }
  return {
    url,
    log: () => output,
    restart: async () => {
      await stop();
      await launch();
    },
    stop: async () => {
      await stop();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/** Polls GetSetupState until the server answers (the embedded database takes a few seconds). */
async function waitUntilServing(url, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`${url}/livechat.v1.AuthService/GetSetupState`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: "{}",
      });
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`server at ${url} did not start in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Builds e2e/visitor-client.ts (it imports the generated TypeScript API)
 * into a Node module and imports it.
 * @returns {Promise<typeof import("./visitor-client.ts")>}
 */
export async function loadVisitorClient() {
  const { build } = await import("vite");
  const outDir = mkdtempSync(join(tmpdir(), "livechat-e2e-visitor-"));
  try {
    await build({
      configFile: false,
      root: frontendDir,
      logLevel: "warn",
      ssr: { noExternal: true },
      build: {
        ssr: join(here, "visitor-client.ts"),
        outDir,
        emptyOutDir: true,
        target: "node20",
        minify: false,
        rollupOptions: { output: { format: "es", entryFileNames: "visitor-client.mjs" } },
      },
    });
    // The bundle is one self-contained module: once imported, its folder
    // is no longer needed.
    return await import(join(outDir, "visitor-client.mjs"));
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
