/** Writes .br and .gz copies beside the compressible files under dir; returns the files written. */
export function precompress(dir: string): string[];
