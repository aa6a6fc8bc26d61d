import { useMutation } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { CustomerService } from "@livechat/api/customer_pb";
import type { Tag } from "@livechat/api/tag_pb";
import { useI18n } from "@/i18n";
import { TagSetEditor } from "@/features/tags/tag-editor";
import { customerDetailsKey, customerListsKey } from "./keys";

/** A customer's own tags ("VIP"), saved through UpdateCustomer so the change is recorded. */
export function CustomerTags({ customerId, tags }: { customerId: string; tags: Tag[] }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const update = useMutation(CustomerService.method.updateCustomer, {
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: customerDetailsKey });
      void qc.invalidateQueries({ queryKey: customerListsKey });
    },
  });
  return (
    <TagSetEditor
      tags={tags}
      saving={update.isPending}
      save={async (tagIds) => {
        await update.mutateAsync({ customerId, tags: { tagIds } });
      }}
      testId="customer-tags"
      label={t("customer.addTag")}
    />
  );
}
