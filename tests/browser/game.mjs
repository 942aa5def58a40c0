// Plays browser players through a whole game and prints one JSON line per finding on stdout.
//
//   node game.mjs '{"url": JOIN_URL, "players": [PLAYER, ...], "proxy": PROXY}'
//
// PLAYER is {"name": "Wen", "answers": [2, 1, ...]} with 1-based options per question (a
// missing entry answers 1). Optional fields:
//   "busy": true       use up the host's join rate just before joining, so the page must show
//                      "Host busy" and retry;
//   "reload_after": i  reload the page once the result of question i is shown;
//   "cut_after": i     cut every connection through the proxy then.
// PROXY, when given, is {"listen": PORT, "target": PORT}: a TCP relay on 127.0.0.1 that the
// host's --public-url points at, so the test can drop the browser's WebSocket.
//
// Output lines: {"event":"final","name","rank","score"}, {"event":"busy","name","retries"},
// {"event":"reloaded","name","before","after"} and {"event":"cut","name","before","after"}.

import {
  launch,
  joinAs,
  nextQuestion,
  answer,
  waitForResult,
  finalStanding,
  startProxy,
} from "./lib.mjs";

const config = JSON.parse(process.argv[2]);

function emit(line) {
  process.stdout.write(JSON.stringify(line) + "\n");
}

/**
 * Sends requests to the game info endpoint until the host answers 429, so that the next join
 * finds the join rate used up. That endpoint shares the join endpoint's limiter.
 */
async function exhaustJoinRate() {
  const { origin, pathname } = new URL(config.url);
  const code = pathname.split("/").pop();
  for (let i = 0; i < 100; i++) {
    const response = await fetch(`${origin}/api/games/${code}`);
    if (response.status === 429) return;
  }
  throw new Error("the host never answered 429; start it with a low --join-rate");
}

async function scoreShown(page) {
  return Number(await page.getAttribute("#me", "data-score"));
}

async function play(browser, player, proxy) {
  const context = await browser.newPlayer();
  try {
    await playOn(context, player, proxy);
  } catch (error) {
    // Say what the page showed, so a failed test explains itself.
    for (const page of context.pages()) {
      const shown = await page.evaluate(
        () => `screen=${document.body.dataset.screen}: ${document.body.innerText}`,
      ).catch((e) => `(page unreadable: ${e.message})`);
      console.error(`[${player.name}] ${shown.replace(/\s+/g, " ")}`);
    }
    throw error;
  }
}

async function playOn(context, player, proxy) {
  const page = await joinAs(context, config.url, player.name, async () => {
    if (player.busy) await exhaustJoinRate();
  });
  if (player.busy) {
    const retries = Number(await page.evaluate(() => document.body.dataset.joinRetries || 0));
    emit({ event: "busy", name: player.name, retries });
  }
  let last = -1;
  for (;;) {
    const index = await nextQuestion(page, last);
    if (index === null) break;
    await answer(page, index, player.answers[index] ?? 1);
    last = index;

    if (player.reload_after === index || player.cut_after === index) {
      const before = await waitForResult(page, index);
      if (player.reload_after === index) {
        await page.reload();
        const after = await waitForScore(page, before);
        emit({ event: "reloaded", name: player.name, before, after });
      } else {
        proxy.cut();
        await page.waitForFunction(() => Number(document.body.dataset.reconnects) >= 1, null, {
          timeout: 10000,
        });
        const after = await waitForScore(page, before, ["lobby", "question", "result"]);
        emit({ event: "cut", name: player.name, before, after });
      }
    }
  }
  const standing = await finalStanding(page);
  emit({ event: "final", name: player.name, ...standing });
}

/** Waits until the page is back on a game screen showing a score, and returns that score. */
async function waitForScore(page, expected, screens = ["lobby", "question", "result", "final"]) {
  await page.waitForFunction(
    ([want, allowed]) => {
      const me = document.getElementById("me");
      return allowed.includes(document.body.dataset.screen) && me && me.dataset.score === String(want);
    },
    [expected, screens],
    { timeout: 20000, polling: 50 },
  ).catch(() => {});
  return scoreShown(page);
}

const proxy = config.proxy ? await startProxy(config.proxy) : null;
const browser = await launch();
let failed = false;
try {
  await Promise.all(config.players.map((player) => play(browser, player, proxy)));
} catch (error) {
  failed = true;
  console.error(`browser players failed: ${error.stack || error}`);
} finally {
  await browser.close();
  if (proxy) proxy.close();
}
process.exit(failed ? 1 : 0);
