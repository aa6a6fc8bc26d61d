import { createStore, useStore } from "./external-store";
import { onSettingChange, readSetting, writeSetting } from "./storage";

/** The agent's alert preferences, remembered per browser and shared by tabs. */
export interface Preferences {
  sound: boolean;
  desktop: boolean;
  /** Whether the desktop-notification question was already put to the user. */
  notificationsAsked: boolean;
}

const defaults: Preferences = { sound: true, desktop: true, notificationsAsked: false };

function load(): Preferences {
  return { ...defaults, ...readSetting<Partial<Preferences>>("prefs", {}) };
}

export const preferences = createStore<Preferences>(load());
onSettingChange("prefs", () => preferences.set(load()));

export function updatePreferences(patch: Partial<Preferences>): void {
  const next = { ...preferences.get(), ...patch };
  writeSetting("prefs", next);
  preferences.set(next);
}

export function usePreferences(): Preferences {
  return useStore(preferences);
}
