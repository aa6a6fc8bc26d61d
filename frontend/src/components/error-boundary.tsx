import { Component, type ErrorInfo, type ReactNode } from "react";
import { ErrorState } from "@/components/states";
import { useI18n } from "@/i18n";

/**
 * Whether an error is a page's code failing to load: typically a tab left
 * open across a server upgrade, asking for files the new version no longer
 * has, or a network drop at the wrong moment.
 */
export function isChunkLoadError(error: unknown): boolean {
  const message = error instanceof Error ? `${error.name} ${error.message}` : String(error);
  return /dynamically imported module|Importing a module script failed|error loading dynamically imported module|Unable to preload CSS|ChunkLoadError/i.test(
    message,
  );
}

interface Props {
  children: ReactNode;
  /** A change of this value (the location) clears a caught error, so the agent can navigate away. */
  resetKey?: unknown;
  className?: string;
}

interface State {
  error: unknown;
  resetKey: unknown;
}

/**
 * Catches what a part of the app throws while rendering or loading (a lazy
 * page whose code cannot be fetched, a bug) and shows what happened with a
 * way out, instead of a blank window.
 */
export class ErrorBoundary extends Component<Props, State> {
  state: State = { error: null, resetKey: undefined };

  static getDerivedStateFromError(error: unknown): Partial<State> {
    return { error: error ?? new Error("unknown error") };
  }

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    // Remembers the key the error happened under; another one clears it.
    return props.resetKey === state.resetKey ? null : { error: null, resetKey: props.resetKey };
  }

  componentDidCatch(error: unknown, info: ErrorInfo): void {
    console.error("The dashboard could not show this page:", error, info.componentStack);
  }

  render(): ReactNode {
    if (!this.state.error) return this.props.children;
    return <PageFailed error={this.state.error} className={this.props.className} />;
  }
}

function PageFailed({ error, className }: { error: unknown; className?: string }) {
  const { t } = useI18n();
  const chunk = isChunkLoadError(error);
  return (
    <ErrorState
      className={className}
      error={error}
      title={chunk ? t("crash.chunkTitle") : t("crash.title")}
      message={chunk ? t("crash.chunkHint") : t("crash.hint")}
      retryLabel={t("crash.reload")}
      onRetry={() => window.location.reload()}
      data-testid="page-failed"
    />
  );
}
