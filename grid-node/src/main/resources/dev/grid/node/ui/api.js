// The node's HTTP API, asked with the token the user entered. The token lives in this tab's
// sessionStorage (gone when the tab closes) and goes only into the Authorization header, never
// into a URL.

const KEY = 'grid.token';

export function token() {
  return sessionStorage.getItem(KEY);
}

export function setToken(value) {
  sessionStorage.setItem(KEY, value);
}

export function forgetToken() {
  sessionStorage.removeItem(KEY);
}

/** An answer other than 2xx: its status and the API's one-line message ({"error": ...}). */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function call(path, method = 'GET') {
  const headers = {Authorization: 'Bearer ' + (token() || '')};
  let res;
  try {
    res = await fetch(path, {method, headers, cache: 'no-store'});
  } catch (e) {
    throw new ApiError(0, 'the node cannot be reached (' + e.message + '): is it up?');
  }
  if (!res.ok) {
    let message = 'HTTP ' + res.status;
    try {
      message = (await res.json()).error || message;
    } catch (ignored) {
      // not JSON: keep the status
    }
    throw new ApiError(res.status, message);
  }
  return res;
}

export async function get(path) {
  return (await call(path)).json();
}

/** One page of a listing and the path of the next page (from the Link header), or null. */
export async function page(path) {
  const res = await call(path);
  const link = res.headers.get('Link') || '';
  const next = /<([^>]+)>;\s*rel="next"/.exec(link);
  return {items: await res.json(), next: next ? next[1] : null};
}

/** Every item of a listing, page after page, up to max; more is true if there were more. */
export async function all(path, max) {
  const items = [];
  let next = path;
  while (next && items.length < max) {
    const p = await page(next);
    items.push(...p.items);
    next = p.next;
  }
  return {items: items.slice(0, max), more: next !== null || items.length > max};
}

/**
 * A listing read again at most every 10 s once it is over one page: the pages that count jobs
 * read the whole listing (the API has no counts), which on a grid keeping thousands of jobs is
 * megabytes, too much to ask for every 2 s.
 */
export function listing(path, max) {
  let last = null;
  let at = 0;
  return async () => {
    const slow = last && last.items.length > 1000;
    if (!last || !slow || Date.now() - at >= 10_000) {
      last = await all(path, max);
      at = Date.now();
    }
    return last;
  };
}

/** The bytes of an answer, as an ArrayBuffer. */
export async function raw(path) {
  return (await call(path)).arrayBuffer();
}

export async function text(path) {
  return (await call(path)).text();
}

export async function post(path) {
  const res = await call(path, 'POST');
  return res.status === 204 ? null : res.json();
}

export async function remove(path) {
  await call(path, 'DELETE');
}

/**
 * The cursor of GET /api/jobs?after= that starts the listing at jobs submitted at or after
 * millis: the node's cursor is MILLIS(base 36).INDEX.ID, jobs by submit time first.
 */
export function since(millis) {
  return Math.max(0, Math.floor(millis) - 1).toString(36) + '.0.0';
}
