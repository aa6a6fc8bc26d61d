import { createStore } from "@/lib/external-store";

/**
 * The state of this tab's event stream: "connecting" before the first event,
 * "live" while events flow, "down" between a failure and the next success.
 */
export type ConnectionState = { status: "connecting" | "live" | "down"; since: number };

export const connection = createStore<ConnectionState>({ status: "connecting", since: Date.now() });

export function setConnectionStatus(status: ConnectionState["status"]): void {
  if (connection.get().status !== status) connection.set({ status, since: Date.now() });
}
