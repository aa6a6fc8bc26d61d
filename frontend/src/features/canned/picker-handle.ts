// What the composer and the lazily loaded picker share, kept apart from the
// picker so the composer's chunk does not pull the picker in.

/** What the composer drives the picker with: its keys stay in the text field. */
export interface PickerHandle {
  /** Moves the highlight by step, wrapping around. */
  move(step: 1 | -1): void;
  /**
   * Picks the highlighted response: "picked", "empty" when nothing matches
   * (the text is then sent as typed), "loading" before the first answer.
   */
  pick(): "picked" | "empty" | "loading";
}

/** The id of the picker's listbox, for the text field's aria-controls. */
export const pickerListId = "canned-picker";

/** The id of a response's option, for aria-activedescendant. */
export const optionId = (id: string) => `canned-option-${id}`;
