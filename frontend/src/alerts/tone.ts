let ctx: AudioContext | null = null;

function audio(): AudioContext | null {
  if (ctx) return ctx;
  const Ctor = window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
  if (!Ctor) return null;
  ctx = new Ctor();
  return ctx;
}

/**
 * Browsers start audio suspended until the user interacts with the page:
 * unlock it on the first click or key press so later alerts can sound even
 * while the tab is in the background.
 */
export function unlockAudioOnFirstGesture(): void {
  const unlock = () => {
    const c = audio();
    if (c && c.state === "suspended") void c.resume();
    window.removeEventListener("pointerdown", unlock);
    window.removeEventListener("keydown", unlock);
  };
  window.addEventListener("pointerdown", unlock);
  window.addEventListener("keydown", unlock);
}

/** Plays a short two-note chime, generated on the spot (no audio file). */
export function playTone(): void {
  const c = audio();
  if (!c) return;
  if (c.state === "suspended") void c.resume();
  const start = c.currentTime + 0.01;
  [880, 1318.5].forEach((freq, i) => {
    const t = start + i * 0.14;
    const osc = c.createOscillator();
    const gain = c.createGain();
    osc.type = "sine";
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, t);
    gain.gain.exponentialRampToValueAtTime(0.25, t + 0.015);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.22);
    osc.connect(gain).connect(c.destination);
    osc.start(t);
    osc.stop(t + 0.25);
  });
}
