import "@/test-setup";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { fillVariables, insertAt, slashQueryAt, textFor } from "./fill";

const ctx = {
  customer: { name: "Nguyễn Văn An", email: "an@example.com", attributes: { plan: "Pro", empty: "" } },
  agent: { name: "Lan" },
};

describe("fillVariables", () => {
  test("fills the customer's and the agent's details", () => {
    assert.equal(
      fillVariables("Hi {{customer.name}} ({{customer.email}}), {{agent.name}} here.", ctx),
      "Hi Nguyễn Văn An (an@example.com), Lan here.",
    );
  });
  test("fills custom attributes by key", () => {
    assert.equal(fillVariables("Your plan: {{customer.attributes.plan}}", ctx), "Your plan: Pro");
  });
  test("tolerates spaces inside the braces", () => {
    assert.equal(fillVariables("Hi {{ customer.name }}", ctx), "Hi Nguyễn Văn An");
  });
  test("unknown, missing and empty variables become empty text, never raw braces", () => {
    const out = fillVariables("a{{customer.phone}}b{{customer.attributes.nope}}c{{customer.attributes.empty}}d{{x}}e", ctx);
    assert.equal(out, "abcde");
    assert.equal(fillVariables("Hi {{customer.name}}!", {}), "Hi !");
  });
  test("inherited properties are not attributes", () => {
    assert.equal(fillVariables("{{customer.attributes.constructor}}{{customer.attributes.__proto__}}", ctx), "");
  });
  test("a value holding braces is not filled in again", () => {
    assert.equal(fillVariables("{{customer.name}}", { customer: { name: "{{agent.name}}" }, agent: { name: "Lan" } }), "{{agent.name}}");
  });
  test("text without variables, and lone braces, stay as they are", () => {
    assert.equal(fillVariables("Price: {5} {{ }} }}", ctx), "Price: {5} {{ }} }}");
  });
});

describe("textFor", () => {
  const r = { text: "Default", texts: { vi: "Tiếng Việt", en: "  " } };
  test("the language's text when it has one", () => assert.equal(textFor(r, "vi"), "Tiếng Việt"));
  test("the default text for a blank or missing translation", () => {
    assert.equal(textFor(r, "en"), "Default");
    assert.equal(textFor({ text: "Only" }, "vi"), "Only");
  });
});

describe("slashQueryAt", () => {
  test("a slash at the start of the text", () => assert.deepEqual(slashQueryAt("/ref", 4), { start: 0, end: 4, query: "ref" }));
  test("a slash after a space or newline", () => {
    assert.deepEqual(slashQueryAt("see /re", 7), { start: 4, end: 7, query: "re" });
    assert.deepEqual(slashQueryAt("a\n/", 3), { start: 2, end: 3, query: "" });
  });
  test("not inside a word, a URL or after the word ended", () => {
    assert.equal(slashQueryAt("a/b", 3), null);
    assert.equal(slashQueryAt("http://x", 8), null);
    assert.equal(slashQueryAt("/ref done", 9), null);
    assert.equal(slashQueryAt("plain", 5), null);
  });
  test("the caret decides, not the end of the text", () => assert.deepEqual(slashQueryAt("/re tail", 3), { start: 0, end: 3, query: "re" }));
});

describe("insertAt", () => {
  test("replaces the /shortcut and puts the caret after the insert", () => {
    const q = slashQueryAt("Hello /thx tail", 10)!;
    assert.deepEqual(insertAt("Hello /thx tail", q, "Thank you"), { text: "Hello Thank you tail", caret: 15 });
  });
});
