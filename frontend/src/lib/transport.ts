import { createConnectTransport } from "@connectrpc/connect-web";

/**
 * The one transport every call goes through: same origin, the session
 * cookie included, binary protobuf (smaller and faster than JSON).
 */
export const transport = createConnectTransport({
  baseUrl: window.location.origin,
  useBinaryFormat: true,
  fetch: (input, init) => fetch(input, { ...init, credentials: "include" }),
});
