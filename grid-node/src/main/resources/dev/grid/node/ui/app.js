// The dashboard: a login form, a router over #/ paths, and one loop that refreshes the page shown
// every few seconds (a page not shown is not refreshed, nor any page while the tab is hidden).

import * as api from './api.js';
import {h, replace} from './dom.js';
import overview from './overview.js';
import jobs from './jobs.js';
import job from './job.js';
import arrays from './arrays.js';
import schedules from './schedules.js';
import storage from './storage.js';

// Errors the page met, for the browser tests (they fail on any): uncaught ones and rejections.
window.gridErrors = [];
window.addEventListener('error', (e) => window.gridErrors.push(String(e.message)));
window.addEventListener('unhandledrejection', (e) => window.gridErrors.push(String(e.reason)));

const routes = [
  [/^#?\/?$/, overview],
  [/^#\/jobs$/, jobs],
  [/^#\/jobs\/([^/]+)$/, job],
  [/^#\/arrays$/, arrays],
  [/^#\/schedules$/, schedules],
  [/^#\/storage$/, storage],
];

const main = document.getElementById('main');
const banner = document.getElementById('message');
let shown = null; // the page shown: {refresh, every}

/** Shows a message above the page; kind 'error' or 'info'. Polling errors are tagged 'poll'. */
function say(text, kind = 'error', tag = null) {
  banner.hidden = false;
  banner.className = kind;
  banner.dataset.tag = tag || '';
  replace(banner, h('span', {}, text), h('button', {type: 'button', class: 'close', title: 'Dismiss',
    onclick: () => { banner.hidden = true; }}, '×'));
}

function unsay(tag) {
  if (!banner.hidden && (tag === undefined || banner.dataset.tag === tag)) banner.hidden = true;
}

/**
 * What a failure tells the user: the API's message, with what to do about a 403. Anything else is
 * a bug of the page: it is shown too, and reported as the uncaught errors are.
 */
function explain(e) {
  if (!(e instanceof api.ApiError)) {
    window.gridErrors.push(String(e));
    console.error(e);
    return 'The page failed: ' + e;
  }
  if (e.status === 403) return 'Not allowed with this token: ' + e.message;
  if (e.status === 0) return e.message;
  return e.message + ' (HTTP ' + e.status + ')';
}

const context = {
  say,
  /** Runs a change (cancel, pause...), says how it went, and refreshes the page. */
  async act(what, run) {
    try {
      await run();
      say(what, 'info');
    } catch (e) {
      if (!loggedOut(e)) say(explain(e));
    }
    if (shown) shown.refresh().catch(report);
  },
  explain,
  report,
};

/** Shows why a refresh out of turn (a click, a filter) failed. */
function report(e) {
  if (!loggedOut(e)) say(explain(e));
}

function loggedOut(e) {
  if (e instanceof api.ApiError && e.status === 401) {
    api.forgetToken();
    login('The node no longer takes this token: ' + e.message);
    return true;
  }
  return false;
}

function login(reason) {
  shown = null;
  document.getElementById('nav').hidden = true;
  document.getElementById('logout').hidden = true;
  replace(document.getElementById('who'));
  const input = h('input', {id: 'token', type: 'password', autocomplete: 'off', required: true,
    placeholder: 'the token from the token file'});
  const form = h('form', {id: 'login', class: 'login'},
    h('h1', {}, 'Log in'),
    h('p', {}, 'Enter a token of this grid. It stays in this tab only, and goes to the node in ' +
      'the Authorization header, never in a URL.'),
    h('label', {for: 'token'}, 'Token'), input,
    h('button', {type: 'submit'}, 'Open'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    api.setToken(input.value.trim());
    try {
      await start();
    } catch (err) {
      api.forgetToken();
      say(err instanceof api.ApiError && err.status === 401
        ? 'Wrong token: the node refused it (' + err.message + ')' : explain(err));
    }
  });
  replace(main, form);
  if (reason) say(reason);
  input.focus();
}

async function start() {
  const health = await api.get('/api/health');
  unsay();
  replace(document.getElementById('who'), 'node ' + health.node);
  document.getElementById('nav').hidden = false;
  document.getElementById('logout').hidden = false;
  route();
}

function route() {
  if (!api.token()) return;
  const hash = location.hash || '#/';
  for (const [pattern, page] of routes) {
    const m = pattern.exec(hash);
    if (m) {
      show(page, m.slice(1).map(decodeURIComponent));
      return;
    }
  }
  replace(main, h('p', {}, 'No such page: ' + hash));
}

function show(page, params) {
  for (const a of document.querySelectorAll('#nav a')) {
    const target = a.getAttribute('href');
    a.classList.toggle('here', location.hash === target || (target === '#/' && !location.hash)
      || (target === '#/jobs' && location.hash.startsWith('#/jobs/')));
  }
  unsay();
  const view = h('section', {class: 'page'});
  replace(main, view);
  const run = {every: page.every || 2000, refresh: page.render(view, params, context)};
  shown = run;
  document.title = 'grid: ' + page.title;
  poll(run);
}

async function poll(run) {
  while (shown === run) {
    if (!document.hidden) {
      try {
        await run.refresh();
        unsay('poll');
      } catch (e) {
        if (loggedOut(e)) return;
        if (shown === run) say(explain(e), 'error', 'poll');
      }
    }
    await new Promise((resolve) => setTimeout(resolve, run.every));
  }
}

window.addEventListener('hashchange', route);
document.addEventListener('visibilitychange', () => {
  if (!document.hidden && shown) shown.refresh().catch(report);
});
document.getElementById('logout').addEventListener('click', () => {
  api.forgetToken();
  login();
});

if (api.token()) {
  start().catch((e) => {
    api.forgetToken();
    login(explain(e));
  });
} else {
  login();
}
