// TypeDoc plugin for `npm run docs` (see typedoc.json): the guides (docs/*.md, TypeDoc's project documents)
// are named in the site's navigation and titles by their first `# heading`, as GitHub shows them, instead
// of by their file names. A guide without one keeps its file name.
import { Converter } from "typedoc";

/** @param {import("typedoc").Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_CREATE_DOCUMENT, (_context, document) => {
    const text = document.content.map((part) => part.text).join("");
    const heading = /^# (.+)$/m.exec(text)?.[1];
    if (heading) document.name = heading.replace(/`/g, "").trim();
  });
}
