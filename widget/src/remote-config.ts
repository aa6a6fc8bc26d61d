// Reading the widget's public configuration with one plain Connect GET (the
// loader carries no protobuf runtime), retried a few times after passing
// failures; a page the server refuses for good is told why once.

import type { ConfigJson } from "./types";

export interface ConfigReaderDeps {
  server: string;
  siteKey: string;
  /** The server answered with a configuration. */
  got(config: ConfigJson): void;
  /** The server refuses this page for good: why, for the console. */
  refuse(why: string): void;
  /** Whether the widget was refused meanwhile. */
  refused(): boolean;
}

const LOG = "LiveChat:";

export class ConfigReader {
  /** When the last read started (ms since the epoch). */
  lastFetch = 0;
  private failures = 0;
  /** The read at the schedule's next opening or closing. */
  private flip?: ReturnType<typeof setTimeout>;
  private markChecked = (): void => {};
  /**
   * Settles once the first read has an answer (or failed for a passing
   * reason, such as the network).
   */
  readonly checked = new Promise<void>((r) => (this.markChecked = r));

  constructor(private d: ConfigReaderDeps) {}

  /** Marks the configuration as checked without asking (the dashboard preview, a refusal). */
  settle(): void {
    this.markChecked();
  }

  /** Reads again now, forgetting earlier failures (the network came back). */
  retryNow(): void {
    this.failures = 0;
    void this.fetch();
  }

  /** Reads the configuration if the last read is older than ms. */
  refreshIfOlder(ms: number): void {
    if (!this.d.refused() && Date.now() - this.lastFetch > ms) void this.fetch();
  }

  /** fresh: past the browser's cache (the config may be kept 30 s), for the flip. */
  async fetch(fresh?: boolean): Promise<void> {
    const { d } = this;
    if (d.refused()) return;
    this.lastFetch = Date.now();
    const url =
      d.server +
      "/livechat.v1.WidgetService/GetWidgetConfig?connect=v1&encoding=json&message=" +
      encodeURIComponent(JSON.stringify({ siteKey: d.siteKey }));
    let res: Response;
    try {
      res = await fetch(url, { credentials: "omit", cache: fresh ? "no-cache" : "default" });
    } catch {
      if (this.failures++ === 0) console.error(LOG, `could not reach ${d.server}; retrying.`);
      this.later();
      return;
    }
    const data = (await res.json().catch(() => null)) as { config?: ConfigJson; code?: string; message?: string } | null;
    if (d.refused()) return;
    if (res.ok && data) {
      this.failures = 0;
      d.got(data.config || {});
      // Business hours open or close while the page stays open: read again
      // just after, by the server's clock (the visitor's may be wrong).
      const s = data.config?.availability?.changesInSeconds;
      clearTimeout(this.flip);
      if (s) this.flip = setTimeout(() => void this.fetch(true), Math.min(s * 1000 + 500, 2 ** 31 - 1));
      this.markChecked();
      return;
    }
    // A deleted or refused widget disappears, rather than showing a chat
    // that cannot work, and is not asked again.
    const code = data?.code || "http " + res.status;
    const origin = location.origin;
    if (code === "permission_denied") {
      return d.refuse(
        `this page's origin ${origin} is not allowed to use the widget with site key "${d.siteKey}", ` +
          `so the chat is not shown. To show it here, add ${origin} to the widget's allowed origins ` +
          `in the livechat dashboard (Widgets).`,
      );
    }
    if (code === "not_found") {
      return d.refuse(`there is no widget with site key "${d.siteKey}" on ${d.server}: check the site key in the embed code.`);
    }
    if (code === "invalid_argument") return d.refuse(`the site key "${d.siteKey}" is not valid: ${data?.message || code}.`);
    if (this.failures++ === 0) console.error(LOG, "could not read the widget configuration:", data?.message || code);
    this.later();
  }

  /** Tries again after 2, 4, … 32 s, five times at most. */
  private later(): void {
    if (this.failures < 6) setTimeout(() => void this.fetch(), 1000 * 2 ** this.failures);
    this.markChecked();
  }
}
