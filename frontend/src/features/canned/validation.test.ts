import "@/test-setup";
import assert from "node:assert/strict";
import { test } from "node:test";
import { shortcutProblem, textProblem, titleProblem } from "./validation";

test("shortcuts: 1–32 of a-z, 0-9, - and _ (as the server checks)", () => {
  for (const ok of ["a", "thanks", "re-fund_2", "x".repeat(32), " padded "]) assert.equal(shortcutProblem(ok), null, ok);
  for (const bad of ["", "Thanks", "a b", "hé", "a/b", "x".repeat(33)]) assert.equal(shortcutProblem(bad), "validation.cannedShortcut", bad);
});

test("titles: 1–80 characters on one line, counted as the server counts", () => {
  assert.equal(titleProblem("é".repeat(80)), null);
  assert.equal(titleProblem("x".repeat(81)), "validation.cannedTitle");
  assert.equal(titleProblem("  "), "validation.cannedTitle");
  assert.equal(titleProblem("a\nb"), "validation.cannedTitle");
});

test("texts: required or optional, at most 4000 characters", () => {
  assert.equal(textProblem("", true), "validation.cannedText");
  assert.equal(textProblem("", false), null);
  assert.equal(textProblem("x".repeat(4000), true), null);
  assert.equal(textProblem("x".repeat(4001), false), "validation.cannedText");
});
