// `npm run test:docs`: the docs site (`npm run docs`, docs/api) as a reader sees it, in a real browser.
// Serves docs/api on a loopback port, starts Debian's headless Chromium (/usr/bin/chromium, or $CHROMIUM)
// with a fresh profile and no network of its own, and drives it over the Chrome DevTools protocol: loads
// the home page and every guide, fails on a page or resource that does not load and on a script error, and
// collects every link of the rendered pages (the navigation TypeDoc's script builds included). Each
// internal link must answer 200, and its #fragment must name an element of the page it points to.
// Usage: node scripts/docs-browser-check.mjs (after `npm run docs`).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";

/* global URL, fetch */

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const site = join(root, "docs", "api");
const chromium = process.env.CHROMIUM ?? "/usr/bin/chromium";
const TIMEOUT_MS = 30_000;
const types = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".css": "text/css",
  ".svg": "image/svg+xml",
  ".json": "application/json",
};

if (!existsSync(join(site, "documents"))) fail(`no site with guides in ${site}: run \`npm run docs\` first`);
if (!existsSync(chromium)) fail(`no Chromium at ${chromium}: apt-get install -y chromium (or set CHROMIUM)`);
// The home page and every guide.
const pages = [
  "index.html",
  ...readdirSync(join(site, "documents"))
    .filter((name) => name.endsWith(".html"))
    .map((name) => `documents/${name}`),
];

/** Stops the check with a message. */
function fail(message) {
  console.error(`test:docs: ${message}`);
  process.exit(1);
}

// The site, as a static server would serve it: a path outside docs/api or not a file is a 404.
const server = createServer((request, response) => {
  const path = normalize(decodeURIComponent(new URL(request.url, "http://x").pathname)).replace(/^\/+/, "");
  const file = join(site, path === "" ? "index.html" : path);
  if (!file.startsWith(site) || !existsSync(file) || !statSync(file).isFile()) {
    response.writeHead(404).end("not found");
    return;
  }
  response.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" });
  response.end(readFileSync(file));
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

const profile = mkdtempSync(join(tmpdir(), "grpc-interceptor-chromium-"));
const browser = spawn(
  chromium,
  [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    `--user-data-dir=${profile}`,
    "--remote-debugging-port=0",
    "about:blank",
  ],
  // Its own process group (killed whole at the end) and temporary folder (inside the profile).
  { stdio: ["ignore", "ignore", "pipe"], detached: true, env: { ...process.env, TMPDIR: profile } },
);
const problems = [];
try {
  const endpoint = await new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`Chromium did not start:\n${output}`)), TIMEOUT_MS);
    browser.stderr.on("data", (chunk) => {
      output += chunk;
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    browser.on("exit", (code) => reject(new Error(`Chromium exited (${code}):\n${output}`)));
  });
  const cdp = await connect(endpoint);
  const links = new Set();
  for (const page of pages) {
    for (const link of await visit(cdp, `${origin}/${page}`)) links.add(link);
  }
  const internal = [...links].filter((link) => link.startsWith(`${origin}/`));
  for (const link of internal) {
    const problem = await checkLink(link);
    if (problem) problems.push(problem);
  }
  console.log(
    `test:docs: loaded ${pages.length} pages (the home page and the guides) in Chromium; ${internal.length} internal links checked ` +
      `(${links.size - internal.length} external ones not followed)`,
  );
  cdp.close();
} catch (error) {
  problems.push(error.message);
} finally {
  const exited = new Promise((resolve) => (browser.exitCode !== null ? resolve() : browser.once("exit", resolve)));
  process.kill(-browser.pid, "SIGKILL");
  await exited;
  server.close();
  rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
}
for (const problem of problems) console.error(`test:docs: ${problem}`);
if (problems.length > 0) fail(`${problems.length} problem(s)`);
console.log("test:docs: no broken link, resource or script error");

/** A DevTools protocol connection: `send(method, params, sessionId)` and event listeners by method. */
async function connect(url) {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    socket.once("open", resolve);
    socket.once("error", reject);
  });
  let next = 0;
  const pending = new Map();
  const listeners = new Map();
  socket.on("message", (data) => {
    const message = JSON.parse(data.toString());
    if (message.id !== undefined) {
      const { resolve, reject } = pending.get(message.id);
      pending.delete(message.id);
      if (message.error) reject(new Error(`${message.error.message} (${message.error.code})`));
      else resolve(message.result);
    } else {
      for (const listener of listeners.get(message.method) ?? []) listener(message.params, message.sessionId);
    }
  });
  return {
    send(method, params = {}, sessionId) {
      const id = ++next;
      socket.send(JSON.stringify({ id, method, params, sessionId }));
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        setTimeout(() => reject(new Error(`${method}: no answer in ${TIMEOUT_MS} ms`)), TIMEOUT_MS).unref();
      });
    },
    on(method, listener) {
      listeners.set(method, [...(listeners.get(method) ?? []), listener]);
    },
    close: () => socket.close(),
  };
}

/**
 * Loads `url` in a new tab; records a failed load, a resource answered >= 400 and a script error; returns
 * the absolute URLs of the page's links once TypeDoc's navigation has been rendered.
 */
async function visit(cdp, url) {
  const { targetId } = await cdp.send("Target.createTarget", { url: "about:blank" });
  const { sessionId } = await cdp.send("Target.attachToTarget", { targetId, flatten: true });
  const mine = (listener) => (params, session) => session === sessionId && listener(params);
  cdp.on(
    "Network.responseReceived",
    mine(({ response }) => {
      // The browser asks for /favicon.ico by itself; the site has none, and no page links to one.
      if (response.status >= 400 && new URL(response.url).pathname !== "/favicon.ico")
        problems.push(`${url}: ${response.url} answered ${response.status}`);
    }),
  );
  cdp.on(
    "Network.loadingFailed",
    mine(({ errorText, blockedReason }) => problems.push(`${url}: a resource failed (${blockedReason ?? errorText})`)),
  );
  cdp.on(
    "Runtime.exceptionThrown",
    mine(({ exceptionDetails }) =>
      problems.push(`${url}: script error ${exceptionDetails.exception?.description ?? exceptionDetails.text}`),
    ),
  );
  const loaded = new Promise((resolve) => cdp.on("Page.loadEventFired", mine(resolve)));
  await cdp.send("Network.enable", {}, sessionId);
  await cdp.send("Runtime.enable", {}, sessionId);
  await cdp.send("Page.enable", {}, sessionId);
  const { errorText } = await cdp.send("Page.navigate", { url }, sessionId);
  if (errorText) throw new Error(`${url} did not load: ${errorText}`);
  await loaded;
  // TypeDoc fills the navigation from a script after the load event: wait until its links are there.
  const expression = `new Promise((resolve) => {
    const started = Date.now();
    const poll = () => document.querySelector("#tsd-nav-container a") || Date.now() - started > 5000
      ? resolve([...document.querySelectorAll("a[href]")].map((a) => a.href))
      : setTimeout(poll, 50);
    poll();
  })`;
  const { result } = await cdp.send(
    "Runtime.evaluate",
    { expression, awaitPromise: true, returnByValue: true },
    sessionId,
  );
  if (!result.value.some((link) => link.includes("/modules/"))) problems.push(`${url}: no link to the API reference`);
  await cdp.send("Target.closeTarget", { targetId });
  return result.value;
}

/** A problem with an internal link (not 200, or a #fragment its page lacks), or undefined. */
async function checkLink(link) {
  const { hash } = new URL(link);
  const response = await fetch(link);
  if (response.status !== 200) return `${link}: answered ${response.status}`;
  if (hash === "" || hash === "#") return undefined;
  const id = decodeURIComponent(hash.slice(1));
  const html = await response.text();
  return html.includes(`id="${id}"`) || html.includes(`name="${id}"`)
    ? undefined
    : `${link}: no element with id "${id}" on that page`;
}
