// The web player's screens: one builder per screen, each turning the player state into
// elements. Text goes in through text nodes only, never as HTML.

const SHAPES = ["\u25B2", "\u25C6", "\u25CF", "\u25A0", "\u2605", "\u2665\uFE0E"];
const SHAPE_NAMES = ["triangle", "diamond", "circle", "square", "star", "heart"];

/**
 * Creates element `tag`. Keys of `attrs` starting with "on" add event listeners, `class` sets
 * the class name, and the rest become attributes; `null`, `undefined` and `false` are left out.
 * Children that are not nodes become text nodes.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function thousands(n) {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

function ordinal(n) {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return n + "th";
  return n + (["th", "st", "nd", "rd"][n % 10] || "th");
}

function seconds(ms) {
  return (Math.max(0, ms) / 1000).toFixed(1) + " s";
}

/**
 * Returns the screen builders, by screen name, over the player state `app`. Each returns the
 * elements of its screen. `actions` has the handlers the screens call: `onJoinSubmit(event)`,
 * `answer(option)` and `newGame()`.
 */
export function createViews(app, actions) {
  return {
    loading: () => [h("div", { class: "spinner", role: "status", "aria-label": "Loading" })],

    nickname: () => {
      const input = h("input", {
        type: "text",
        id: "name",
        name: "name",
        autocomplete: "nickname",
        autocapitalize: "words",
        spellcheck: "false",
        required: true,
        "data-focus": true,
        "aria-invalid": app.formError ? "true" : null,
        "aria-describedby": "name-error",
        value: app.lastName || "",
      });
      return [
        h("h1", {}, "Choose a nickname"),
        h(
          "form",
          { id: "join-form", novalidate: true, onsubmit: actions.onJoinSubmit },
          h("label", { for: "name" }, "Nickname (1 to 20 characters)"),
          input,
          h("p", { id: "name-error", class: "error", role: "alert" }, app.formError || ""),
          h("button", { type: "submit", class: "primary", id: "join" }, "Join"),
        ),
        h("p", { class: "note" }, "Your phone must be on the same network as the host."),
      ];
    },

    joining: () => [
      h("h1", {}, "Joining the game\u2026"),
      h("div", { class: "spinner", role: "status" }),
    ],

    busy: () => [
      h("h1", { class: "warn" }, app.retry.label),
      h("p", { id: "retry-status", "aria-live": "off" }, retryText(app)),
      h("div", { class: "spinner", role: "status" }),
      h("p", { class: "note" }, "Many players are joining at once. You join automatically; keep this page open."),
    ],

    lobby: () => {
      const items = [
        h("h1", {}, "You are in, ", app.session.name, "!"),
        h("p", {}, "Waiting for the host to start the game\u2026"),
        h("div", { class: "spinner", role: "status" }),
      ];
      // No player count here: the host sends the count only on subscribe and with results, so
      // in the lobby it would stay at the number of players when this one joined.
      if (app.standing && (app.standing.score > 0 || app.result)) items.push(standingStats(app));
      items.push(h("p", { class: "note" }, "Look at the host's screen: questions appear here and there at the same time."));
      return items;
    },

    question: () => {
      const q = app.question;
      const answered = q.chosen !== null || q.status === "locked";
      const options = q.options.map((text, i) => {
        const classes = ["option", "opt-" + ((i % 6) + 1)];
        if (q.chosen === i + 1) classes.push("chosen");
        if (q.correct && q.correct.includes(i + 1)) classes.push("correct");
        return h(
          "button",
          {
            type: "button",
            class: classes.join(" "),
            "data-option": i + 1,
            "aria-label": SHAPE_NAMES[i % 6] + ": " + text,
            disabled: answered || ["closed", "timeup", "standing"].includes(q.status),
            onclick: () => actions.answer(i + 1),
          },
          h("span", { class: "shape", "aria-hidden": "true" }, SHAPES[i % 6]),
          h("span", {}, text),
        );
      });
      return [
        h(
          "div",
          { class: "progress" },
          h("span", {}, "Question " + (q.index + 1) + "/" + q.total + " \u00B7 " + thousands(q.points) + " pts"),
          h("span", { class: "countdown", id: "countdown", "aria-live": "off" }, ""),
        ),
        h("div", { class: "timebar" }, h("span", { id: "timebar" })),
        h("h2", { id: "question-text", "data-index": q.index }, q.text),
        h("div", { class: "options" + (answered ? " answered" : ""), id: "options" }, options),
        h("p", { class: "status", id: "answer-status", "data-status": q.status }, answerStatusText(q)),
        q.status === "standing" && app.standing ? standingStats(app) : null,
      ];
    },

    result: () => {
      const r = app.result;
      const q = app.question && app.question.index === r.index ? app.question : null;
      const [verdict, cls] = r.correct
        ? ["\u2713 Correct", "good"]
        : r.option ? ["\u2717 Wrong", "bad"] : ["\u2717 No answer", "bad"];
      const items = [
        h("p", { class: "note center" }, "Question " + (r.index + 1) + (q ? "/" + q.total : "") + ": result"),
        h("p", { class: "big center " + cls, id: "verdict", "data-index": r.index, "data-option": r.option ?? "", "data-correct": String(r.correct) }, verdict),
        h("p", { class: "center", id: "points" }, "+" + thousands(r.points) + " points"),
        standingStats(app),
      ];
      if (r.streak > 1) items.push(h("p", { class: "center" }, "Streak: " + r.streak + " correct in a row"));
      if (q && !r.correct && r.option) {
        items.push(
          h(
            "div",
            { class: "card", id: "your-answer" },
            h("p", { class: "note" }, "Your answer:"),
            h("p", {}, h("b", { class: "shape-inline" }, SHAPES[(r.option - 1) % 6] + " "), q.options[r.option - 1] || ""),
          ),
        );
      }
      if (q && q.correct) {
        items.push(
          h(
            "div",
            { class: "card" },
            h("p", { class: "note" }, "Correct answer:"),
            q.correct.map((n) =>
              h("p", {}, h("b", { class: "shape-inline" }, SHAPES[(n - 1) % 6] + " "), q.options[n - 1] || ""),
            ),
          ),
        );
      }
      items.push(h("p", { class: "note center" }, "Waiting for the next question\u2026"));
      return items;
    },

    final: () => {
      const f = app.finalStanding;
      return [
        h("h1", { class: "center" }, "Game over"),
        h("p", { class: "note center" }, "Your final rank"),
        h(
          "p",
          { class: "medal center place-" + f.rank, id: "final-rank", "data-rank": f.rank, "data-score": f.score },
          ordinal(f.rank),
        ),
        h("p", { class: "center" }, "You finished " + ordinal(f.rank) + " of " + f.players + " with " + thousands(f.score) + " points."),
        h(
          "div",
          { class: "stats" },
          stat(thousands(f.score), "points"),
          stat(f.correct, "correct"),
          stat(f.players, "players"),
        ),
        h("p", { class: "note center" }, "Thanks for playing. The host's screen shows the podium."),
        h(
          "div",
          { class: "actions" },
          h("button", { type: "button", class: "secondary", id: "new-game", onclick: actions.newGame }, "Join another game"),
        ),
      ];
    },

    reconnecting: () => [
      h("h1", { class: "warn" }, app.retry.label),
      h("p", { class: "note", id: "close-reason" }, app.retry.why),
      h("p", { id: "retry-status", "aria-live": "off" }, retryText(app)),
      h("div", { class: "spinner", role: "status" }),
      app.standing ? standingStats(app) : null,
      h("p", { class: "note" }, "You keep your score: the page reconnects as the same player."),
    ],

    message: () => {
      const m = app.message;
      const items = [h("h1", { id: "message-title" }, m.title), h("p", { id: "message-text" }, m.text)];
      if (app.standing) items.push(standingStats(app));
      if (m.retry) {
        const button = h("button", { type: "button", class: "primary", onclick: m.retry.action }, m.retry.label);
        items.push(h("div", { class: "actions" }, button));
      }
      return items;
    },
  };
}

function stat(value, label) {
  return h("div", {}, h("b", {}, value), h("span", {}, label));
}

function standingStats(app) {
  const s = app.standing;
  return h(
    "div",
    { class: "stats", id: "standing", "data-score": s.score, "data-rank": s.rank },
    stat(thousands(s.score), "score"),
    stat(s.rank + "/" + s.players, "rank"),
    stat(s.streak, "streak"),
  );
}

export function retryText(app) {
  const r = app.retry;
  const left = r.until - performance.now();
  return "Retrying in " + seconds(left) + " (attempt " + r.attempt + ")";
}

function answerStatusText(q) {
  switch (q.status) {
    case "open":
      return "Choose an answer";
    case "sending":
      return "Sending\u2026";
    case "locked":
      return q.answeredElsewhere ? "\u2713 Answer locked in from another tab or device" : "\u2713 Answer locked in";
    case "rejected":
      return "Answer rejected: " + q.reason;
    case "timeup":
      return "Time is up";
    case "closed":
      return "Time is up. Waiting for your result\u2026";
    case "standing":
      return "Question closed";
    default:
      return "";
  }
}

