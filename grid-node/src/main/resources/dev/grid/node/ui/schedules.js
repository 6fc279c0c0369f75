// Schedules: each with its next and last fire, pause/resume/delete (admin), and its runs: what
// each due time became (ran, with its job; missed or skipped, with why).

import * as api from './api.js';
import {h, replace, time, badge, command} from './dom.js';

const RUNS = 20;

export default {
  title: 'schedules',
  render(view, params, ctx) {
    const list = h('div', {id: 'schedules'});
    const open = new Set(); // the schedules whose runs are shown
    view.append(h('h1', {}, 'Schedules'), list);
    let refresh;
    const toggle = (name) => {
      if (open.has(name)) open.delete(name); else open.add(name);
      refresh().catch(ctx.report);
    };

    refresh = async () => {
      const {items} = await api.all('/api/schedules?limit=1000', 10_000);
      const runs = await Promise.all(items.map((s) => open.has(s.spec.name)
        ? api.all(`/api/schedules/${encodeURIComponent(s.spec.name)}/runs?limit=1000`, 100_000)
          .then((r) => r.items.slice(-RUNS).reverse(), (e) => e)
        : null));
      replace(list, items.length === 0 ? h('p', {}, 'No schedules.') : h('table', {class: 'schedules'},
        h('thead', {}, h('tr', {}, ['Name', 'When', 'Command', 'State', 'Next fire', 'Last fire', '']
          .map((t) => h('th', {}, t)))),
        h('tbody', {}, items.map((s, i) => rows(s, runs[i], ctx, toggle, open)))));
    };
    return refresh;
  },
};

function rows(s, runs, ctx, toggle, open) {
  const name = s.spec.name;
  const path = '/api/schedules/' + encodeURIComponent(name);
  const act = (verb) => ctx.act(`Schedule ${name} ${verb}d`, () => api.post(`${path}/${verb}`));
  const del = () => {
    if (window.confirm(`Delete schedule ${name}? Its future fires go; its jobs stay.`)) {
      ctx.act(`Schedule ${name} deleted`, () => api.remove(path));
    }
  };
  return [
    h('tr', {'data-name': name},
      h('td', {}, h('strong', {}, name)),
      h('td', {}, h('code', {}, s.spec.cron), s.spec.zone && s.spec.zone !== 'UTC' ? ' ' + s.spec.zone : ''),
      h('td', {class: 'cmd'}, command(s.spec.job)),
      h('td', {class: 'sched-state'}, s.paused ? h('span', {class: 'state paused'}, 'paused') : 'active'),
      h('td', {}, s.paused ? '-' : time(s.nextFireMillis)),
      h('td', {}, time(s.lastFireMillis)),
      h('td', {class: 'actions'},
        h('button', {type: 'button', class: 'runs', onclick: () => toggle(name)},
          open.has(name) ? 'Hide runs' : 'Runs'),
        s.paused
          ? h('button', {type: 'button', class: 'resume', onclick: () => act('resume')}, 'Resume')
          : h('button', {type: 'button', class: 'pause', onclick: () => act('pause')}, 'Pause'),
        h('button', {type: 'button', class: 'delete danger', onclick: del}, 'Delete'))),
    runs ? h('tr', {class: 'runs'}, h('td', {colspan: 7}, runList(runs, ctx))) : null,
  ];
}

function runList(runs, ctx) {
  if (runs instanceof Error) return h('p', {class: 'error'}, ctx.explain(runs));
  if (runs.length === 0) return h('p', {}, 'No runs yet.');
  return h('ul', {class: 'run-list'}, runs.map((r) => h('li', {},
    h('span', {class: 'when'}, time(r.fireTimeMillis)), ' ',
    r.outcome === 'STARTED'
      ? ['ran: ', r.jobId ? h('a', {href: '#/jobs/' + encodeURIComponent(r.jobId)}, r.jobId) : '',
        ' ', r.state ? badge(r.state) : '']
      : [h('strong', {}, r.outcome === 'MISSED' ? 'missed' : 'skipped'), r.reason ? ': ' + r.reason : ''])));
}
