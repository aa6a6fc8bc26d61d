// Canned responses in the composer, without React: choosing the text for a
// language, filling in the variables, and finding the "/shortcut" being
// typed. The server stores the texts as written; the variables are filled
// in here, on insert, from the conversation's customer and the signed-in
// agent.

/** What the variables of a response can be filled in from. */
export interface FillContext {
  customer?: { name?: string; email?: string; attributes?: Record<string, string> };
  agent?: { name?: string };
}

/** A response's texts as the picker needs them. */
export interface ResponseTexts {
  text: string;
  texts?: Record<string, string>;
}

/** The variables a response may hold, as documented in docs/canned-responses.md. */
export const variables = ["{{customer.name}}", "{{customer.email}}", "{{agent.name}}", "{{customer.attributes.KEY}}"] as const;

const variable = /\{\{\s*([a-zA-Z0-9_.-]+)\s*\}\}/g;

/**
 * Replaces every {{variable}} of text with its value. An unknown variable,
 * or one without a value, becomes empty text: the customer never sees raw
 * braces.
 */
export function fillVariables(text: string, ctx: FillContext): string {
  return text.replace(variable, (_, name: string) => valueOf(name, ctx).trim());
}

function valueOf(name: string, ctx: FillContext): string {
  switch (name) {
    case "customer.name":
      return ctx.customer?.name ?? "";
    case "customer.email":
      return ctx.customer?.email ?? "";
    case "agent.name":
      return ctx.agent?.name ?? "";
  }
  const prefix = "customer.attributes.";
  if (name.startsWith(prefix)) {
    const attrs = ctx.customer?.attributes ?? {};
    const key = name.slice(prefix.length);
    return Object.hasOwn(attrs, key) ? attrs[key] : "";
  }
  return "";
}

/**
 * The text of a response for a language: its text in that language when it
 * has one that is not blank, else the default text.
 */
export function textFor(r: ResponseTexts, lang: string): string {
  const t = r.texts?.[lang];
  return t && t.trim() ? t : r.text;
}

/** The "/shortcut" word being typed at the caret, if any. */
export interface SlashQuery {
  /** Where the "/" is. */
  start: number;
  /** The caret (the end of what is replaced on insert). */
  end: number;
  /** What follows the "/" (may be empty). */
  query: string;
}

/**
 * Finds a "/" at the start of a word (the text's start or after white
 * space) with the caret after it and no white space between: "see /ref|"
 * gives {query: "ref"}; "a/b|" and "http://x|" give null.
 */
export function slashQueryAt(text: string, caret: number): SlashQuery | null {
  let i = caret - 1;
  while (i >= 0 && !/\s/.test(text[i]) && text[i] !== "/") i--;
  if (i < 0 || text[i] !== "/") return null;
  if (i > 0 && !/\s/.test(text[i - 1])) return null;
  return { start: i, end: caret, query: text.slice(i + 1, caret) };
}

/**
 * Replaces the "/shortcut" of q in text with insert and returns the new
 * text and the caret after the inserted part.
 */
export function insertAt(text: string, q: SlashQuery, insert: string): { text: string; caret: number } {
  return { text: text.slice(0, q.start) + insert + text.slice(q.end), caret: q.start + insert.length };
}
