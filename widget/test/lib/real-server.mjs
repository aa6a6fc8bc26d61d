// Starts the real livechat server for browser tests: $LIVECHAT_BIN, or a
// binary built from this tree (so it embeds the freshly built widget), on a
// free loopback port with its own embedded PostgreSQL in a temporary folder.
// Then sets up a first admin, an admin API token, a widget allowing the host
// site's origin, and an agent client of the generated ConversationService.
// The server can be stopped and started again on the same port and data.

import { createClient } from "@connectrpc/connect";
// The widget's own transport, over Node's fetch: @connectrpc/connect-node
// would need Node 22.
import { createConnectTransport } from "@connectrpc/connect-web";
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadApi } from "./api.mjs";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** The server binary: $LIVECHAT_BIN, else built from this tree into dir. */
function binary(dir) {
  if (process.env.LIVECHAT_BIN) return process.env.LIVECHAT_BIN;
  const out = join(dir, "livechat");
  execFileSync("go", ["build", "-o", out, "./cmd/livechat"], { cwd: repo, stdio: "inherit", env: { ...process.env, CGO_ENABLED: "0" } });
  return out;
}

/**
 * Starts the server. stop() ends it and removes its data; restart() stops
 * it and starts it again on the same port and data.
 */
export async function startRealServer() {
  const dir = mkdtempSync(join(tmpdir(), "livechat-widget-e2e-"));
  // PostgreSQL runs as an unprivileged account, which must enter this folder.
  chmodSync(dir, 0o755);
  const bin = binary(dir);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log = [];
  let proc = null;
  let exited = null;

  async function launch() {
    proc = spawn(bin, ["serve", "--listen", `127.0.0.1:${port}`, "--pg-data", join(dir, "pg"), "--log-level", "warn"], {
      env: { ...process.env, DATABASE_URL: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    proc.stdout.on("data", (d) => log.push(String(d)));
    proc.stderr.on("data", (d) => log.push(String(d)));
    exited = new Promise((r) => proc.once("exit", r));
    const deadline = Date.now() + 90000;
    for (;;) {
      if (proc.exitCode != null) throw new Error(`livechat exited with ${proc.exitCode}:\n${log.join("")}`);
      try {
        const res = await fetch(url + "/readyz");
        if (res.ok) return;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline) throw new Error(`livechat did not become ready:\n${log.join("")}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async function halt() {
    if (proc && proc.exitCode == null) {
      proc.kill("SIGTERM");
      const t = setTimeout(() => proc.kill("SIGKILL"), 20000);
      await exited;
      clearTimeout(t);
    }
  }

  const stop = async () => {
    await halt();
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await launch();
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    stop,
    log,
    /** Stops the server (its data stays) until start() is called. */
    halt,
    start: launch,
    async restart() {
      await halt();
      await launch();
    },
  };
}

/** The first admin, signed up by setUp; the dashboard accepts this login. */
export const ADMIN = { username: "admin", displayName: "Lan", password: "correct horse battery" };

/**
 * Signs up the first admin, creates an admin API token and a widget for
 * origin, and returns generated clients authenticated with the token.
 */
export async function setUp(url, origin) {
  const api = await loadApi();
  let cookie = "";
  const anon = createConnectTransport({ baseUrl: url });
  const auth0 = createClient(api.AuthService, anon);
  const setup = await auth0.setup(ADMIN, { onHeader: (h) => (cookie = (h.get("set-cookie") || "").split(";")[0]) });
  const dashboard = createConnectTransport({
    baseUrl: url,
    interceptors: [(next) => (req) => (req.header.set("Cookie", cookie), next(req))],
  });
  const withCookie = createClient(api.AuthService, dashboard);
  const { secret } = await withCookie.createApiToken({ name: "e2e", scope: api.ApiTokenScope.ADMIN });
  const transport = createConnectTransport({
    baseUrl: url,
    interceptors: [(next) => (req) => (req.header.set("Authorization", "Bearer " + secret), next(req))],
  });
  const auth = createClient(api.AuthService, transport);
  const conversations = createClient(api.ConversationService, transport);
  const widgets = createClient(api.WidgetService, transport);
  const routing = createClient(api.RoutingService, transport);
  const mail = createClient(api.MailService, transport);

  /** The settings of the test widgets; overrides replace top-level keys. */
  const settings = (overrides = {}) => ({
    name: "Shop",
    allowedOrigins: [origin],
    appearance: {
      primaryColor: "#0f766e",
      position: api.WidgetPosition.BOTTOM_RIGHT,
      title: "Acme support",
      greeting: "Hi! Ask us anything.",
      launcherLabel: "Chat with Acme",
      locale: api.WidgetLocale.AUTO,
    },
    prechat: { enabled: false, fields: [] },
    offline: { message: "We are away; leave a message.", collectEmail: true },
    ...overrides,
  });
  /** Creates another widget; returns { widget, siteKey, identitySecret }. */
  const createWidget = async (overrides) => {
    const res = await widgets.createWidget({ settings: settings(overrides) });
    return { widget: res.widget, siteKey: res.widget.siteKey, identitySecret: res.identitySecret };
  };
  const { widget, identitySecret } = await createWidget();
  // The agent signed in at the dashboard: their Subscribe stream makes them
  // present, which an API token's stream does not.
  const dashboardConversations = createClient(api.ConversationService, dashboard);
  return {
    api,
    agent: setup.agent,
    auth,
    conversations,
    dashboardConversations,
    widgets,
    routing,
    mail,
    widget,
    siteKey: widget.siteKey,
    identitySecret,
    settings,
    createWidget,
  };
}

/**
 * Opens a Subscribe stream and records every event it sees. With the
 * dashboard's client it keeps the agent online (with status ONLINE).
 */
export function agentStream(conversations) {
  const events = [];
  const ctl = new AbortController();
  const done = (async () => {
    try {
      for await (const res of conversations.subscribe({ cursor: "" }, { signal: ctl.signal })) {
        events.push(res.event);
      }
    } catch (err) {
      if (!ctl.signal.aborted) stream.error = err;
    }
  })();
  const stream = {
    events,
    /** Set when the stream failed (not when stopped). */
    error: null,
    async stop() {
      ctl.abort();
      await done;
    },
  };
  return stream;
}

