/**
 * Shows the number of alerts that arrived while the tab was hidden in the
 * tab's title, "(3) Inbox · Livechat", until the agent looks again.
 */
let baseTitle = document.title;
let unseen = 0;

function render() {
  document.title = unseen > 0 ? `(${unseen}) ${baseTitle}` : baseTitle;
}

export function setBaseTitle(title: string): void {
  baseTitle = title;
  render();
}

export function countUnseen(): void {
  if (document.visibilityState === "visible") return;
  unseen++;
  render();
}

export function startTitleBadge(): void {
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && unseen) {
      unseen = 0;
      render();
    }
  });
}
