// Saves a screenshot of each web player screen at phone width (360x740) to docs/screenshots/,
// from a real host on 127.0.0.1 that this script starts and stops.
//
//   cargo build && node tests/browser/screenshots.mjs [path/to/quizcast]

import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { launch, nextQuestion, startProxy } from "./lib.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const binary = process.argv[2] || join(root, "target/debug/quizcast");
const out = join(root, "docs/screenshots");

const BANK = `
title = "Friday quiz"
time_limit = 30

[[questions]]
text = "Which protocol upgrades an HTTP connection to a full-duplex channel?"
options = ["WebSocket", "FTP", "SMTP", "DNS"]
correct = 1

[[questions]]
text = "Which HTTP status code tells a client to slow down?"
options = ["403", "429", "503", "409"]
correct = 2
`;

function freePort() {
  return new Promise((done) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

/** Starts a headless host and resolves once it prints its `listening` line. */
function startHost(dir, hostPort, proxyPort) {
  const bank = join(dir, "bank.toml");
  writeFileSync(bank, BANK);
  const host = spawn(binary, [
    "host", "--headless", "--no-db", "--code", "DEMO",
    "--bind", `127.0.0.1:${hostPort}`, "--public-url", `http://127.0.0.1:${proxyPort}`,
    "--questions", bank, "--auto-start", "3", "--auto-advance", "2", "--join-rate", "1",
  ], { env: { ...process.env, XDG_DATA_HOME: dir }, stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((done, fail) => {
    host.on("error", fail);
    createInterface({ input: host.stdout }).on("line", (line) => {
      const event = JSON.parse(line);
      if (event.event === "listening") done({ host, url: event.join_url });
    });
  });
}

async function shot(page, name) {
  await page.screenshot({ path: join(out, `${name}.png`) });
  console.log(`saved docs/screenshots/${name}.png`);
}

async function waitScreen(page, screen) {
  await page.waitForSelector(`body[data-screen="${screen}"]`, { timeout: 30000 });
}

/** Waits until the host answers 429, so that the next join has to retry. */
async function exhaustJoinRate(origin) {
  for (let i = 0; i < 100; i++) {
    if ((await fetch(`${origin}/api/games/DEMO`)).status === 429) return;
  }
  throw new Error("the host never answered 429");
}

mkdirSync(out, { recursive: true });
const dir = mkdtempSync(join(tmpdir(), "quizcast-shots-"));
const [hostPort, proxyPort] = [await freePort(), await freePort()];
const proxy = await startProxy({ listen: proxyPort, target: hostPort });
const { host, url } = await startHost(dir, hostPort, proxyPort);
const origin = new URL(url).origin;
const browser = await launch();
try {
  // Two more players answer after the one on the screenshots, so the questions stay open.
  const other = await (await browser.newPlayer()).newPage();
  await other.goto(url);
  await other.fill("#name", "Ada");
  await other.click("#join");
  await waitScreen(other, "lobby");

  const page = await (await browser.newPlayer()).newPage();
  await page.goto(url);
  await waitScreen(page, "nickname");
  await shot(page, "1-nickname");

  const missing = await (await browser.newPlayer()).newPage();
  await missing.goto(`${origin}/join/NOPE`);
  await waitScreen(missing, "message");
  await shot(missing, "10-game-not-found");
  await missing.close();

  await page.fill("#name", "ada");
  await exhaustJoinRate(origin);
  await page.click("#join");
  await page.waitForFunction(() => document.getElementById("name-error")?.textContent, null, {
    timeout: 30000,
  });
  await shot(page, "2-nickname-taken");

  await page.fill("#name", "Grace");
  await exhaustJoinRate(origin);
  await page.click("#join");
  await waitScreen(page, "busy");
  await shot(page, "3-host-busy");
  await waitScreen(page, "lobby");
  await shot(page, "4-lobby");

  // The game starts once a third player is connected.
  const third = await (await browser.newPlayer()).newPage();
  await third.goto(url);
  await third.fill("#name", "Lin");
  await third.click("#join");
  await nextQuestion(page, -1);
  await page.waitForTimeout(1200);
  await shot(page, "5-question");
  await page.click('button[data-option="1"]');
  await page.waitForSelector('#answer-status[data-status="locked"]');
  await shot(page, "6-answer-locked");

  // The same screen on a desktop browser.
  await other.setViewportSize({ width: 1024, height: 640 });
  await other.waitForTimeout(200);
  await shot(other, "11-desktop-question");
  await other.click('button[data-option="3"]');
  await nextQuestion(third, -1);
  await third.click('button[data-option="1"]');
  await waitScreen(page, "result");
  await shot(page, "7-result");

  // Drop the connections and new ones for a while: the page retries with backoff.
  // Meanwhile the host opens the second question.
  proxy.dropNew = true;
  proxy.cut();
  await waitScreen(page, "reconnecting");
  await page.waitForFunction(() => Number(document.body.dataset.reconnects) >= 3, null, {
    timeout: 30000,
  });
  await shot(page, "8-reconnecting");
  proxy.dropNew = false;
  await page.waitForFunction(() => document.body.dataset.screen !== "reconnecting", null, {
    timeout: 30000,
  });

  // The second question opened meanwhile; the page gets it on resubscribing.
  await nextQuestion(page, 0);
  await page.click('button[data-option="2"]');
  await nextQuestion(other, 0);
  await other.click('button[data-option="4"]');
  await nextQuestion(third, 0);
  await third.click('button[data-option="2"]');
  await waitScreen(page, "final");
  await shot(page, "9-final");

} finally {
  await browser.close();
  proxy.close();
  host.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
}
