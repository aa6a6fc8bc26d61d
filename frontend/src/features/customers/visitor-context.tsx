import { ExternalLinkIcon } from "lucide-react";
import type { ReactNode } from "react";
import type { PageView, VisitorContext } from "@livechat/api/customer_pb";
import { useI18n } from "@/i18n";
import { formatRelative, toDate, useNow } from "@/lib/format";

/** Where the visitor is and has been: the current page, the pages of the visit, where they came from and their device. */
export function VisitorContextView({ context }: { context?: VisitorContext }) {
  const { t, locale } = useI18n();
  const now = useNow(15_000);
  const when = (p?: PageView) => {
    const d = toDate(p?.seenAt);
    return d ? formatRelative(d, now, locale, t("time.justNow")) : "";
  };
  if (!context) {
    return (
      <Block title={t("context.title")}>
        <p className="text-sm text-muted-foreground" data-testid="visitor-context-empty">
          {t("context.none")}
        </p>
      </Block>
    );
  }
  const d = context.device;
  const screen = d?.screenWidth ? `${d.screenWidth}×${d.screenHeight}` : "";
  const place = [context.city, countryName(context.country, locale)].filter(Boolean).join(", ");
  const earlier = context.trail.slice(1);
  return (
    <Block title={t("context.title")}>
      <div data-testid="visitor-context" className="grid gap-3">
        {context.currentPage && (
          <div>
            <p className="text-xs text-muted-foreground">
              {t("context.currentPage")} · {when(context.currentPage)}
            </p>
            <PageLink page={context.currentPage} testId="visitor-current-page" />
          </div>
        )}
        {earlier.length > 0 && (
          <details>
            <summary className="cursor-pointer text-xs text-muted-foreground">{t("context.trail", { n: earlier.length })}</summary>
            <ol className="mt-1 grid gap-1" data-testid="visitor-trail">
              {earlier.map((p, i) => (
                <li key={i} className="flex justify-between gap-2">
                  <PageLink page={p} />
                  <span className="shrink-0 text-xs text-muted-foreground">{when(p)}</span>
                </li>
              ))}
            </ol>
          </details>
        )}
        <dl className="grid grid-cols-[minmax(5rem,auto)_minmax(0,1fr)] gap-x-3 gap-y-1.5">
          {context.referrer && <Row label={t("context.referrer")}>{context.referrer}</Row>}
          {d?.browser && <Row label={t("context.browser")}>{[d.browser, d.os].filter(Boolean).join(" · ")}</Row>}
          {d?.deviceType && (
            <Row label={t("context.device")}>
              {[t(`context.device.${d.deviceType}` as "context.device.desktop"), screen].filter(Boolean).join(" · ")}
            </Row>
          )}
          {d?.language && <Row label={t("context.language")}>{d.language}</Row>}
          {d?.timeZone && <Row label={t("context.timeZone")}>{d.timeZone}</Row>}
          {context.ipAddress && <Row label={t("context.address")}>{place ? `${context.ipAddress} · ${place}` : context.ipAddress}</Row>}
        </dl>
      </div>
    </Block>
  );
}

function PageLink({ page, testId }: { page: PageView; testId?: string }) {
  return (
    <a
      href={page.url}
      target="_blank"
      rel="noreferrer noopener"
      className="flex min-w-0 items-center gap-1 text-sm text-primary underline-offset-2 hover:underline"
      data-testid={testId}
      title={page.url}
    >
      <span className="truncate">{page.title || page.url}</span>
      <ExternalLinkIcon aria-hidden className="size-3 shrink-0" />
    </a>
  );
}

function Block({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="mt-5">
      <h3 className="mb-2 text-xs font-medium tracking-wide text-muted-foreground uppercase">{title}</h3>
      {children}
    </section>
  );
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt className="text-muted-foreground">{label}</dt>
      <dd className="min-w-0 break-words">{children}</dd>
    </>
  );
}

/** A country's name in the agent's language, from its ISO 3166-1 code ("VN" → "Việt Nam"). */
export function countryName(code: string, locale: string): string {
  if (!code) return "";
  try {
    return new Intl.DisplayNames([locale], { type: "region" }).of(code) ?? code;
  } catch {
    return code;
  }
}
