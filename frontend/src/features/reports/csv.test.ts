import "@/test-setup";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { toCsv } from "./csv";

describe("toCsv", () => {
  test("quotes what needs quoting, leaves numbers and empties bare", () => {
    assert.equal(
      toCsv(["agent", "handled", "median"], [["Lan, senior", 3, 90], ['Minh "M"', 1, null], ["Chi", 2, 1.23456]]),
      'agent,handled,median\r\n"Lan, senior",3,90\r\n"Minh ""M""",1,\r\nChi,2,1.23456\r\n',
    );
  });
});
