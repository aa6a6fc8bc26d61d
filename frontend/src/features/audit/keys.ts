import { createConnectQueryKey } from "@connectrpc/connect-query";
import { AuditService } from "@livechat/api/audit_pb";
import { transport } from "@/lib/transport";

/** Matches every cached page of the audit log, whatever its filter. */
export const auditListsKey = createConnectQueryKey({
  schema: AuditService.method.listAuditEntries,
  transport,
  cardinality: undefined,
});

export const auditSettingsKey = createConnectQueryKey({
  schema: AuditService.method.getAuditSettings,
  input: {},
  transport,
  cardinality: "finite",
});
