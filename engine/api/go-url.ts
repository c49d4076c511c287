// URLs as k6/html's element methods see them: k6 parses and resolves an attribute with Go's net/url
// (grafana/k6 js/modules/k6/html/element.go resolves with url.Parse and URL.ResolveReference), which
// differs from WHATWG URLs: no normalisation of the host, an empty path stays empty
// ("http://a.com" stays so), a reference against an empty base gets a leading "/", and the scheme
// comes back without its colon. This is Go's documented behaviour (https://pkg.go.dev/net/url)
// and RFC 3986 section 5.2, written here for those methods only.

export interface GoURL {
  scheme: string;
  opaque: string;
  /** userinfo as written (still escaped), or undefined when the URL has no '@'. */
  user: string | undefined;
  host: string;
  /** The path as written (escaped form). */
  path: string;
  rawQuery: string;
  forceQuery: boolean;
  /** The fragment as written (escaped form). */
  fragment: string;
}

const EMPTY: GoURL = {
  scheme: '',
  opaque: '',
  user: undefined,
  host: '',
  path: '',
  rawQuery: '',
  forceQuery: false,
  fragment: '',
};

export function emptyURL(): GoURL {
  return { ...EMPTY };
}

/** A percent sign not followed by two hex digits, which Go's parser rejects. */
const BAD_ESCAPE = /%(?![0-9a-fA-F]{2})/;

function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** Go's url.Parse; undefined where Go returns an error. */
export function parseGoURL(raw: string): GoURL | undefined {
  if (hasControl(raw)) return undefined;
  const u = emptyURL();
  let rest = raw;
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    u.fragment = rest.slice(hash + 1);
    if (BAD_ESCAPE.test(u.fragment)) return undefined;
    rest = rest.slice(0, hash);
  }
  if (rest === '*') {
    u.path = '*';
    return u;
  }
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(rest);
  if (scheme) {
    u.scheme = scheme[1].toLowerCase();
    rest = rest.slice(scheme[0].length);
  } else if (rest.startsWith(':')) {
    return undefined; // "missing protocol scheme"
  }
  if (rest.endsWith('?') && rest.split('?').length === 2) {
    u.forceQuery = true;
    rest = rest.slice(0, -1);
  } else {
    const q = rest.indexOf('?');
    if (q >= 0) {
      u.rawQuery = rest.slice(q + 1);
      rest = rest.slice(0, q);
    }
  }
  if (!rest.startsWith('/')) {
    if (u.scheme !== '') {
      u.opaque = rest;
      return u;
    }
    const colon = rest.indexOf(':');
    const slash = rest.indexOf('/');
    if (colon >= 0 && (slash < 0 || colon < slash)) return undefined; // "first path segment in URL cannot contain colon"
  }
  if (rest.startsWith('//') && (u.scheme !== '' || !rest.startsWith('///'))) {
    const end = rest.indexOf('/', 2);
    const authority = end < 0 ? rest.slice(2) : rest.slice(2, end);
    rest = end < 0 ? '' : rest.slice(end);
    const at = authority.lastIndexOf('@');
    if (at >= 0) {
      u.user = authority.slice(0, at);
      if (BAD_ESCAPE.test(u.user)) return undefined;
    }
    u.host = at >= 0 ? authority.slice(at + 1) : authority;
    if (!validHost(u.host)) return undefined;
  }
  if (BAD_ESCAPE.test(rest)) return undefined;
  u.path = rest;
  return u;
}

function validHost(host: string): boolean {
  if (host.startsWith('[')) return /^\[[0-9A-Fa-f:.]+(%25[^\]]*)?\](:\d*)?$/.test(host);
  const colon = host.lastIndexOf(':');
  if (colon >= 0 && !/^\d*$/.test(host.slice(colon + 1))) return false;
  // Go accepts the sub-delims and a few more in a reg-name; spaces and the like are refused.
  return /^[A-Za-z0-9\-._~!$&'()*+,;=%:]*$/.test(host);
}

/** Go's resolvePath: merges the paths and removes "." and ".." segments. */
function resolvePath(base: string, ref: string): string {
  let full: string;
  if (ref === '') full = base;
  else if (ref[0] !== '/') full = base.slice(0, base.lastIndexOf('/') + 1) + ref;
  else full = ref;
  if (full === '') return '';
  const kept: string[] = [];
  const segs = full.split('/');
  for (const s of segs) {
    if (s === '.') continue;
    if (s === '..') kept.pop();
    else kept.push(s);
  }
  let out = `/${kept.join('/')}`;
  if (out.startsWith('//')) out = out.slice(1);
  const last = segs[segs.length - 1];
  if ((last === '.' || last === '..') && !out.endsWith('/')) out += '/';
  return out;
}

/** Go's URL.ResolveReference. */
export function resolveGoURL(base: GoURL, ref: GoURL): GoURL {
  const url: GoURL = { ...ref };
  if (ref.scheme === '') url.scheme = base.scheme;
  if (ref.scheme !== '' || ref.host !== '' || ref.user !== undefined) {
    url.path = resolvePath(ref.path, '');
    return url;
  }
  if (ref.opaque !== '') {
    url.user = undefined;
    url.host = '';
    url.path = '';
    return url;
  }
  if (ref.path === '' && !ref.forceQuery && ref.rawQuery === '') {
    url.rawQuery = base.rawQuery;
    if (ref.fragment === '') url.fragment = base.fragment;
  }
  if (ref.path === '' && base.opaque !== '') {
    url.opaque = base.opaque;
    url.user = undefined;
    url.host = '';
    url.path = '';
    return url;
  }
  url.host = base.host;
  url.user = base.user;
  url.path = resolvePath(base.path, ref.path);
  return url;
}

/** Go's URL.String. */
export function goURLString(u: GoURL): string {
  let out = '';
  if (u.scheme !== '') out += `${u.scheme}:`;
  if (u.opaque !== '') {
    out += u.opaque;
  } else {
    if (u.scheme !== '' || u.host !== '' || u.user !== undefined) {
      if (u.host !== '' || u.path !== '' || u.user !== undefined) out += '//';
      if (u.user !== undefined) out += `${u.user}@`;
      out += u.host;
    }
    const path = u.path;
    if (path !== '' && path[0] !== '/' && u.host !== '') out += '/';
    if (out === '' && path.split('/')[0].includes(':')) out += './';
    out += path;
  }
  if (u.forceQuery || u.rawQuery !== '') out += `?${u.rawQuery}`;
  if (u.fragment !== '') out += `#${u.fragment}`;
  return out;
}

/** Percent-decoding as Go's unescape does for a URL's parts (invalid input is left as is). */
export function unescapeGo(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Go's net.SplitHostPort for a URL's host; undefined where Go returns an error. */
export function splitHostPort(hostport: string): { host: string; port: string } | undefined {
  const colon = hostport.lastIndexOf(':');
  if (colon < 0) return undefined; // "missing port in address"
  if (hostport.startsWith('[')) {
    const close = hostport.indexOf(']');
    if (close < 0 || close + 1 !== colon) return undefined;
    return { host: hostport.slice(1, close), port: hostport.slice(colon + 1) };
  }
  const host = hostport.slice(0, colon);
  if (host.includes(':')) return undefined; // "too many colons in address"
  return { host, port: hostport.slice(colon + 1) };
}
