import { useLayoutEffect, useRef } from "react";
import { render } from "@livechat/markdown";

/**
 * Message text in the markdown subset the widget shows too: the shared
 * renderer builds the DOM nodes (never HTML from the text), so a message
 * looks the same to the agent and to the visitor.
 */
export function RichText({ text, className }: { text: string; className?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    ref.current?.replaceChildren(render(text));
  }, [text]);
  return <div ref={ref} className={className ? `md ${className}` : "md"} />;
}
