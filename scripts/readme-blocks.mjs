// The fenced code blocks of a Markdown file, sorted into the kinds of the README convention:
// - "program": a ```ts block with nothing special above it, a complete ES module that is compiled and run;
// - "test": a ```ts program that imports from "mocha", run with mocha;
// - "excerpt": a ```ts block whose visible paragraph right above starts with "Excerpt"; type-checked with
//   the hidden `<!-- prelude … -->` comment between that paragraph and the fence put first;
// - "consumer": a ```ts block marked `<!-- consumer: NAME -->`, run by scripts/consumer-smoke.mjs only (it
//   needs a project around it, e.g. generated code);
// - "sh", "json", "yaml", "proto", "text": the other info strings the README may use.
// A hidden `<!-- file: PATH -->` comment above a block says the block shows the repository's file PATH;
// `<!-- consumer: NAME -->` names a block that scripts/consumer-smoke.mjs runs.
import MarkdownIt from "markdown-it";

const kinds = {
  ts: "ts",
  typescript: "ts",
  sh: "sh",
  bash: "sh",
  shell: "sh",
  json: "json",
  yaml: "yaml",
  proto: "proto",
  text: "text",
};

/**
 * @param {string} source Markdown text
 * @returns {{ line: number, lang: string, kind: string, code: string, prelude?: string, file?: string,
 *   consumer?: string, paragraph: string }[]} (`paragraph`: the text of the paragraph right above)
 */
export function readmeBlocks(source) {
  const tokens = new MarkdownIt({ html: true }).parse(source, {});
  const blocks = [];
  tokens.forEach((token, index) => {
    if (token.type !== "fence" || !token.map) return;
    let before = index - 1;
    const comments = [];
    while (before >= 0 && tokens[before].type === "html_block") comments.unshift(tokens[before--].content);
    const paragraph = tokens[before]?.type === "paragraph_close" ? tokens[before - 1].content : "";
    const lang = token.info.trim().split(/\s+/)[0] ?? "";
    let kind = kinds[lang.toLowerCase()] ?? (lang === "" ? "none" : `unknown (${lang})`);
    if (kind === "ts") {
      if (/^Excerpt\b/.test(paragraph)) kind = "excerpt";
      else kind = /\bfrom\s+["']mocha["']/.test(token.content) ? "test" : "program";
    }
    const hidden = comments.join("\n");
    const consumer = /<!--\s*consumer:\s*(\S+)\s*-->/.exec(hidden)?.[1];
    if (kinds[lang.toLowerCase()] === "ts" && consumer) kind = "consumer";
    const prelude = /<!--\s*prelude\b([\s\S]*?)-->/.exec(hidden)?.[1];
    const file = /<!--\s*file:\s*(\S+)\s*-->/.exec(hidden)?.[1];
    blocks.push({ line: token.map[0] + 1, lang, kind, code: token.content, prelude, file, consumer, paragraph });
  });
  return blocks;
}
