import { Fragment, useState } from "react";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { useI18n, type MessageKey } from "@/i18n";
import { useHotkey } from "@/lib/use-hotkey";

// Each shortcut: its alternatives, each a key or a combination of keys.
const shortcuts: [string[][], MessageKey][] = [
  [[["j"], ["↓"]], "shortcuts.next"],
  [[["k"], ["↑"]], "shortcuts.previous"],
  [[["/"]], "shortcuts.search"],
  [[["c"], ["r"]], "shortcuts.composer"],
  [[["Enter"]], "shortcuts.send"],
  [[["Shift", "Enter"]], "shortcuts.newline"],
  [[["Esc"]], "shortcuts.leaveComposer"],
  [[["?"]], "shortcuts.help"],
];

/** The keyboard shortcuts, listed when the agent presses "?". */
export function ShortcutsDialog() {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  useHotkey(["?"], () => setOpen(true));
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogContent className="max-w-md">
        <DialogHeader>
          <DialogTitle>{t("shortcuts.title")}</DialogTitle>
          <DialogDescription>{t("shortcuts.description")}</DialogDescription>
        </DialogHeader>
        <dl className="grid grid-cols-[auto_1fr] items-center gap-x-4 gap-y-2 text-sm">
          {shortcuts.map(([keys, label]) => (
            <div key={label} className="contents">
              <dt className="flex items-center gap-1 text-xs text-muted-foreground">
                {keys.map((combo, i) => (
                  <Fragment key={combo.join("+")}>
                    {i > 0 && <span>{t("shortcuts.or")}</span>}
                    <kbd className="flex items-center gap-0.5">
                      {combo.map((k, j) => (
                        <Fragment key={k}>
                          {j > 0 && <span aria-hidden>+</span>}
                          <kbd className="rounded border bg-muted px-1.5 py-0.5 font-mono text-xs text-foreground">{k}</kbd>
                        </Fragment>
                      ))}
                    </kbd>
                  </Fragment>
                ))}
              </dt>
              <dd>{t(label)}</dd>
            </div>
          ))}
        </dl>
      </DialogContent>
    </Dialog>
  );
}
