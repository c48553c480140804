// The template engine against what the docker CLI prints for the same templates and data (testdata/, captured
// from docker 28.2.2), and its own rules: syntax errors, whitespace trimming, variables, printf, Go's time text.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { naturalCompare } from "../common.js";
import { NETWORK_LIST, formatInspect, formatList, networkRow } from "../format.js";
import { tabwriter } from "../tabwriter.js";
import { NETWORK_INSPECT } from "./docker-types.js";
import { Template, TemplateExecError, TemplateSyntaxError } from "./template.js";
import { INSPECT_CASES, LIST, LIST_CASES, NETWORKS } from "./testdata/docker-network.js";
import { goNumber, goTime, type Value } from "./values.js";

describe("templates print what the docker CLI prints", () => {
  for (const c of INSPECT_CASES) {
    it(`network inspect -f ${JSON.stringify(c.template)} on ${c.network}`, () => {
      const r = formatInspect(c.template, [NETWORKS[c.network]], NETWORK_INSPECT);
      if (c.ok) {
        assert.deepEqual(r.errors, []);
        assert.equal(r.text, c.stdout);
      } else {
        assert.equal(r.errors.length, 1, `docker failed on it; dnet printed ${JSON.stringify(r.text)}`);
        assert.match(r.errors[0] ?? "", /^template parsing error: template: :\d+:\d+: executing "" at </);
      }
    });
  }

  const rows = [...(LIST as Array<{ Name: string }>)].sort((a, b) => naturalCompare(a.Name, b.Name))
    .map((n) => networkRow(n as Parameters<typeof networkRow>[0], true));
  for (const c of LIST_CASES) {
    it(`network ls --format ${JSON.stringify(c.template)}`, () => {
      if (c.ok) assert.equal(formatList(c.template, false, rows, NETWORK_LIST), c.stdout);
      else assert.throws(() => formatList(c.template, false, rows, NETWORK_LIST), /template parsing error: .*can't evaluate field Bogus in type \*network\.networkContext/);
    });
  }

  it("-q lists IDs, and a plain ls is docker's default table", () => {
    assert.equal(formatList(undefined, true, rows, NETWORK_LIST), "c8401ec37d13\nffffffffffff\n0123456789ab\n");
    assert.equal(formatList(undefined, false, rows, NETWORK_LIST), LIST_CASES.find((c) => c.template === "table")?.stdout);
  });
});

describe("template syntax", () => {
  const run = (src: string, data: Value = {}): string => Template.parse(src).execute(data);

  it("reports syntax errors with the line, like Go", () => {
    const cases: Array<[string, RegExp]> = [
      ["{{.Name", /^template: :1: unclosed action$/],
      ["a\n{{bogus .}}", /^template: :2: function "bogus" not defined$/],
      ["{{end}}", /unexpected \{\{end\}\}/],
      ["{{if .A}}x", /without \{\{end\}\}/],
      ["{{\"abc}}", /unterminated quoted string/],
      ["{{break}}", /outside \{\{range\}\}/],
      ["{{define \"x\"}}{{end}}", /not supported/],
      ["{{.A | }}", /missing value/],
    ];
    for (const [src, re] of cases) assert.throws(() => Template.parse(src), (e: unknown) => e instanceof TemplateSyntaxError && re.test(e.message), src);
  });

  it("trims whitespace at {{- and -}}, keeps it otherwise, and drops comments", () => {
    assert.equal(run("a  {{- \"b\" -}}  \n c"), "abc");
    assert.equal(run("a {{\"b\"}} c"), "a b c");
    assert.equal(run("a {{/* note */}} b {{- /* x */ -}} c"), "a  bc");
  });

  it("scopes variables to their block and lets = assign an outer one", () => {
    assert.equal(run("{{$x := 1}}{{range .L}}{{$x = .}}{{$y := 5}}{{end}}{{$x}}", { L: [7, 8] }), "8");
    assert.throws(() => run("{{range .L}}{{$y := 5}}{{end}}{{$y}}", { L: [1] }), (e: unknown) => e instanceof TemplateExecError && /undefined variable: \$y/.test(e.message));
  });

  it("missing keys print <no value>, or fail in the raw fallback", () => {
    assert.equal(run("{{.Nope}}"), "<no value>");
    assert.throws(() => Template.parse("{{.Nope}}").execute({}, { missingKey: "error" }), /map has no entry for key "Nope"/);
  });

  it("formats like fmt", () => {
    assert.equal(run('{{printf "%08.3f|%+d|%x|%X|%c|%5t|%%" 3.14159 5 "hi" 255 65 true}}'), "0003.142|+5|6869|FF|A| true|%");
    assert.equal(run('{{printf "%d %s"}}'), "%!d(MISSING) %!s(MISSING)");
    assert.equal(run('{{printf "%s" "a" "b"}}'), "a%!(EXTRA string=b)");
    assert.equal(goNumber(1e21), "1e+21");
    assert.equal(goNumber(0.00001), "1e-05");
    assert.equal(goNumber(123456789), "123456789");
  });

  it("prints times as Go's time.Time does", () => {
    assert.deepEqual(goTime("2024-05-01T10:11:12.120Z"), { string: "2024-05-01 10:11:12.12 +0000 UTC", json: "2024-05-01T10:11:12.12Z" });
    assert.deepEqual(goTime("2024-05-01T10:11:12-07:00"), { string: "2024-05-01 10:11:12 -0700 -0700", json: "2024-05-01T10:11:12-07:00" });
    assert.equal(goTime("").string, "0001-01-01 00:00:00 +0000 UTC");
  });
});

describe("tabwriter", () => {
  it("aligns tab-terminated cells of consecutive lines, at least 10 wide, 3 apart", () => {
    assert.equal(tabwriter("A\tBB\tC\nlong name here\tx\ty\n"), "A                BB        C\nlong name here   x         y\n");
  });

  it("starts a new column block where a line has fewer cells", () => {
    assert.equal(tabwriter("a\tb\nsingle\nccccccccccccc\td"), "a         b\nsingle\nccccccccccccc   d");
  });
});
