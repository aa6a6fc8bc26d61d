// Unit tests run in Node: the few browser globals the modules under test
// read at import time or call (the transport's origin, window timers).
// Imported first by each unit test; never by the app.

const g = globalThis as unknown as { window?: unknown };
g.window ??= Object.assign(Object.create(globalThis) as object, {
  location: { origin: "http://localhost" },
  // Looked up at each call, so node:test's mock timers apply.
  setTimeout: (...a: Parameters<typeof setTimeout>) => globalThis.setTimeout(...a),
  clearTimeout: (id: Parameters<typeof clearTimeout>[0]) => globalThis.clearTimeout(id),
  addEventListener: () => {},
  removeEventListener: () => {},
});
