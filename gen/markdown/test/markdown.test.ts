import assert from "node:assert/strict";
import { test } from "node:test";
import { parse, plainText, render, safeHref, type Doc } from "../src/markdown";

// A document just big enough for render(): elements and text nodes that
// serialise to HTML, escaping text and attribute values, so a test can see
// exactly which elements and attributes the renderer created.
class El {
  kids: (El | Txt)[] = [];
  attrs: [string, string][] = [];
  constructor(readonly tag: string) {}
  append(...n: (El | Txt)[]) {
    this.kids.push(...n);
  }
  setAttribute(k: string, v: string) {
    this.attrs.push([k, v]);
  }
  html(): string {
    const inner = this.kids.map((k) => k.html()).join("");
    if (!this.tag) return inner;
    const attrs = this.attrs.map(([k, v]) => ` ${k}="${esc(v)}"`).join("");
    return this.tag === "br" ? "<br>" : `<${this.tag}${attrs}>${inner}</${this.tag}>`;
  }
}
class Txt {
  constructor(readonly v: string) {}
  html() {
    return esc(this.v);
  }
}
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const fake = {
  createElement: (t: string) => new El(t),
  createTextNode: (v: string) => new Txt(v),
  createDocumentFragment: () => new El(""),
} as unknown as Doc;
const html = (text: string) => (render(text, fake) as unknown as El).html();
const REL = 'target="_blank" rel="noopener noreferrer nofollow"';

test("the subset", async (t) => {
  const cases: [string, string, string][] = [
    ["plain text is a paragraph", "hello", "<p>hello</p>"],
    ["bold both ways", "**a** and __b__", "<p><strong>a</strong> and <strong>b</strong></p>"],
    ["italic both ways", "*a* and _b_", "<p><em>a</em> and <em>b</em></p>"],
    ["bold italic", "***x***", "<p><strong><em>x</em></strong></p>"],
    ["italic inside bold", "**a *b* c**", "<p><strong>a <em>b</em> c</strong></p>"],
    ["bold inside italic", "*a **b** c*", "<p><em>a <strong>b</strong> c</em></p>"],
    ["inline code keeps markers", "`**x** <b>`", "<p><code>**x** &lt;b&gt;</code></p>"],
    ["double backticks hold one", "``a ` b``", "<p><code>a ` b</code></p>"],
    ["line breaks", "a\nb", "<p>a<br>b</p>"],
    ["paragraphs", "a\n\nb", "<p>a</p><p>b</p>"],
    ["code block verbatim", "```js\n**x**\n<i>\n```\nafter", "<pre><code>**x**\n&lt;i&gt;</code></pre><p>after</p>"],
    ["unclosed code block runs to the end", "```\nx", "<pre><code>x</code></pre>"],
    ["bullet list", "- a\n* **b**\n+ c", "<ul><li>a</li><li><strong>b</strong></li><li>c</li></ul>"],
    ["numbered list keeps its start", "3. a\n4) b", '<ol start="3"><li>a</li><li>b</li></ol>'],
    ["a list after a line", "Options:\n1. a\n2. b", "<p>Options:</p><ol><li>a</li><li>b</li></ol>"],
    ["link", "[docs](https://example.com/a)", `<p><a href="https://example.com/a" ${REL}>docs</a></p>`],
    ["mailto link", "[mail](mailto:a@example.com)", `<p><a href="mailto:a@example.com" ${REL}>mail</a></p>`],
    ["bold link text", "[**x**](http://e.com)", `<p><a href="http://e.com/" ${REL}><strong>x</strong></a></p>`],
    ["autolink", "see https://e.com/x.", `<p>see <a href="https://e.com/x" ${REL}>https://e.com/x</a>.</p>`],
    ["autolink keeps a balanced )", "(https://e.com/A_(b))", `<p>(<a href="https://e.com/A_(b)" ${REL}>https://e.com/A_(b)</a>)</p>`],
    ["underscores in an address are not italic", "https://e.com/a_b_c", `<p><a href="https://e.com/a_b_c" ${REL}>https://e.com/a_b_c</a></p>`],
    ["snake_case stays", "snake_case_name", "<p>snake_case_name</p>"],
    ["escaped markers", "\\*not\\* \\_x\\_", "<p>*not* _x_</p>"],
    ["lone markers stay", "2 * 3 * 4 and a ** b", "<p>2 * 3 * 4 and a ** b</p>"],
    ["unclosed markers stay", "**a *b `c", "<p>**a *b `c</p>"],
    ["empty text", "", ""],
  ];
  for (const [name, input, want] of cases) {
    await t.test(name, () => assert.equal(html(input), want));
  }
});

test("hostile payloads stay inert", async (t) => {
  const cases: [string, string, string][] = [
    ["HTML is text", '<img src=x onerror="alert(1)">', "<p>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</p>"],
    ["script is text", "<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"],
    ["HTML inside bold is text", "**<b onclick=x>hi</b>**", "<p><strong>&lt;b onclick=x&gt;hi&lt;/b&gt;</strong></p>"],
    ["javascript: link is text", "[click](javascript:alert(1))", "<p>[click](javascript:alert(1))</p>"],
    ["javascript: link with case and spaces", "[x](JaVaScRiPt:alert(1))", "<p>[x](JaVaScRiPt:alert(1))</p>"],
    ["data: link is text", "[x](data:text/html;base64,PHNjcmlwdD4=)", "<p>[x](data:text/html;base64,PHNjcmlwdD4=)</p>"],
    ["vbscript: link is text", "[x](vbscript:msgbox)", "<p>[x](vbscript:msgbox)</p>"],
    ["bare javascript: is not autolinked", "javascript:alert(1)", "<p>javascript:alert(1)</p>"],
    ["mailto is not autolinked bare", "mailto:a@b.c", "<p>mailto:a@b.c</p>"],
    ["quotes cannot break out of href", '[x](https://e.com/"onmouseover="alert)', `<p><a href="https://e.com/%22onmouseover=%22alert" ${REL}>x</a></p>`],
    ["an address stops at a quote", 'https://e.com/"onmouseover="alert(1)', `<p><a href="https://e.com/" ${REL}>https://e.com/</a>&quot;onmouseover=&quot;alert(1)</p>`],
    ["no link inside a link", "[https://a.com](https://b.com)", `<p><a href="https://b.com/" ${REL}>https://a.com</a></p>`],
    ["nested link markers", "[[x](https://a.com)](https://b.com)", `<p>[<a href="https://a.com/" ${REL}>x</a>](<a href="https://b.com/" ${REL}>https://b.com</a>)</p>`],
    ["link text with HTML", "[<svg onload=x>](https://e.com)", `<p><a href="https://e.com/" ${REL}>&lt;svg onload=x&gt;</a></p>`],
    ["entity stays literal", "&lt;b&gt;", "<p>&amp;lt;b&amp;gt;</p>"],
  ];
  for (const [name, input, want] of cases) {
    await t.test(name, () => assert.equal(html(input), want));
  }
});

test("deep nesting ends in text, not a stack overflow", () => {
  const deep = "*".repeat(5000) + "x" + "*".repeat(5000);
  assert.ok(html(deep).includes("x"));
  const nested = "**a ".repeat(200) + "b" + " a**".repeat(200);
  const out = html(nested);
  assert.ok(out.length > 0);
  assert.ok((out.match(/<strong>/g)?.length ?? 0) <= 6, "emphasis nests at most 6 deep");
  const brackets = "[".repeat(3000) + "x" + "](https://e.com)".repeat(3000);
  assert.ok(html(brackets).length > 0);
});

test("a long message renders quickly", () => {
  const text = ("**bold** *it* `c` https://e.com/x [l](https://e.com) _ * ` [ ](\n").repeat(60).slice(0, 4000);
  const start = performance.now();
  for (let i = 0; i < 20; i++) parse(text);
  assert.ok(performance.now() - start < 1000);
});

test("safeHref allows only the listed schemes", () => {
  assert.equal(safeHref("https://e.com"), "https://e.com/");
  assert.equal(safeHref("mailto:a@b.c"), null);
  assert.equal(safeHref("mailto:a@b.c", ["mailto:"]), "mailto:a@b.c");
  assert.equal(safeHref(" javascript:alert(1)"), null);
  assert.equal(safeHref("\u0000javascript:alert(1)"), null);
  assert.equal(safeHref("not a url"), null);
});

test("plainText drops markers", () => {
  assert.equal(plainText("**Hi** _there_, see [docs](https://e.com)\n- a\n- b"), "Hi there, see docs a b");
});
