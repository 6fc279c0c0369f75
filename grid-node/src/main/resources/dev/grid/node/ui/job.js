// A job: its facts, spec, history as a timeline, result, and its stdout and stderr, which follow
// the job while it runs (each refresh asks for the bytes past those already shown).

import * as api from './api.js';
import {h, replace, time, duration, badge, command, ENDED} from './dom.js';
import {progress} from './arrays.js';

export default {
  title: 'job',
  render(view, [id], ctx) {
    const base = '/api/jobs/' + encodeURIComponent(id);
    const head = h('div', {class: 'job-head'});
    const facts = h('dl', {class: 'facts', id: 'job-facts'});
    const timeline = h('ol', {class: 'timeline', id: 'timeline'});
    const result = h('div', {id: 'result'});
    const spec = h('pre', {class: 'spec', id: 'spec'});
    const outputs = {stdout: new Output(base, 'stdout'), stderr: new Output(base, 'stderr')};
    view.append(head, facts,
      h('div', {class: 'cards'},
        h('div', {class: 'card wide'}, h('h2', {}, 'Output'),
          h('h3', {}, 'stdout'), outputs.stdout.pre, h('h3', {}, 'stderr'), outputs.stderr.pre),
        h('div', {class: 'card'}, h('h2', {}, 'History'), timeline),
        h('div', {class: 'card'}, h('h2', {}, 'Spec'), spec, result)));
    let resultShown = false;
    let outputDone = false; // the job ended and its output was read to its end
    const cancel = () => ctx.act('Cancel asked for ' + id,
      () => api.post(base + '/cancel'));

    return async () => {
      const j = await api.get(base);
      const ended = ENDED.includes(j.state);
      replace(head,
        h('h1', {}, 'Job ', h('code', {}, j.id), ' ', h('span', {id: 'job-state'}, badge(j.state))),
        ended ? null : h('button', {type: 'button', id: 'cancel', class: 'danger', onclick: cancel},
          j.tasks ? 'Cancel the array' : 'Cancel'));
      replace(facts,
        fact('Command', h('code', {class: 'cmd'}, command(j.spec))),
        fact('Submitted by', j.spec?.submittedBy || '-'),
        fact('Node', j.node || '-'), fact('Attempt', j.attempt),
        fact('Exit code', j.exitCode ?? '-', 'exit-code'),
        fact('Submitted', time(j.submittedAtMillis)),
        fact('Ran', j.startedAtMillis
          ? duration((j.endedAtMillis || Date.now()) - j.startedAtMillis) : '-'),
        j.message ? fact('Message', j.message) : null,
        j.arrayId ? fact('Array', h('a', {href: '#/jobs/' + encodeURIComponent(j.arrayId)},
          j.arrayId + ' index ' + j.arrayIndex)) : null,
        j.tasks ? fact('Tasks', progress(j)) : null);
      replace(timeline, j.history.map((e) => h('li', {class: 'event ' + e.state.toLowerCase()},
        h('span', {class: 'when'}, time(e.atMillis)), ' ', badge(e.state),
        e.node ? ' on ' + e.node : '', e.attempt ? ', attempt ' + e.attempt : '',
        e.epoch ? ', epoch ' + e.epoch : '',
        e.message ? h('div', {class: 'why'}, e.message) : null)));
      if (!spec.textContent) spec.textContent = JSON.stringify(j.spec, null, 2);
      if (!j.tasks && j.startedAtMillis && !outputDone) {
        const read = await Promise.all(
          [outputs.stdout.follow(j.attempt), outputs.stderr.follow(j.attempt)]);
        outputDone = ended && read[0] === 0 && read[1] === 0;
      } else if (!j.startedAtMillis) {
        outputs.stdout.note(j.tasks ? 'an array: open a task for its output' : 'not started yet');
        outputs.stderr.note('');
      }
      if (ended && j.spec?.java && !resultShown) {
        resultShown = true;
        api.text(base + '/result?as=text')
          .then((t) => replace(result, h('h3', {}, 'Result'), h('pre', {id: 'result-text'}, t)))
          .catch((e) => replace(result, h('h3', {}, 'Result'), h('p', {}, ctx.explain(e))));
      }
    };
  },
};

function fact(name, value, id) {
  return [h('dt', {}, name), h('dd', {id}, value)];
}

/** One output stream as shown: the bytes read so far, asked again from where they end. */
class Output {
  constructor(base, stream) {
    this.path = base + '/' + stream;
    this.pre = h('pre', {class: 'output', id: stream});
    this.offset = 0;
    this.attempt = null;
    this.decoder = new TextDecoder();
  }

  note(text) {
    if (this.offset === 0) this.pre.textContent = text;
  }

  /** Reads what the attempt wrote past what is shown; how many bytes came. */
  async follow(attempt) {
    if (this.attempt !== attempt) {
      // A new attempt writes its output from the start (its first node died, or it was retried).
      if (this.attempt !== null) {
        this.pre.append(document.createTextNode(`\n--- attempt ${attempt} ---\n`));
      } else {
        this.pre.textContent = '';
      }
      this.attempt = attempt;
      this.offset = 0;
      this.decoder = new TextDecoder();
    }
    const bytes = await api.raw(this.path + '?offset=' + this.offset);
    if (bytes.byteLength > 0) {
      this.offset += bytes.byteLength;
      const atEnd = this.pre.scrollTop + this.pre.clientHeight >= this.pre.scrollHeight - 4;
      this.pre.append(document.createTextNode(this.decoder.decode(bytes, {stream: true})));
      if (atEnd) this.pre.scrollTop = this.pre.scrollHeight;
    }
    return bytes.byteLength;
  }
}
