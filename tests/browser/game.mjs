// Plays browser players through a whole game and prints one JSON line per finding on stdout.
//
//   node game.mjs '{"url": JOIN_URL, "players": [PLAYER, ...], "proxy": PROXY}'
//
// PLAYER is {"name": "Wen", "answers": [2, 1, ...]} with 1-based options per question (a
// missing entry answers 1). Optional fields:
//   "busy": true       use up the host's join rate just before joining, so the page must show
//                      "Host busy" and retry;
//   "reload_after": i  reload the page once the result of question i is shown;
//   "cut_after": i     cut every connection through the proxy then;
//   "wake_in_lobby": true  in the lobby, cut the connection and keep the proxy dropping new
//                      ones until a retry is 1.5 s away, then let them through and send the
//                      page a visibilitychange event, as when a phone is unlocked;
//   "join_after": NAME join only after player NAME is in the lobby and has done its
//                      "wake_in_lobby" step, if it has one;
//   "reload_final": true  after the final screen, reload the page, then click "Join another
//                      game";
//   "check_results": true  wait for each question's result screen, which checks that a wrong
//                      answer's result shows the option the player chose;
//   "expect_news": true  with "expect_close": after "ready", wait for an announcement and
//                      print {"event":"news","name","text"} before waiting for the close;
//   "lobby_players": N  once the host reports N players, print {"event":"lobby","name",
//                      "text"} with the text of the page's lobby;
//   "reload_after_close": true  with "expect_close": then reload the page and print
//                      {"event":"closed_reloaded", ...} with what it shows, as for "closed";
//   "reload_first": true  with "expect_close": reload the page once before "ready";
//   "expect_close": true  join, print {"event":"ready"} once subscribed, then wait for the
//                      page to stop playing (a message, or the nickname form again) and
//                      report what it shows, with the form's nickname as "name_value".
//   "check_fit": true  on the lobby, each question, each result and the final screen, print
//                      {"event":"fit","name","screen","scroll_width","view_width","code_shown",
//                      "countdown_live"}: the page's width against the viewport's, whether the
//                      game code in the header is visible, and the aria-live value that
//                      applies to the countdown (null when there is none).
//   "miss_question": i  after the result of question i - 1, close the page's WebSocket and
//                      reject new ones until the host has question i open, then let the page
//                      reconnect, so that it gets question i as a replay; print
//                      {"event":"missed","name","status","countdown_s"} with the answer status
//                      and the countdown it then shows;
//   "clock_ahead_ms": N  run the page with a wall clock N ms ahead of the host's;
//   "twin_answer": N   when question 0 opens, open the join URL in a second tab of the same
//                      browser, which continues the stored session; once the first tab's
//                      answer is locked in, click option N in the second tab and print
//                      {"event":"twin","name","status","chosen","text"} with what the second
//                      tab then shows;
//   "expect_restart": true  join, print {"event":"question_open"} once question 0 is open,
//                      leave it unanswered, then wait until the page shows a standing for the
//                      closed question and print {"event":"restart_shown","name","status",
//                      "text","rank"};
// PROXY, when given, is {"listen": PORT, "target": PORT}: a TCP relay on 127.0.0.1 that the
// host's --public-url points at, so the test can drop the browser's WebSocket.
//
// Output lines: {"event":"final","name","rank","score"}, {"event":"busy","name","retries"},
// {"event":"reloaded","name","before","after"}, {"event":"cut","name","before","after"} and
// {"event":"woke","name","pending_ms","took_ms"}, {"event":"closed","name","screen","title",
// "text","reconnects"}, {"event":"final_reloaded","name","rank","score"} and
// {"event":"new_game_form","name","stored_sessions"}.

import {
  launch,
  joinAs,
  nextQuestion,
  answer,
  waitForResult,
  finalStanding,
  startProxy,
  STEP_TIMEOUT_MS,
} from "./lib.mjs";

const config = JSON.parse(process.argv[2]);

function emit(line) {
  process.stdout.write(JSON.stringify(line) + "\n");
}

/**
 * Sends requests to the game info endpoint, which shares the join endpoint's limiter, until
 * the host answers 429, so that a join sent now finds the join rate used up.
 */
async function exhaustJoinRate() {
  for (let i = 0; i < 1000; i++) {
    const response = await fetch(gameInfoUrl());
    if (response.status === 429) return;
  }
  throw new Error("the host never answered 429; start it with a low --join-rate");
}

/**
 * Keeps the join rate used up until `page` has retried its join once, so that a slow click
 * cannot slip the page's join into a free slot. Each freed slot goes to the next request here
 * within about a millisecond.
 */
async function keepJoinRateUsed(page) {
  let retried = false;
  const watch = page
    .waitForFunction(() => Number(document.body.dataset.joinRetries || 0) >= 1, null, {
      timeout: STEP_TIMEOUT_MS,
      polling: 20,
    })
    .then(() => (retried = true));
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  while (!retried && Date.now() < deadline) {
    await fetch(gameInfoUrl());
  }
  await watch;
}

function gameInfoUrl() {
  const { origin, pathname } = new URL(config.url);
  return `${origin}/api/games/${pathname.split("/").pop()}`;
}

async function scoreShown(page) {
  return Number(await page.getAttribute("#me", "data-score"));
}

async function play(browser, player, proxy) {
  const context = await browser.newPlayer();
  if (player.clock_ahead_ms) {
    await context.addInitScript((ahead) => {
      const hostNow = Date.now;
      Date.now = () => hostNow() + ahead;
    }, player.clock_ahead_ms);
  }
  if (player.miss_question !== undefined) player.sockets = await routeSockets(context);
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

// Resolves once the player named by the key is in the lobby, after any "wake_in_lobby" step.
const woken = new Map();
function wokenSignal(name) {
  if (!woken.has(name)) {
    let resolve;
    const promise = new Promise((done) => (resolve = done));
    woken.set(name, { promise, resolve });
  }
  return woken.get(name);
}

/**
 * Cuts the page's connection and keeps the relay dropping new ones until the page's next
 * retry is at least `MIN_PENDING_MS` away. Then the relay lets connections through again and
 * the page gets a `visibilitychange` event, as when a phone is unlocked. Returns the retry wait
 * that was pending and the time the page took to be back in the lobby.
 */
const MIN_PENDING_MS = 1500;
async function wakeInLobby(page, proxy) {
  proxy.dropNew = true;
  proxy.cut();
  const handle = await page.waitForFunction(
    (min) => {
      const status = document.getElementById("retry-status");
      const match = status && /Retrying in ([0-9.]+) s/.exec(status.textContent);
      const pending = match ? Number(match[1]) * 1000 : 0;
      return pending >= min ? pending : false;
    },
    MIN_PENDING_MS,
    { timeout: 60000, polling: 50 },
  );
  const pendingMs = await handle.jsonValue();
  proxy.dropNew = false;
  const started = Date.now();
  await page.evaluate(() => document.dispatchEvent(new Event("visibilitychange")));
  await page.waitForSelector('body[data-screen="lobby"]', { timeout: 20000 });
  return { pendingMs, tookMs: Date.now() - started };
}

/**
 * Routes the WebSocket connections of `context` through Playwright, so that the test can close
 * them (`cut()`) and reject new ones while `blocked` is set.
 */
async function routeSockets(context) {
  const sockets = { blocked: false, open: new Set() };
  sockets.cut = () => {
    for (const ws of sockets.open) ws.close({ code: 1012, reason: "dropped by the test" });
    sockets.open.clear();
  };
  await context.routeWebSocket(/\/ws$/, (ws) => {
    if (sockets.blocked) {
      ws.close({ code: 1012, reason: "rejected by the test" });
      return;
    }
    ws.connectToServer();
    sockets.open.add(ws);
  });
  return sockets;
}

/**
 * Drops the page's connection until the host has question `index` open, then brings the page
 * back and prints what it shows once the question arrives.
 */
async function missQuestion(page, player, index) {
  player.sockets.blocked = true;
  player.sockets.cut();
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    const info = await (await fetch(gameInfoUrl())).json();
    if (info.state === "question") break;
    if (Date.now() > deadline) throw new Error(`question ${index} never opened: ${JSON.stringify(info)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  player.sockets.blocked = false;
  await page.evaluate(() => document.dispatchEvent(new Event("visibilitychange")));
  await page.waitForFunction(
    (i) => {
      const text = document.getElementById("question-text");
      const countdown = document.getElementById("countdown");
      return text && text.dataset.index === String(i) && countdown && countdown.textContent;
    },
    index,
    { timeout: STEP_TIMEOUT_MS, polling: 50 },
  );
  const shown = await page.evaluate(() => ({
    status: document.getElementById("answer-status").dataset.status,
    countdown_s: parseInt(document.getElementById("countdown").textContent, 10),
  }));
  emit({ event: "missed", name: player.name, ...shown });
}

/** Waits until the host reports `player.lobby_players` players, then prints the lobby's text. */
async function reportLobby(page, player) {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    const info = await (await fetch(gameInfoUrl())).json();
    if (info.players >= player.lobby_players) break;
    if (Date.now() > deadline) throw new Error(`the host never had ${player.lobby_players} players`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await page.waitForSelector('#me[data-score="0"]', { timeout: STEP_TIMEOUT_MS });
  const text = await page.evaluate(() => document.getElementById("screen").innerText);
  emit({ event: "lobby", name: player.name, text });
}

/** Opens a second tab on the stored session and waits until it shows question 0 open. */
async function openTwin(context) {
  const twin = await context.newPage();
  await twin.goto(config.url);
  await nextQuestion(twin, -1);
  return twin;
}

/**
 * Clicks option `player.twin_answer` in the second tab `twin` and prints what the tab shows
 * once the host has replied.
 */
async function answerInTwin(twin, player) {
  await twin.click(`button[data-option="${player.twin_answer}"]`);
  await twin.waitForFunction(
    () => {
      const status = document.getElementById("answer-status");
      return status && !["open", "sending"].includes(status.dataset.status);
    },
    null,
    { timeout: STEP_TIMEOUT_MS, polling: 50 },
  );
  const shown = await twin.evaluate(() => {
    const chosen = document.querySelector(".option.chosen");
    const status = document.getElementById("answer-status");
    return {
      status: status.dataset.status,
      chosen: chosen ? Number(chosen.dataset.option) : null,
      text: status.textContent,
    };
  });
  emit({ event: "twin", name: player.name, ...shown });
  await twin.close();
}

/** Prints how the current screen fits the viewport (see "check_fit" above). */
async function checkFit(page, player) {
  if (!player.check_fit) return;
  const fit = await page.evaluate(() => {
    const game = document.querySelector(".bar .game").getBoundingClientRect();
    const code = document.querySelector(".bar .code").getBoundingClientRect();
    const countdown = document.getElementById("countdown");
    const live = countdown && countdown.closest("[aria-live]");
    return {
      screen: document.body.dataset.screen,
      scroll_width: document.documentElement.scrollWidth,
      view_width: window.innerWidth,
      code_shown: code.width > 0 && code.left >= game.left && code.right <= game.right + 0.5,
      countdown_live: live ? live.getAttribute("aria-live") : null,
    };
  });
  emit({ event: "fit", name: player.name, ...fit });
}

/** Returns what a page that stopped playing shows (see "expect_close"); runs in the page. */
function readShown() {
  const text = document.getElementById("message-text") || document.getElementById("name-error");
  return {
    screen: document.body.dataset.screen,
    title: document.querySelector("h1").textContent,
    text: text.textContent,
    reconnects: Number(document.body.dataset.reconnects || 0),
    name_value: document.getElementById("name") ? document.getElementById("name").value : null,
  };
}

async function playOn(context, player, proxy) {
  if (player.join_after) await wokenSignal(player.join_after).promise;
  let busy = null;
  const page = await joinAs(context, config.url, player.name, async (page) => {
    if (!player.busy) return;
    await exhaustJoinRate();
    busy = keepJoinRateUsed(page);
  });
  if (busy) {
    await busy;
    const retries = Number(await page.evaluate(() => document.body.dataset.joinRetries || 0));
    emit({ event: "busy", name: player.name, retries });
  }
  if (player.expect_restart) {
    await page.waitForSelector('#answer-status[data-status="open"]', { timeout: STEP_TIMEOUT_MS });
    emit({ event: "question_open", name: player.name });
    await page.waitForSelector('#answer-status[data-status="standing"]', { timeout: STEP_TIMEOUT_MS });
    const shown = await page.evaluate(() => ({
      status: document.getElementById("answer-status").dataset.status,
      text: document.getElementById("answer-status").textContent,
      rank: document.getElementById("standing") ? document.getElementById("standing").dataset.rank : null,
    }));
    emit({ event: "restart_shown", name: player.name, ...shown });
    return;
  }
  if (player.expect_close) {
    if (player.reload_first) await page.reload();
    // The standing arrives once the page has subscribed, so the host can reach it.
    await page.waitForSelector('#me[data-score="0"]', { timeout: STEP_TIMEOUT_MS });
    emit({ event: "ready", name: player.name });
    if (player.expect_news) {
      await page.waitForSelector("#news:not([hidden])", { timeout: STEP_TIMEOUT_MS });
      const text = await page.evaluate(() => document.getElementById("news").textContent);
      emit({ event: "news", name: player.name, text });
    }
    await page.waitForSelector('body[data-screen="message"], body[data-screen="nickname"]', {
      timeout: STEP_TIMEOUT_MS,
    });
    const shown = await page.evaluate(readShown);
    emit({ event: "closed", name: player.name, ...shown });
    if (player.reload_after_close) {
      await page.reload();
      await page.waitForSelector('body[data-screen="message"], body[data-screen="nickname"]', {
        timeout: STEP_TIMEOUT_MS,
      });
      emit({ event: "closed_reloaded", name: player.name, ...(await page.evaluate(readShown)) });
    }
    return;
  }
  if (player.wake_in_lobby) {
    const { pendingMs, tookMs } = await wakeInLobby(page, proxy);
    emit({ event: "woke", name: player.name, pending_ms: pendingMs, took_ms: tookMs });
  }
  wokenSignal(player.name).resolve();
  if (player.lobby_players) await reportLobby(page, player);
  await checkFit(page, player);
  let last = -1;
  for (;;) {
    const index = await nextQuestion(page, last);
    if (index === null) break;
    await checkFit(page, player);
    const twin = index === 0 && player.twin_answer ? await openTwin(context) : null;
    await answer(page, index, player.answers[index] ?? 1);
    last = index;
    if (twin) await answerInTwin(twin, player);
    if (player.check_fit || player.check_results) {
      await waitForResult(page, index);
      await checkFit(page, player);
    }
    if (player.miss_question === index + 1) {
      await waitForResult(page, index);
      await missQuestion(page, player, index + 1);
    }

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
  await checkFit(page, player);

  if (player.reload_final) {
    await page.reload();
    const kept = await finalStanding(page);
    emit({ event: "final_reloaded", name: player.name, ...kept });
    await page.click("#new-game");
    await page.waitForSelector('body[data-screen="nickname"]', { timeout: STEP_TIMEOUT_MS });
    const stored = await page.evaluate(() => Object.keys(localStorage).length);
    emit({ event: "new_game_form", name: player.name, stored_sessions: stored });
  }
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
