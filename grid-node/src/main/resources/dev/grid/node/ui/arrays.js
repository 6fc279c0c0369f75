// Arrays: a progress bar each (its tasks per state), the rate its tasks end at and the time left
// at that rate (measured over the last minute of refreshes), and its failed tasks.

import * as api from './api.js';
import {h, replace, time, duration, badge, command, ENDED} from './dom.js';

const ORDER = ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'LOST', 'CANCELLED', 'RUNNING', 'DISPATCHED',
  'QUEUED', 'WAITING'];
const BAD = ['FAILED', 'TIMED_OUT', 'LOST'];
const WINDOW = 60_000;
const samples = new Map(); // array id -> [{t, ended}], for the rate

export default {
  title: 'arrays',
  render(view, params, ctx) {
    const list = h('div', {id: 'arrays'});
    view.append(h('h1', {}, 'Arrays'), list);
    const readJobs = api.listing('/api/jobs?limit=1000', 10_000);
    return async () => {
      const read = await readJobs();
      const arrays = read.items.filter((j) => j.tasks).reverse();
      const failed = await Promise.all(arrays.map((a) => failedTasks(a).catch((e) => e)));
      replace(list, arrays.length === 0 ? h('p', {}, 'No arrays are kept.') : null,
        arrays.map((a, i) => card(a, failed[i], ctx)));
    };
  },
};

function card(a, failed, ctx) {
  const total = count(a);
  const ended = ENDED.reduce((n, s) => n + (a.tasks[s] || 0), 0);
  const now = Date.now();
  const seen = (samples.get(a.id) || []).filter((s) => now - s.t <= WINDOW);
  seen.push({t: now, ended});
  samples.set(a.id, seen);
  const rate = seen.length > 1 && now > seen[0].t ? (ended - seen[0].ended) / ((now - seen[0].t) / 1000) : 0;
  const left = total - ended;
  return h('div', {class: 'card array', 'data-id': a.id},
    h('h2', {}, h('a', {href: '#/jobs/' + encodeURIComponent(a.id)}, a.id), ' ', badge(a.state)),
    h('p', {class: 'cmd'}, command(a.spec), a.spec.array?.limit ? ` (at most ${a.spec.array.limit} at once)` : ''),
    progress(a),
    h('p', {},
      `${ended} of ${total} ended · `,
      left === 0 ? 'done' : rate > 0
        ? `${rate.toFixed(rate < 10 ? 1 : 0)} tasks/s, about ${duration(1000 * left / rate)} left`
        : 'rate not known yet',
      ` · submitted ${time(a.submittedAtMillis)}`),
    failed instanceof Error ? h('p', {class: 'error'}, ctx.explain(failed))
      : failed.length ? [h('h3', {}, 'Failed tasks'), h('ul', {class: 'failed'}, failed.map((t) =>
        h('li', {}, h('a', {href: '#/jobs/' + encodeURIComponent(t.id)}, 'index ' + t.arrayIndex), ' ',
          badge(t.state), t.exitCode !== null && t.exitCode !== undefined ? ` exit ${t.exitCode}` : '',
          t.message ? ' · ' + t.message : '')))] : null);
}

function count(a) {
  return Object.values(a.tasks).reduce((x, y) => x + y, 0);
}

/** A bar with a segment per state, its width the state's share of the tasks. */
export function progress(a) {
  const total = count(a);
  const ended = ENDED.reduce((n, s) => n + (a.tasks[s] || 0), 0);
  const pct = total ? Math.floor((100 * ended) / total) : 0;
  const bar = h('div', {class: 'progress', role: 'progressbar', 'aria-valuemin': 0,
    'aria-valuemax': 100, 'aria-valuenow': pct, title: pct + '% ended'});
  for (const s of ORDER) {
    const n = a.tasks[s] || 0;
    if (!n) continue;
    const seg = h('span', {class: 'seg ' + s.toLowerCase(), title: `${n} ${s}`});
    seg.style.width = (100 * n) / total + '%';
    bar.append(seg);
  }
  return h('div', {class: 'progress-line'}, bar, h('span', {class: 'pct'}, pct + '%'),
    h('span', {class: 'counts'}, ORDER.filter((s) => a.tasks[s]).map((s) => `${a.tasks[s]} ${s}`).join(', ')));
}

/**
 * The array's tasks that failed, timed out or were lost (at most 100 of each): the listing with
 * its tasks, from the array's own line on, filtered by state.
 */
async function failedTasks(a) {
  const found = [];
  for (const state of BAD) {
    if (!a.tasks[state]) continue;
    const p = await api.page(`/api/jobs?tasks=true&state=${state}&limit=100&after=` +
      encodeURIComponent(api.since(a.submittedAtMillis)));
    found.push(...p.items.filter((t) => t.arrayId === a.id));
  }
  return found.sort((x, y) => x.arrayIndex - y.arrayIndex);
}
