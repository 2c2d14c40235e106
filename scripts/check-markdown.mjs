// `npm run lint` (check:markdown): every Markdown file a user reads, rendered with a CommonMark parser
// (markdown-it), as GitHub would show it. Fails on a code fence left open (or "closed" on a line of code),
// a heading inside a code block (the sign of a fence left open further up), an HTML comment left open,
// and a relative link, image or `#anchor` that resolves to nothing (GitHub's heading slugs). In README.md
// and the guides (docs/*.md) also: every block follows the README convention (a known info string, `npm
// run` scripts that exist, JSON that parses, a `<!-- file: PATH -->` block equal to that file, a hidden
// prelude without imports: a reader sees every import). Usage: node scripts/check-markdown.mjs [files…]
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import MarkdownIt from "markdown-it";
import { readmeBlocks } from "./readme-blocks.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const skipped = new Set(["node_modules", ".git", "dist", "build", "docs/api"]);
const markdown = new MarkdownIt({ html: true });

/** The Markdown files under `dir`, outside dependencies and build output. */
function markdownFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (skipped.has(entry.name) || skipped.has(relative(root, path))) return [];
    if (entry.isDirectory()) return markdownFiles(path);
    return entry.name.endsWith(".md") ? [path] : [];
  });
}

/** GitHub's anchor for a heading's text: lower case, punctuation and symbols dropped, spaces to hyphens. */
function slug(text) {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, "")
    .replace(/ /g, "-");
}

/** The text of an inline token as the rendered page shows it (code spans without their backticks). */
function plainText(inline) {
  return (inline.children ?? [])
    .map((child) => (child.type === "text" || child.type === "code_inline" ? child.content : ""))
    .join("");
}

const parsed = new Map();
function parse(file) {
  if (!parsed.has(file)) {
    const source = readFileSync(file, "utf8");
    const tokens = markdown.parse(source, {});
    const anchors = new Set();
    const seen = new Map();
    tokens.forEach((token, index) => {
      if (token.type === "heading_open") {
        const base = slug(plainText(tokens[index + 1]));
        const count = seen.get(base) ?? 0;
        seen.set(base, count + 1);
        anchors.add(count === 0 ? base : `${base}-${count}`);
      }
      if (token.type === "html_block" || token.type === "html_inline") {
        for (const match of token.content.matchAll(/\b(?:id|name)=["']([^"']+)["']/g)) anchors.add(match[1]);
      }
    });
    parsed.set(file, { source, tokens, anchors });
  }
  return parsed.get(file);
}

/** Problems with one link target (`href` as written in `file`), or none. */
function checkLink(file, href) {
  if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith("//")) return []; // absolute: not ours to check
  const [rawPath, anchor] = href.split("#", 2);
  const path = decodeURIComponent(rawPath);
  const target = path === "" ? file : path.startsWith("/") ? join(root, path) : resolve(dirname(file), path);
  if (!existsSync(target)) return [`link to ${href}: ${relative(root, target)} does not exist`];
  if (anchor === undefined || anchor === "") return [];
  if (!target.endsWith(".md")) {
    return /^L\d+(-L\d+)?$/.test(anchor) ? [] : [`link to ${href}: #${anchor} on a file that is not Markdown`];
  }
  if (statSync(target).isDirectory()) return [`link to ${href}: an anchor on a directory`];
  return parse(target).anchors.has(decodeURIComponent(anchor))
    ? []
    : [`link to ${href}: no heading or id "${anchor}" in ${relative(root, target)}`];
}

const fenceLine = (line, markup) => {
  const stripped = line.replace(/^(\s*>)*\s*/, "");
  return stripped.startsWith(markup) && new RegExp(`^\\${markup[0]}+\\s*$`).test(stripped);
};

function checkFile(file) {
  const { source, tokens } = parse(file);
  const lines = source.split("\n");
  const problems = [];
  const at = (line, message) => problems.push(`${relative(root, file)}:${line}: ${message}`);
  tokens.forEach((token) => {
    if (token.type === "fence" && token.map) {
      const [start, end] = token.map;
      if (!fenceLine(lines[end - 1] ?? "", token.markup)) {
        at(start + 1, `the code fence ${token.markup} opened here never closes (it runs to the end of the file)`);
      }
      lines.slice(start + 1, end - 1).forEach((line, offset) => {
        if (/^\s{0,3}#{1,6}\s/.test(line)) {
          at(start + 2 + offset, "a heading inside a code block: is a fence left open above it?");
        }
        if (/[^`~\s]\s*(```|~~~)\s*$/.test(line)) {
          at(
            start + 2 + offset,
            "a fence at the end of a line of code does not close the block: put it on its own line",
          );
        }
      });
    }
    if (token.type === "html_block" && token.content.includes("<!--") && !token.content.includes("-->") && token.map) {
      at(token.map[0] + 1, "an HTML comment opened here never closes");
    }
    if (token.type === "inline" && token.map) {
      for (const child of token.children ?? []) {
        const href =
          child.type === "link_open" ? child.attrGet("href") : child.type === "image" ? child.attrGet("src") : null;
        if (href !== null) for (const problem of checkLink(file, href)) at(token.map[0] + 1, problem);
      }
    }
    if ((token.type === "html_block" || token.type === "html_inline") && token.map) {
      for (const match of token.content.matchAll(/\b(?:href|src)=["']([^"']+)["']/g)) {
        for (const problem of checkLink(file, match[1])) at(token.map[0] + 1, problem);
      }
    }
  });
  const page = relative(root, file);
  if (page === "README.md" || /^docs\/[^/]+\.md$/.test(page)) problems.push(...checkReadmeBlocks(page, source));
  return problems;
}

/** README.md and the guides: each block is of a kind the convention knows, and what it names exists. */
function checkReadmeBlocks(page, source) {
  const scripts = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).scripts;
  const problems = [];
  const at = (line, message) => problems.push(`${page}:${line}: ${message}`);
  for (const block of readmeBlocks(source)) {
    if (!["program", "test", "excerpt", "consumer", "sh", "json", "yaml", "proto", "text"].includes(block.kind)) {
      at(block.line, `a code block of kind ${block.kind}: use ts, sh, json, yaml, proto or text (README-CONVENTION)`);
    }
    if (block.kind === "program" && /\bExcerpt\b/.test(block.paragraph)) {
      at(block.line, `"Excerpt" must start the paragraph right above the block, or the block runs as a program`);
    }
    if (block.prelude && /^\s*import\b/m.test(block.prelude)) {
      at(block.line, "an import in a hidden prelude: show it in the block, the reader needs it");
    }
    if (block.kind === "sh") {
      for (const [, name] of block.code.matchAll(/\bnpm run ([\w:-]+)/g)) {
        if (!scripts[name]) at(block.line, `npm run ${name}: package.json has no such script`);
      }
    }
    if (block.kind === "json") {
      try {
        JSON.parse(block.code);
      } catch (error) {
        at(block.line, `this JSON block does not parse: ${error.message}`);
      }
    }
    if (block.file) {
      const path = join(root, block.file);
      if (!existsSync(path)) at(block.line, `<!-- file: ${block.file} -->: no such file`);
      else if (shownPart(readFileSync(path, "utf8")) !== block.code) {
        at(block.line, `this block differs from ${block.file} (its leading // comment lines aside): make them equal`);
      }
    }
  }
  return problems;
}

/** A repository file as the README shows it: without its leading `//` comment lines. */
function shownPart(text) {
  return text.replace(/^(\/\/.*\n)+/, "");
}

const files = process.argv.length > 2 ? process.argv.slice(2).map((file) => resolve(file)) : markdownFiles(root);
const problems = files.flatMap(checkFile);
for (const problem of problems) console.error(problem);
if (problems.length > 0) {
  console.error(`check-markdown: ${problems.length} problem(s) in ${files.length} Markdown file(s)`);
  process.exit(1);
}
console.log(`check-markdown: ${files.length} Markdown file(s) render as intended, every relative link resolves`);
