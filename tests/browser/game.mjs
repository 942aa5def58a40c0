// Plays browser players through a whole game and prints one JSON line per finding on stdout.
//
//   node game.mjs '{"url": JOIN_URL, "players": [PLAYER, ...], "proxy": PROXY}'
//
// PLAYER is {"name": "Wen", "answers": [2, 1, ...]} with 1-based options per question (a
// missing entry answers 1), plus optionally "reload_after": i to reload the page once the
// result of question i is shown, or "cut_after": i to cut every connection through the proxy
// then. PROXY, when given, is {"listen": PORT, "target": PORT}: a TCP relay on 127.0.0.1 that
// the host's --public-url points at, so the test can drop the browser's WebSocket.
//
// Lines: {"event":"final","name","rank","score"}, {"event":"reloaded","name","before","after"},
// {"event":"cut","name","before","after"}.

import net from "node:net";
import { launch, joinAs, nextQuestion, answer, waitForResult, finalStanding } from "./lib.mjs";

const config = JSON.parse(process.argv[2]);

function emit(line) {
  process.stdout.write(JSON.stringify(line) + "\n");
}

/** A TCP relay on 127.0.0.1 whose connections can all be cut at once. */
function startProxy({ listen, target }) {
  const sockets = new Set();
  const server = net.createServer((client) => {
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
      resolve({
        cut() {
          for (const socket of sockets) socket.destroy();
        },
        close() {
          this.cut();
          server.close();
        },
      }),
    );
  });
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
  const page = await joinAs(context, config.url, player.name);
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
