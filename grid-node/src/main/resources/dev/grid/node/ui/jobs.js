// Jobs: a filtered list, newest first, 50 a page. The node filters by state and by submit time
// (the listing starts at the "from" time); node, text and "until" are filtered here. At most
// MAX_JOBS jobs are read per refresh: the page says so when there were more.

import * as api from './api.js';
import {h, replace, time, duration, badge, command, STATES} from './dom.js';

const PAGE = 50;
const MAX_JOBS = 5000;

export default {
  title: 'jobs',
  render(view, params, ctx) {
    const state = h('select', {id: 'f-state'}, h('option', {value: ''}, 'any state'),
      STATES.map((s) => h('option', {value: s}, s)));
    const node = h('input', {id: 'f-node', type: 'text', placeholder: 'node', size: 8});
    const text = h('input', {id: 'f-text', type: 'search', placeholder: 'id or command', size: 24});
    const from = h('input', {id: 'f-from', type: 'datetime-local', title: 'submitted from'});
    const until = h('input', {id: 'f-until', type: 'datetime-local', title: 'submitted until'});
    const tasks = h('input', {id: 'f-tasks', type: 'checkbox'});
    const list = h('div', {id: 'jobs-list'});
    let first = 0;
    let last = {path: null, at: 0, read: null}; // over a page: read again every 10 s at most
    let refresh;
    const again = () => { first = 0; refresh().catch(ctx.report); };
    for (const input of [state, node, text, from, until, tasks]) input.addEventListener('input', again);
    view.append(
      h('h1', {}, 'Jobs'),
      h('form', {class: 'filters', onsubmit: (e) => e.preventDefault()},
        h('label', {}, 'State ', state), h('label', {}, 'Node ', node), h('label', {}, 'Text ', text),
        h('label', {}, 'Submitted from ', from), h('label', {}, 'until ', until),
        h('label', {}, tasks, ' array tasks')),
      list);
    const go = (delta) => { first = Math.max(0, first + delta); refresh().catch(ctx.report); };

    refresh = async () => {
      let path = '/api/jobs?limit=1000';
      if (state.value) path += '&state=' + state.value;
      if (tasks.checked) path += '&tasks=true';
      const fromMillis = from.value ? new Date(from.value).getTime() : null;
      const untilMillis = until.value ? new Date(until.value).getTime() : null;
      if (fromMillis !== null) path += '&after=' + encodeURIComponent(api.since(fromMillis));
      if (path !== last.path || last.read.items.length <= 1000 || Date.now() - last.at >= 10_000) {
        last = {path, at: Date.now(), read: await api.all(path, MAX_JOBS)};
      }
      const read = last.read;
      const needle = text.value.trim().toLowerCase();
      const shown = read.items.filter((j) =>
        (fromMillis === null || j.submittedAtMillis >= fromMillis) &&
        (untilMillis === null || j.submittedAtMillis <= untilMillis) &&
        (!node.value || (j.node || '').includes(node.value.trim())) &&
        (!needle || j.id.toLowerCase().includes(needle) ||
          command(j.spec).toLowerCase().includes(needle))).reverse();
      first = Math.min(first, Math.max(0, shown.length - 1 - ((shown.length - 1) % PAGE)));
      const slice = shown.slice(first, first + PAGE);
      replace(list,
        h('p', {class: 'pager'},
          h('button', {type: 'button', disabled: first === 0, onclick: () => go(-PAGE)}, '← newer'),
          ` ${shown.length ? first + 1 : 0}-${first + slice.length} of ${shown.length} `,
          h('button', {type: 'button', disabled: first + PAGE >= shown.length, onclick: () => go(PAGE)},
            'older →')),
        read.more ? h('p', {class: 'note'}, `Only the first ${MAX_JOBS} jobs from the "from" time were ` +
          'read: give a later "from" time or a state to see the newer ones.') : null,
        h('table', {class: 'jobs'},
          h('thead', {}, h('tr', {}, ['Id', 'State', 'Command', 'Node', 'Submitted', 'Took', 'Exit']
            .map((t) => h('th', {}, t)))),
          h('tbody', {}, slice.map(row))));
    };
    return refresh;
  },
};

function row(j) {
  const took = j.startedAtMillis ? (j.endedAtMillis || Date.now()) - j.startedAtMillis : null;
  return h('tr', {'data-id': j.id},
    h('td', {}, h('a', {href: '#/jobs/' + encodeURIComponent(j.id)}, j.id)),
    h('td', {}, badge(j.state), j.tasks ? h('small', {}, ' array') : null),
    h('td', {class: 'cmd'}, command(j.spec)),
    h('td', {}, j.node || '-'),
    h('td', {}, time(j.submittedAtMillis)),
    h('td', {}, duration(took)),
    h('td', {class: 'num'}, j.exitCode ?? ''));
}
