// Overview: the nodes, the jobs per state, the queue, the last hour's throughput and failures,
// and the storage's health (checked every 30 s: a check reads every copy's trailer on every node).

import * as api from './api.js';
import {h, svg, replace, ago, time, badge, bytes, STATES} from './dom.js';

const HOUR = 3600_000;
const BUCKETS = 12; // of 5 minutes
const FAILED = ['FAILED', 'TIMED_OUT', 'LOST'];
const MAX_JOBS = 10_000;
const STORAGE_EVERY = 30_000;

export default {
  title: 'overview',
  render(view, params, ctx) {
    const nodes = h('div');
    const states = h('div');
    const chart = h('div');
    const store = h('div');
    view.append(
      h('h1', {}, 'Overview'),
      h('div', {class: 'cards'},
        h('div', {class: 'card wide'}, h('h2', {}, 'Nodes'), nodes),
        h('div', {class: 'card'}, h('h2', {}, 'Jobs'), states),
        h('div', {class: 'card'}, h('h2', {}, 'Last hour'), chart),
        h('div', {class: 'card'}, h('h2', {}, 'Storage'), store)));
    let checked = 0;
    const readJobs = api.listing('/api/jobs?limit=1000', MAX_JOBS);
    return async () => {
      const [nodeList, jobs] = await Promise.all([
        api.get('/api/nodes'),
        readJobs(),
      ]);
      const now = Date.now();
      replace(nodes, nodeTable(nodeList, now));
      replace(states, stateCounts(jobs));
      replace(chart, hourChart(jobs.items, now));
      if (now - checked > STORAGE_EVERY) {
        checked = now;
        api.get('/api/storage/check')
          .then((health) => replace(store, storageSummary(health, now)))
          .catch((e) => replace(store, h('p', {class: 'error'}, ctx.explain(e))));
      }
    };
  },
};

function nodeTable(list, now) {
  return h('table', {id: 'nodes'},
    h('thead', {}, h('tr', {}, ['Node', 'Role', 'Epoch', 'Slots used', 'Running', 'Heartbeat']
      .map((t) => h('th', {}, t)))),
    h('tbody', {}, list.map((n) => h('tr', {},
      h('td', {}, n.name),
      h('td', {}, n.primary ? h('strong', {}, 'primary') : 'worker'),
      h('td', {class: 'num'}, n.epoch),
      h('td', {}, meter(n.running, n.slots), ' ', n.running + ' / ' + n.slots),
      h('td', {class: 'num'}, n.running),
      h('td', {}, n.heartbeatAtMillis ? ago(n.heartbeatAtMillis, now) : '-')))));
}

/** A small bar: used of total. */
function meter(used, total) {
  const bar = h('span', {class: 'meter'}, h('span'));
  bar.firstChild.style.width = (total > 0 ? Math.min(100, 100 * used / total) : 0) + '%';
  return bar;
}

/** Jobs per state, an array counting as its tasks; the queue is what waits for a free slot. */
function stateCounts(jobs) {
  const count = Object.fromEntries(STATES.map((s) => [s, 0]));
  for (const j of jobs.items) {
    if (j.tasks) {
      for (const [s, n] of Object.entries(j.tasks)) count[s] = (count[s] || 0) + n;
    } else {
      count[j.state] = (count[j.state] || 0) + 1;
    }
  }
  return [
    h('p', {class: 'big', id: 'queue-depth'}, String(count.QUEUED), h('small', {}, ' queued')),
    h('table', {id: 'job-states'}, h('tbody', {}, STATES.map((s) =>
      h('tr', {}, h('td', {}, badge(s)), h('td', {class: 'num'}, count[s]))))),
    jobs.more ? h('p', {class: 'note'}, 'Counted over the oldest ' + MAX_JOBS + ' jobs kept.') : null,
  ];
}

/**
 * Jobs ended in the last hour, per 5 minutes: succeeded above, failed below the line. Arrays are
 * left out: the listing has no end time per task (the Arrays page shows their progress).
 */
function hourChart(jobs, now) {
  const ok = new Array(BUCKETS).fill(0);
  const bad = new Array(BUCKETS).fill(0);
  for (const j of jobs) {
    if (j.tasks || !j.endedAtMillis || now - j.endedAtMillis >= HOUR) continue;
    const i = BUCKETS - 1 - Math.floor((now - j.endedAtMillis) / (HOUR / BUCKETS));
    if (j.state === 'SUCCEEDED') ok[i]++;
    else if (FAILED.includes(j.state)) bad[i]++;
  }
  const top = Math.max(1, ...ok, ...bad);
  const w = 240;
  const mid = 60;
  const step = w / BUCKETS;
  const bars = [];
  for (let i = 0; i < BUCKETS; i++) {
    const up = (ok[i] / top) * (mid - 4);
    const down = (bad[i] / top) * (mid - 24);
    const label = `${ok[i]} succeeded, ${bad[i]} failed, ${(BUCKETS - i) * 5} to ${(BUCKETS - i - 1) * 5} min ago`;
    bars.push(svg('rect', {x: i * step + 1, y: mid - up, width: step - 2, height: up, class: 'ok'},
      svg('title', {}, label)));
    bars.push(svg('rect', {x: i * step + 1, y: mid, width: step - 2, height: down, class: 'bad'},
      svg('title', {}, label)));
  }
  const total = (a) => a.reduce((x, y) => x + y, 0);
  return [
    svg('svg', {viewBox: `0 0 ${w} ${mid + 40}`, class: 'chart', role: 'img', id: 'hour-chart',
      'aria-label': 'jobs ended per 5 minutes over the last hour'},
    bars, svg('line', {x1: 0, y1: mid, x2: w, y2: mid, class: 'axis'}),
    svg('text', {x: 0, y: mid + 36, class: 'tick'}, '60 min ago'),
    svg('text', {x: w, y: mid + 36, class: 'tick end'}, 'now')),
    h('p', {}, h('span', {class: 'key ok'}), total(ok) + ' succeeded  ',
      h('span', {class: 'key bad'}), total(bad) + ' failed, timed out or lost',
      h('br'), h('small', {class: 'note'}, 'jobs ended per 5 minutes; array tasks not counted')),
  ];
}

function storageSummary(s, now) {
  const kinds = {};
  for (const p of s.problems) kinds[p.kind] = (kinds[p.kind] || 0) + 1;
  return [
    h('p', {class: 'big ' + (s.healthy ? 'good' : 'error'), id: 'storage-health'},
      s.healthy ? 'healthy' : s.problems.length + ' problems'),
    h('p', {}, `${s.blobs} blobs, ${bytes(s.bytes)}, R=${s.replication}, on ${s.nodes.length} nodes`),
    Object.keys(kinds).length
      ? h('ul', {}, Object.entries(kinds).map(([k, n]) => h('li', {}, `${n} ${k.toLowerCase()}`)))
      : null,
    h('p', {class: 'note'}, 'checked at ' + time(now), ' · ', h('a', {href: '#/storage'}, 'details')),
  ];
}
