// Storage: the check's verdict and problems, and the blobs with their replicas per node. A check
// reads every copy's trailer on every node, so this page refreshes every 15 s, not every 2 s;
// "Verify checksums" makes every node re-read every copy, once.

import * as api from './api.js';
import {h, replace, time, bytes} from './dom.js';

const BLOBS_SHOWN = 200;

export default {
  title: 'storage',
  every: 15_000,
  render(view, params, ctx) {
    const health = h('div', {id: 'storage-check'});
    const nodes = h('div');
    const blobs = h('div');
    let verify = false;
    const verifyNow = h('button', {type: 'button', onclick: () => { verify = true; refresh().catch(ctx.report); }},
      'Verify checksums');
    view.append(h('h1', {}, 'Storage'), verifyNow,
      h('div', {class: 'cards'},
        h('div', {class: 'card'}, h('h2', {}, 'Health'), health),
        h('div', {class: 'card'}, h('h2', {}, 'Copies per node'), nodes),
        h('div', {class: 'card wide'}, h('h2', {}, 'Blobs'), blobs)));

    const refresh = async () => {
      const asked = verify;
      verify = false;
      const [check, listing] = await Promise.all([
        api.get('/api/storage/check' + (asked ? '?verify=true' : '')),
        api.get('/api/storage/blobs?limit=10000'),
      ]);
      const kinds = {};
      for (const p of check.problems) kinds[p.kind] = (kinds[p.kind] || 0) + 1;
      replace(health,
        h('p', {class: 'big ' + (check.healthy ? 'good' : 'error')}, check.healthy ? 'healthy' : check.problems.length + ' problems'),
        h('dl', {class: 'facts'},
          fact('Blobs', `${check.blobs} (${bytes(check.bytes)})`),
          fact('Copies each', check.replication),
          fact('Under-replicated', kinds.UNDER_REPLICATED || 0),
          fact('Damaged', kinds.CORRUPT || 0),
          fact('Lost', kinds.LOST || 0),
          fact('Checked', time(Date.now()) + (check.verified ? ', checksums verified' : '')),
          fact('Last scrub', lastScrubs(check))),
        check.problems.length ? h('table', {},
          h('thead', {}, h('tr', {}, ['Kind', 'Key', 'Node', 'Detail'].map((t) => h('th', {}, t)))),
          h('tbody', {}, check.problems.map((p) => h('tr', {},
            h('td', {}, p.kind), h('td', {}, h('code', {}, p.key)), h('td', {}, p.node || '-'),
            h('td', {}, p.detail))))) : null);
      const perNode = Object.fromEntries(check.nodes.map((n) => [n, {count: 0, size: 0}]));
      for (const b of listing.blobs) {
        for (const n of b.replicas) {
          perNode[n] = perNode[n] || {count: 0, size: 0};
          perNode[n].count++;
          perNode[n].size += b.size;
        }
      }
      replace(nodes, h('table', {id: 'replicas'},
        h('thead', {}, h('tr', {}, ['Node', 'Copies', 'Size'].map((t) => h('th', {}, t)))),
        h('tbody', {}, Object.entries(perNode).map(([n, c]) => h('tr', {},
          h('td', {}, n), h('td', {class: 'num'}, c.count), h('td', {class: 'num'}, bytes(c.size)))))),
        listing.truncated ? h('p', {class: 'note'}, `Counted over the first ${listing.blobs.length} blobs.`) : null);
      replace(blobs,
        h('p', {class: 'note'}, `The first ${Math.min(BLOBS_SHOWN, listing.blobs.length)} of ` +
          `${listing.blobs.length}${listing.truncated ? '+' : ''}, by key.`),
        h('table', {},
          h('thead', {}, h('tr', {}, ['Key', 'Size', 'Replicas', 'Version'].map((t) => h('th', {}, t)))),
          h('tbody', {}, listing.blobs.slice(0, BLOBS_SHOWN).map((b) => h('tr', {},
            h('td', {}, h('code', {}, b.key)), h('td', {class: 'num'}, bytes(b.size)),
            h('td', {}, b.replicas.join(', ')), h('td', {class: 'num'}, b.version))))));
    };
    return refresh;
  },
};

// When each node last re-read every copy on its disk; "not since it started" for one that has not.
function lastScrubs(check) {
  const last = check.lastScrubMillis || {};
  return check.nodes.map((n) => `${n}: ${last[n] ? time(last[n]) : 'not since it started'}`).join('; ');
}

function fact(name, value) {
  return [h('dt', {}, name), h('dd', {}, value)];
}
