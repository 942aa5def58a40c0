// Shared helpers for driving the web player in headless Chromium with playwright-core.
// Chromium comes from the system (Debian's `chromium` package), never from a download.

import net from "node:net";
import { chromium } from "playwright-core";

export const CHROMIUM = process.env.QUIZCAST_CHROMIUM || "/usr/bin/chromium";

// How long one step of a game may take: a question's time limit plus the host's advance.
export const STEP_TIMEOUT_MS = 60000;

/**
 * Launches headless Chromium. playwright-core gives each launch a fresh temporary profile, and
 * each player gets its own context through `newPlayer()`, so each has its own localStorage, as
 * separate phones would.
 */
export async function launch() {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    browser,
    newPlayer() {
      return browser.newContext({ viewport: { width: 360, height: 740 } });
    },
    async close() {
      await browser.close();
    },
  };
}

/** Refuses to load anything but a loopback URL, so a test never reaches another host. */
export function checkLoopback(url) {
  const host = new URL(url).hostname;
  if (host !== "127.0.0.1" && host !== "[::1]" && host !== "localhost") {
    throw new Error(`refusing to open ${url}: the tests only load pages from 127.0.0.1`);
  }
}

/**
 * Opens the join URL in a new page of `context` and joins as `name`, calling
 * `beforeJoin(page)` just before it clicks Join. Waits for the lobby or a question.
 */
export async function joinAs(context, url, name, beforeJoin = async () => {}) {
  checkLoopback(url);
  const page = await context.newPage();
  page.on("pageerror", (error) => console.error(`[${name}] page error: ${error.message}`));
  await page.goto(url);
  await page.fill("#name", name);
  await beforeJoin(page);
  await page.click("#join");
  await page.waitForSelector('body[data-screen="lobby"], body[data-screen="question"]', {
    timeout: STEP_TIMEOUT_MS,
  });
  return page;
}

/**
 * Waits until the page shows a question after `lastIndex` with answers open, or the final
 * screen. Returns the question index, or null for the final screen.
 */
export async function nextQuestion(page, lastIndex) {
  const handle = await page.waitForFunction(
    (last) => {
      const screen = document.body.dataset.screen;
      if (screen === "final") return { final: true };
      if (screen !== "question") return false;
      const text = document.getElementById("question-text");
      const status = document.getElementById("answer-status");
      const index = Number(text && text.dataset.index);
      if (index > last && status && status.dataset.status === "open") return { index };
      return false;
    },
    lastIndex,
    { timeout: STEP_TIMEOUT_MS, polling: 50 },
  );
  const value = await handle.jsonValue();
  return value.final ? null : value.index;
}

/**
 * Clicks option `option` (1-based) of question `index` and waits until the page shows the
 * answer locked in, or the question's result with that option, when the question closed at
 * once because every player had answered.
 */
export async function answer(page, index, option) {
  await page.click(`button[data-option="${option}"]`);
  await page.waitForFunction(
    ([i, chosen]) => {
      const status = document.getElementById("answer-status");
      const text = document.getElementById("question-text");
      if (status && status.dataset.status === "locked" && text.dataset.index === String(i)) {
        return true;
      }
      const verdict = document.getElementById("verdict");
      return verdict && verdict.dataset.index === String(i) && verdict.dataset.option === String(chosen);
    },
    [index, option],
    { timeout: STEP_TIMEOUT_MS, polling: "raf" },
  );
}

/** Waits for the result of question `index` and returns the score shown with it. */
export async function waitForResult(page, index) {
  await page.waitForFunction(
    (i) => {
      const verdict = document.getElementById("verdict");
      return document.body.dataset.screen === "final" ||
        (verdict && verdict.dataset.index === String(i));
    },
    index,
    { timeout: STEP_TIMEOUT_MS, polling: 50 },
  );
  // A wrong answer's result names the option the player chose; a right one does not.
  const shown = await page.evaluate(() => {
    const verdict = document.getElementById("verdict");
    return verdict && {
      wrong: verdict.dataset.correct === "false" && verdict.dataset.option !== "",
      yours: document.getElementById("your-answer") !== null,
    };
  });
  if (shown && shown.wrong !== shown.yours) {
    throw new Error(`result of question ${index}: wrong answer ${shown.wrong}, "Your answer" shown ${shown.yours}`);
  }
  return Number(await page.getAttribute("#me", "data-score"));
}

/** Waits for the final screen and returns the rank and score it shows. */
export async function finalStanding(page) {
  await page.waitForSelector('body[data-screen="final"]', { timeout: STEP_TIMEOUT_MS * 3 });
  return {
    rank: Number(await page.getAttribute("#final-rank", "data-rank")),
    score: Number(await page.getAttribute("#final-rank", "data-score")),
  };
}

/**
 * Starts a TCP relay from 127.0.0.1:`listen` to 127.0.0.1:`target`. `cut()` drops every
 * connection through it; while `dropNew` is set, it drops new connections at once.
 */
export function startProxy({ listen, target }) {
  const sockets = new Set();
  const relay = { dropNew: false };
  const server = net.createServer((client) => {
    if (relay.dropNew) {
      client.destroy();
      return;
    }
    const upstream = net.connect(target, "127.0.0.1");
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => {});
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return new Promise((resolve) => {
    server.listen(listen, "127.0.0.1", () =>
      resolve(Object.assign(relay, {
        cut() {
          for (const socket of sockets) socket.destroy();
        },
        close() {
          this.cut();
          server.close();
        },
      })),
    );
  });
}
