// Building the page. Every value goes in as text (textContent, attributes): a job's command,
// a schedule's name and an error message are user input and are never parsed as HTML.

/** An element: h('a', {href: '#/jobs', class: 'x', onclick: fn}, 'text', child, [more]). */
export function h(tag, attrs = {}, ...children) {
  return fill(document.createElement(tag), attrs, children);
}

/** An SVG element, as h. */
export function svg(tag, attrs = {}, ...children) {
  return fill(document.createElementNS('http://www.w3.org/2000/svg', tag), attrs, children);
}

function fill(el, attrs, children) {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on')) {
      el.addEventListener(name.slice(2), value);
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces what el holds with the children. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function time(millis) {
  if (millis === null || millis === undefined) return '-';
  const d = new Date(millis);
  const today = new Date().toDateString() === d.toDateString();
  return today ? d.toLocaleTimeString() : d.toLocaleString();
}

export function ago(millis, now = Date.now()) {
  if (millis === null || millis === undefined) return '-';
  return duration(now - millis) + ' ago';
}

export function duration(ms) {
  if (ms === null || ms === undefined || !isFinite(ms)) return '-';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return s + ' s';
  if (s < 3600) return Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
  if (s < 86400) return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
  return Math.floor(s / 86400) + ' d ' + Math.floor((s % 86400) / 3600) + ' h';
}

export function bytes(n) {
  if (n < 1024) return n + ' B';
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = -1;
  do { v /= 1024; i++; } while (v >= 1024 && i < units.length - 1);
  return v.toFixed(v < 10 ? 1 : 0) + ' ' + units[i];
}

/** A job's state as a coloured word. */
export function badge(state) {
  return h('span', {class: 'state ' + String(state).toLowerCase()}, state);
}

/** A job's command as a person reads it (JobSpec.display in Java). */
export function command(spec) {
  if (!spec) return '';
  if (spec.java) return [spec.java.className, ...(spec.java.args || [])].join(' ');
  if (spec.shell) return spec.shell;
  return (spec.argv || []).join(' ');
}

export const ENDED = ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'CANCELLED', 'LOST'];
export const STATES = ['WAITING', 'QUEUED', 'DISPATCHED', 'RUNNING', ...ENDED];
