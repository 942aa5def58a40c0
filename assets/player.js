// The web player. It joins through POST /api/games/{code}/players and plays over the host's
// WebSocket protocol, the same way `quizcast play` does (docs/PROTOCOL.md describes both).
//
// All state lives in `app`; `show()` redraws the current screen from it. The session (player
// id, token, epoch, last sequence numbers) is kept in localStorage per host and game code, so
// a reload or a phone coming back from sleep continues as the same player with its score.
import { createViews, h, retryText, thousands } from "./player-views.js";

// Capped exponential steps with full jitter, as the terminal client uses.
const JOIN_STEP_MS = 100;
const JOIN_STEP_CAP_MS = 5000;
const JOIN_GIVE_UP_MS = 120000;
const RECONNECT_STEP_MS = 250;
const RECONNECT_STEP_CAP_MS = 10000;
const RECONNECT_GIVE_UP_MS = 300000;
// The host sends a keep-alive every 20 s. A socket silent for longer than this after the
// page comes back to the foreground is treated as dead.
const STALE_AFTER_MS = 30000;
const DEFAULT_CONNECTION_TIMEOUT_MS = 60000;
// The host accepts nicknames of 1 to 20 graphemes (src/nickname.rs).
const MAX_NICKNAME_GRAPHEMES = 20;

// Close codes from src/protocol.rs. The first four end the session for good.
const CLOSE_HOST_ENDED = 4000;
const CLOSE_GAME_OVER = 4001;
const CLOSE_KICKED = 4002;
const CLOSE_UNAUTHORIZED = 4003;
const CLOSE_RATE_LIMITED = 4004;
const CLOSE_TOO_SLOW = 4005;
const FINAL_CLOSES = [CLOSE_HOST_ENDED, CLOSE_GAME_OVER, CLOSE_KICKED, CLOSE_UNAUTHORIZED];

const code = document.body.dataset.code;
const storageKey = "quizcast:" + location.host + ":" + code.toUpperCase();

const app = {
  screen: "loading",
  session: loadSession(),
  standing: null, // {score, rank, players, streak, correct}
  question: null, // {index, total, text, options, deadline, timeLimit, points, chosen, status, reason, correct}
  result: null,
  finalStanding: null,
  retry: null, // {label, until, attempt}
  message: null, // {title, text, retry: {label, action} or null}
  formError: null,
  ws: null,
  connected: false,
  gameOver: false,
  stopped: false,
  gaveUp: false, // stopped after RECONNECT_GIVE_UP_MS of failed reconnects
  replaying: false,
  pendingSubscribes: 0,
  lastFrameAt: 0,
  connectionTimeoutMs: DEFAULT_CONNECTION_TIMEOUT_MS,
  reconnectStep: RECONNECT_STEP_MS,
  reconnectStarted: 0,
  reconnectAttempt: 0,
  joinRetries: 0, // join attempts retried since the page loaded, shown in body[data-join-retries]
  reconnectCount: 0, // reconnects scheduled since the page loaded, shown in body[data-reconnects]
  timer: null,
  ticker: null,
  publishCount: 0,
  clockOffsetMs: null, // this device's clock minus the host's, see noteClockOffset()
};

// ---- storage ----

function loadSession() {
  try {
    const raw = localStorage.getItem(storageKey);
    return raw ? JSON.parse(raw) : null;
  } catch (e) {
    return null;
  }
}

function saveSession() {
  try {
    if (app.session) {
      localStorage.setItem(storageKey, JSON.stringify(app.session));
    } else {
      localStorage.removeItem(storageKey);
    }
  } catch (e) {
    // Private browsing may refuse storage; the game still works until the tab closes.
  }
}

// Forgets the stored session but keeps its nickname in the form, to join again under it.
function forgetSession() {
  if (app.session && app.session.name) app.lastName = app.session.name;
  app.session = null;
  saveSession();
}

function newPlayerId() {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return "w-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function jitter(step) {
  return Math.random() * step;
}

// ---- screens ----

const VIEWS = createViews(app, { onJoinSubmit, answer, newGame });

function show(screen) {
  if (screen) app.screen = screen;
  document.body.dataset.screen = app.screen;
  const main = document.getElementById("screen");
  const view = VIEWS[app.screen] || VIEWS.loading;
  main.replaceChildren(...[].concat(view()));
  renderMe();
  const focus = main.querySelector("[data-focus]");
  if (focus) focus.focus();
  updateTicker();
}

function renderMe() {
  const me = document.getElementById("me");
  if (!app.session || !app.session.name) {
    me.hidden = true;
    return;
  }
  me.hidden = false;
  me.dataset.score = app.standing ? app.standing.score : "";
  const parts = [h("b", { class: "name" }, app.session.name)];
  if (app.standing) parts.push(h("span", { class: "points" }, "\u00A0\u00B7 " + thousands(app.standing.score) + " pts"));
  me.replaceChildren(...parts);
}

// The countdown and retry texts change every 100 ms; only those nodes are updated. Both are
// marked aria-live="off", so screen readers inside the live <main> do not read every tick.
function updateTicker() {
  const needed =
    (app.screen === "question" && app.question && app.question.deadline) ||
    app.screen === "busy" ||
    app.screen === "reconnecting";
  if (needed && !app.ticker) app.ticker = setInterval(tick, 100);
  if (!needed && app.ticker) {
    clearInterval(app.ticker);
    app.ticker = null;
  }
  tick();
}

function tick() {
  if (app.screen === "question" && app.question) {
    const q = app.question;
    const left = Math.max(0, q.deadline - performance.now());
    const countdown = document.getElementById("countdown");
    const bar = document.getElementById("timebar");
    if (countdown) {
      countdown.textContent = Math.ceil(left / 1000) + " s";
      countdown.classList.toggle("low", left < 5000);
    }
    if (bar) bar.style.width = ((100 * left) / q.timeLimit).toFixed(1) + "%";
    if (left === 0 && q.status === "open") {
      q.status = "timeup";
      show();
    }
  } else if (app.screen === "busy" || app.screen === "reconnecting") {
    const status = document.getElementById("retry-status");
    if (status && app.retry) status.textContent = retryText(app);
  }
}

// The latest announcement from the host stays above every screen until the next one.
function showNews(text) {
  const news = document.getElementById("news");
  news.textContent = text;
  news.hidden = !text;
}

function showMessage(title, text, retry) {
  app.message = { title, text, retry };
  show("message");
}

// ---- joining ----

function onJoinSubmit(event) {
  event.preventDefault();
  const name = document.getElementById("name").value.trim();
  app.lastName = name;
  const length = graphemeCount(name);
  if (length < 1 || length > MAX_NICKNAME_GRAPHEMES) {
    app.formError = "Type a nickname of 1 to 20 characters.";
    show("nickname");
    return;
  }
  app.formError = null;
  const session = { player_id: newPlayerId(), name, token: null };
  join(session);
}

// Counts what a reader sees as characters, as the host does: a flag or a family emoji is one,
// though it is several code points.
function graphemeCount(text) {
  if (typeof Intl === "object" && Intl.Segmenter) {
    return [...new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(text)].length;
  }
  // Without Intl.Segmenter the host's reply still reports a name that is too long.
  return Math.min([...text].length, MAX_NICKNAME_GRAPHEMES);
}

// Joins, or gets an earlier session back when `session.token` is set, retrying 429, 503 and
// network failures with capped exponential backoff and full jitter.
async function join(session) {
  show("joining");
  const started = performance.now();
  let step = JOIN_STEP_MS;
  let attempt = 1;
  for (;;) {
    const outcome = await postJoin(session);
    if (outcome.joined) {
      connectAs(outcome.joined);
      return;
    }
    if (!outcome.retry) {
      handleJoinRejection(session, outcome);
      return;
    }
    const wait = outcome.retryAfterMs + jitter(step);
    step = Math.min(step * 2, JOIN_STEP_CAP_MS);
    if (performance.now() - started + wait > JOIN_GIVE_UP_MS) {
      const title = outcome.label === "Host busy" ? "The host is still busy" : "Cannot reach the host";
      showMessage(title, outcome.why, {
        label: "Try again",
        action: () => join(session),
      });
      return;
    }
    attempt += 1;
    app.joinRetries += 1;
    document.body.dataset.joinRetries = String(app.joinRetries);
    app.retry = { label: outcome.label, until: performance.now() + wait, attempt };
    show("busy");
    await new Promise((resolve) => setTimeout(resolve, wait));
    show("joining");
  }
}

async function postJoin(session) {
  const body = { player_id: session.player_id, name: session.name };
  if (session.token) body.token = session.token;
  let response;
  try {
    response = await fetch("/api/games/" + encodeURIComponent(code) + "/players", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      cache: "no-store",
    });
  } catch (e) {
    return { retry: true, retryAfterMs: 0, label: "Host unreachable", why: "The host cannot be reached: check that you are on the same network as the host." };
  }
  let data = null;
  try {
    data = await response.json();
  } catch (e) {
    data = null;
  }
  if (response.status === 200 || response.status === 201) return { joined: data };
  if (response.status === 429 || response.status === 503) {
    let wait = data && typeof data.retry_after_ms === "number" ? data.retry_after_ms : null;
    if (wait === null) wait = 1000 * (Number(response.headers.get("retry-after")) || 0);
    return { retry: true, retryAfterMs: wait, label: "Host busy", why: "The host is admitting players more slowly than they arrive. Try again in a moment." };
  }
  return {
    status: response.status,
    errorType: data && data.error_type,
    error: (data && data.error) || "the host answered HTTP " + response.status,
  };
}

function handleJoinRejection(session, outcome) {
  const returning = Boolean(session.token);
  switch (outcome.errorType) {
    case "InvalidNickname":
    case "NicknameTaken":
      app.formError = capitalize(outcome.error) + ".";
      show("nickname");
      return;
    case "PlayerIdTaken":
      // The host does not recognize this token (a new game under the same code, or a host
      // restarted without its database), so this browser joins as a new player.
      forgetSession();
      app.formError = returning ? "The host does not know your earlier session; join again." : capitalize(outcome.error) + ".";
      show("nickname");
      return;
    case "PlayerKicked":
      // No reconnect when the page comes back to the foreground: the token stays revoked.
      app.stopped = true;
      showMessage("Removed from the game", capitalize(outcome.error) + ".");
      return;
    case "GameNotFound":
      forgetSession();
      showMessage("Game not found", "No game with code " + code + " runs on this host. Check the code on the host's screen.");
      return;
    case "GameOver":
      showMessage("This game has ended", "Ask the host for the next game's QR code.");
      return;
    case "GameEnded":
      showMessage("The host stopped", "The host is shutting down this game.");
      return;
    default:
      app.formError = capitalize(outcome.error) + ".";
      show("nickname");
  }
}

function capitalize(text) {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}

// ---- WebSocket ----

function connectAs(joined) {
  const previous = app.session;
  app.session = {
    player_id: joined.player_id,
    name: joined.name,
    token: joined.token,
    code: joined.code,
    ws_url: joined.ws_url,
    epoch: previous && previous.token === joined.token ? previous.epoch : null,
    seq: previous && previous.token === joined.token ? previous.seq || {} : {},
  };
  saveSession();
  app.stopped = false;
  app.reconnectStarted = 0;
  app.reconnectStep = RECONNECT_STEP_MS;
  app.reconnectAttempt = 0;
  if (app.screen === "joining" || app.screen === "busy") show("lobby");
  openSocket();
}

function openSocket() {
  closeSocket();
  const ws = new WebSocket(app.session.ws_url);
  app.ws = ws;
  app.connected = false;
  app.lastFrameAt = performance.now();
  ws.onopen = () => send({ type: "connection_init", token: app.session.token });
  ws.onmessage = (event) => {
    if (ws !== app.ws) return;
    app.lastFrameAt = performance.now();
    armWatchdog();
    let message;
    try {
      message = JSON.parse(event.data);
    } catch (e) {
      return;
    }
    onMessage(message);
  };
  ws.onclose = (event) => {
    if (ws !== app.ws) return;
    app.ws = null;
    app.connected = false;
    clearTimeout(app.timer);
    onClose(event.code, event.reason);
  };
  armWatchdog();
}

function closeSocket() {
  clearTimeout(app.timer);
  if (app.ws) {
    const ws = app.ws;
    app.ws = null;
    try {
      ws.close(1000, "bye");
    } catch (e) {
      // Already closing.
    }
  }
}

// Treats a connection that has been silent for the host's connection timeout as dead.
function armWatchdog() {
  clearTimeout(app.timer);
  app.timer = setTimeout(() => {
    if (app.ws) {
      closeSocket();
      onClose(1006, "no message from the host for " + app.connectionTimeoutMs / 1000 + " s");
    }
  }, app.connectionTimeoutMs + 5000);
}

function send(message) {
  if (app.ws && app.ws.readyState === WebSocket.OPEN) {
    app.ws.send(JSON.stringify(message));
    return true;
  }
  return false;
}

function subscribe(id, channel, sinceSeq) {
  const message = { type: "subscribe", id, channel };
  if (sinceSeq !== null && sinceSeq !== undefined) message.since_seq = sinceSeq;
  send(message);
}

function onMessage(message) {
  switch (message.type) {
    case "connection_ack":
      onAck(message);
      break;
    case "connection_error":
      onConnectionError(message.errors && message.errors[0]);
      break;
    case "subscribe_success":
      app.pendingSubscribes -= 1;
      if (app.pendingSubscribes <= 0) app.replaying = false;
      break;
    case "subscribe_error":
      showMessage("Cannot follow the game", errorText(message.errors));
      break;
    case "publish_success":
      onAnswerAccepted(message.id);
      break;
    case "publish_error":
      onAnswerRejected(message.id, message.errors && message.errors[0]);
      break;
    case "data":
      if (!app.replaying) noteClockOffset(message.event.sent_at_ms);
      if (app.session.seq) app.session.seq[message.id] = message.seq;
      saveSession();
      onEvent(message.id, message.event);
      break;
    default:
      // `ka` keeps the connection alive; `error` reports a frame the host could not read.
      break;
  }
}

function errorText(errors) {
  return errors && errors[0] ? errors[0].message : "the host reported an error";
}

function onAck(ack) {
  const s = app.session;
  app.connected = true;
  app.connectionTimeoutMs = ack.connection_timeout_ms || DEFAULT_CONNECTION_TIMEOUT_MS;
  const sameRun = s.epoch === ack.epoch;
  s.epoch = ack.epoch;
  if (!sameRun) s.seq = {};
  saveSession();
  app.reconnectStarted = 0;
  app.reconnectStep = RECONNECT_STEP_MS;
  app.reconnectAttempt = 0;

  // Frames before both subscribe replies are replays of what was missed, in this host run.
  app.replaying = sameRun && (s.seq.q !== undefined || s.seq.me !== undefined);
  app.pendingSubscribes = 3;
  subscribe("q", "/game/" + s.code + "/questions", sameRun ? s.seq.q : null);
  subscribe("me", "/game/" + s.code + "/players/" + s.player_id, sameRun ? s.seq.me : null);
  subscribe("news", "/game/" + s.code + "/announcements", sameRun ? s.seq.news : null);

  // An answer chosen while the connection was down goes out now if its question is open.
  const q = app.question;
  if (q && q.status === "sending" && q.deadline > performance.now()) {
    q.resent = true;
    publishAnswer(q);
  }
  if (["reconnecting", "loading", "message"].includes(app.screen)) {
    let screen = "lobby";
    if (app.question && !app.question.done) screen = "question";
    else if (app.result) screen = "result";
    show(screen);
  }
}

function onConnectionError(error) {
  const type = error && error.error_type;
  if (type === "PlayerKicked") {
    app.stopped = true;
    closeSocket();
    showMessage("You were removed from the game", error.message || "The host removed you from the game.");
    return;
  }
  if (type === "Unauthorized") {
    app.stopped = true;
    forgetSession();
    app.formError = "The host does not know your session any more; join again.";
    closeSocket();
    show("nickname");
  }
}

function onEvent(id, event) {
  switch (event.kind) {
    case "announcement":
      showNews(event.text);
      break;
    case "question":
      onQuestion(event);
      break;
    case "question_closed":
      onQuestionClosed(event);
      break;
    case "game_over":
      onGameOver();
      break;
    case "result":
      setStanding(event);
      app.result = event;
      if (app.question && app.question.index === event.index) app.question.done = true;
      show("result");
      break;
    case "snapshot":
      setStanding(event);
      // The host has an answer to the open question, from this tab or another one. An answer
      // this tab is sending is settled by the host's reply to it instead.
      if (app.question && event.answered === app.question.index && !["locked", "sending"].includes(app.question.status)) {
        app.question.status = "locked";
        if (app.screen === "question") show();
      }
      // A restarted host closes the open question without sending results, then sends a
      // snapshot, so the page shows that standing instead of waiting for a result.
      if (app.question && !app.question.done && app.question.status === "closed") {
        app.question.status = "standing";
        if (app.screen === "question") show();
      }
      renderMe();
      if (app.screen === "lobby") show();
      break;
    case "final":
      app.finalStanding = event;
      app.session.final = event;
      saveSession();
      show("final");
      break;
    default:
      break;
  }
}

// Keeps the smallest difference seen between this device's clock and the host's `sent_at_ms`
// on events delivered live: the clock offset plus the quickest delivery.
function noteClockOffset(sentAtMs) {
  if (typeof sentAtMs !== "number") return;
  const offset = Date.now() - sentAtMs;
  if (app.clockOffsetMs === null || offset < app.clockOffsetMs) app.clockOffsetMs = offset;
}

function setStanding(event) {
  app.standing = {
    score: event.score,
    rank: event.rank,
    players: event.players,
    streak: event.streak,
    correct: event.correct,
  };
}

function onQuestion(event) {
  if (app.question && app.question.index >= event.index) return;
  let remaining = event.remaining_ms;
  if (app.replaying) {
    // A replayed question carries the time left when it was first sent. Its age is measured
    // on the host's clock, because a phone's clock may be off by seconds or more.
    const age = Date.now() - (app.clockOffsetMs ?? 0) - event.sent_at_ms;
    remaining = Math.max(0, remaining - Math.max(0, age));
  }
  app.question = {
    index: event.index,
    total: event.total,
    text: event.text,
    options: event.options,
    points: event.points,
    timeLimit: event.time_limit_ms,
    deadline: performance.now() + remaining,
    chosen: null,
    status: remaining > 0 ? "open" : "timeup",
    reason: null,
    correct: null,
    done: false,
  };
  show("question");
}

function onQuestionClosed(event) {
  const q = app.question;
  if (!q || q.index !== event.index) return;
  q.correct = event.correct;
  if (q.status !== "locked") q.status = "closed";
  else q.status = "locked";
  q.deadline = performance.now();
  if (app.screen === "question") show();
}

function onGameOver() {
  app.gameOver = true;
  app.stopped = true;
  closeSocket();
  if (app.finalStanding) show("final");
  else showMessage("Game over", "The game has ended.");
}

// ---- answers ----

function answer(option) {
  const q = app.question;
  if (!q || q.chosen !== null || q.status !== "open") return;
  q.chosen = option;
  q.status = "sending";
  show();
  publishAnswer(q);
}

function publishAnswer(q) {
  app.publishCount += 1;
  q.publishId = "a" + q.index + "-" + app.publishCount;
  send({
    type: "publish",
    id: q.publishId,
    channel: "/game/" + app.session.code + "/answers",
    events: [{ index: q.index, option: q.chosen }],
  });
}

function onAnswerAccepted(id) {
  const q = app.question;
  if (!q || q.publishId !== id) return;
  q.status = "locked";
  if (app.screen === "question") show();
}

function onAnswerRejected(id, error) {
  const q = app.question;
  if (!q || q.publishId !== id) return;
  if (error && error.error_type === "DuplicateAnswer") {
    q.status = "locked";
    // Unless this is a resend after a reconnect, the answer that counts came from another tab
    // or device of this player, and the host does not say which option it was.
    if (!q.resent) {
      q.chosen = null;
      q.answeredElsewhere = true;
    }
  } else {
    q.status = "rejected";
    q.reason = error ? error.message : "unknown error";
  }
  if (app.screen === "question") show();
}

// ---- closing and reconnecting ----

const CLOSE_TEXT = {
  [CLOSE_HOST_ENDED]: ["The host ended the game", "The host closed this game. Thanks for playing."],
  [CLOSE_GAME_OVER]: ["Game over", "The game is over."],
  [CLOSE_KICKED]: ["Removed from the game", "The host removed you from this game."],
  [CLOSE_UNAUTHORIZED]: ["Session not accepted", "The host did not accept this session. Join again to play."],
  [CLOSE_RATE_LIMITED]: ["Too many messages", "This page sent messages faster than the host allows."],
  [CLOSE_TOO_SLOW]: ["Connection too slow", "This device did not keep up with the game's messages."],
  1009: ["Message too large", "The host refused a message from this page as too large."],
  1001: ["Connection idle", "The host heard nothing from this device for a while."],
  1008: ["Connection refused", "The host closed the connection."],
};

function closeReason(codeNumber, reason) {
  const known = CLOSE_TEXT[codeNumber];
  const title = known ? known[0] : "Connection lost";
  let text = known ? known[1] : "The connection to the host dropped.";
  if (reason) text += " (" + reason + ")";
  return [title, text];
}

function onClose(closeCode, reason) {
  if (app.gameOver || app.stopped) return;
  const [title, text] = closeReason(closeCode, reason);
  if (FINAL_CLOSES.includes(closeCode)) {
    app.stopped = true;
    // A kicked player's session stays stored, so a reload shows the kick again instead of
    // the nickname form.
    if (closeCode === CLOSE_UNAUTHORIZED) forgetSession();
    if (closeCode === CLOSE_GAME_OVER && app.finalStanding) {
      show("final");
      return;
    }
    const rejoin = closeCode === CLOSE_UNAUTHORIZED ? { label: "Join again", action: () => show("nickname") } : null;
    showMessage(title, text, rejoin);
    return;
  }
  scheduleReconnect(title, text);
}

function scheduleReconnect(title, why) {
  const now = performance.now();
  if (!app.reconnectStarted) app.reconnectStarted = now;
  if (now - app.reconnectStarted > RECONNECT_GIVE_UP_MS) {
    app.stopped = true;
    app.gaveUp = true;
    showMessage("Cannot reach the host", title + ". " + why, { label: "Reconnect", action: reconnectNow });
    return;
  }
  const wait = jitter(app.reconnectStep);
  app.reconnectStep = Math.min(app.reconnectStep * 2, RECONNECT_STEP_CAP_MS);
  app.reconnectAttempt += 1;
  app.reconnectCount += 1;
  document.body.dataset.reconnects = String(app.reconnectCount);
  app.retry = { label: title, why, until: now + wait, attempt: app.reconnectAttempt };
  show("reconnecting");
  clearTimeout(app.reconnectTimer);
  app.reconnectTimer = setTimeout(() => {
    if (!app.ws && !app.stopped) openSocket();
  }, wait);
}

function reconnectNow() {
  if (!app.session || !app.session.token || app.gameOver) return;
  clearTimeout(app.reconnectTimer);
  app.stopped = false;
  app.gaveUp = false;
  app.reconnectStarted = 0;
  app.reconnectStep = RECONNECT_STEP_MS;
  openSocket();
}

// A phone that locks or puts the tab in the background usually loses the socket. When the
// page is back, reconnect at once instead of waiting out the backoff, and drop a socket that
// has been silent for longer than the keep-alive interval.
function onForeground() {
  if (document.visibilityState === "hidden") return;
  if (!app.session || !app.session.token || app.gameOver) return;
  // The join in progress opens the socket itself.
  if (["nickname", "joining", "busy"].includes(app.screen)) return;
  // A final close code stops for good; only giving up after the reconnect budget is undone.
  if (app.stopped && !app.gaveUp) return;
  const silentFor = performance.now() - app.lastFrameAt;
  if (!app.ws || app.ws.readyState > WebSocket.OPEN || silentFor > STALE_AFTER_MS) {
    reconnectNow();
  }
}

document.addEventListener("visibilitychange", onForeground);
window.addEventListener("pageshow", (event) => {
  if (event.persisted) onForeground();
});
window.addEventListener("online", onForeground);

// ---- start ----

// Forgets this game's session, for a new game that reuses the code (`--code`) or another
// player on the same phone.
function newGame() {
  forgetSession();
  closeSocket();
  Object.assign(app, {
    standing: null,
    question: null,
    result: null,
    finalStanding: null,
    gameOver: false,
    stopped: false,
    formError: null,
  });
  show("nickname");
}

function start() {
  if (document.body.dataset.game === "missing") {
    showMessage("Game not found", "No game with code " + code + " runs on this host. Check the code on the host's screen, or scan its QR code again.");
    return;
  }
  const s = app.session;
  if (s && s.final) {
    app.finalStanding = s.final;
    app.gameOver = true;
    show("final");
    return;
  }
  if (s && s.token) {
    // This page starts with no game state, so it asks for the current state rather than a
    // replay after the sequence numbers an earlier page saw.
    s.seq = {};
    // Come back as the same player: the join endpoint returns the session for its token.
    join({ player_id: s.player_id, name: s.name, token: s.token });
    return;
  }
  show("nickname");
}

start();