import { AttributeType } from "@livechat/api/customer_pb";
import type { MessageKey } from "@/i18n";

/** The name of each attribute type, as admins choose it. */
export const typeLabel: Record<AttributeType, MessageKey> = {
  [AttributeType.UNSPECIFIED]: "attributes.type.text",
  [AttributeType.TEXT]: "attributes.type.text",
  [AttributeType.NUMBER]: "attributes.type.number",
  [AttributeType.BOOLEAN]: "attributes.type.boolean",
  [AttributeType.DATE]: "attributes.type.date",
};

/** A value as agents read it: booleans in words, the rest as stored. */
export function valueText(type: AttributeType, value: string, t: (k: MessageKey) => string): string {
  if (type === AttributeType.BOOLEAN) return value === "true" ? t("common.yes") : value === "false" ? t("common.no") : value;
  return value;
}

/** Why a value does not fit its type (the server's rule), or null. */
export function valueProblem(type: AttributeType, value: string): MessageKey | null {
  const v = value.trim();
  if (!v) return null;
  if (type === AttributeType.NUMBER && !Number.isFinite(Number(v))) return "attributes.invalid.number";
  if (type === AttributeType.DATE && !/^\d{4}-\d{2}-\d{2}$/.test(v)) return "attributes.invalid.date";
  return null;
}

/** "attributes.plan" → the attribute's label; other fields by their own label. */
export function fieldLabel(field: string, labels: Map<string, string>, t: (k: MessageKey) => string): string {
  if (field.startsWith("attributes.")) return labels.get(field.slice("attributes.".length)) ?? field.slice("attributes.".length);
  const known: Record<string, MessageKey> = {
    name: "customer.name",
    email: "customer.email",
    phone: "customer.phone",
    company: "customer.company",
    notes: "customer.notes",
    tags: "customer.tags",
  };
  return known[field] ? t(known[field]) : field;
}
