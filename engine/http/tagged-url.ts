// `http.url\`...\``: the URL it fills in and the name tag k6 gives it (the template with `${}` for
// each value). Pure, so that the synchronous VUs' threads build the same object.
import { NotOnThisEngineError } from '../vu-errors.ts';

/**
 * What `http.url\`...\`` gives, shaped as k6's (grafana/k6 lib/netext/httpext/url.go URL, handed
 * to scripts as a Go struct with js/common/bridge.go's names): own enumerable `name` (the
 * template, `${}` for each value), `url` (filled in) and `clean_url` (credentials masked), then
 * the methods `clean()` and `getURL()`, enumerable too, as a Go value's are. So JSON.stringify
 * shows `{"name":…,"url":…,"clean_url":…}`, console.log all five keys, and String() gives
 * `[object Object]` (the struct has no String method).
 */
export class TaggedURL {
  name: string;
  url: string;
  clean_url: string;
  /** The URL with its credentials masked (k6's URL.Clean). */
  clean: () => string;
  /** k6 hands out Go's *url.URL here, an object this engine does not have. */
  getURL: () => never;

  constructor(url: string, name: string) {
    this.name = name;
    this.url = url;
    this.clean_url = cleanURL(url);
    // As k6's NewURL: a template with no value names the request by its cleaned URL.
    if (url === name) this.name = this.clean_url;
    this.clean = () => this.clean_url;
    this.getURL = () => {
      throw new NotOnThisEngineError("getURL() of http.url`…` (Go's url.URL object)");
    };
  }

  /**
   * The name tag the template gives a request (lib/netext/httpext/request.go MakeRequest): only
   * when it is not the cleaned URL itself, i.e. the template had values.
   */
  get templateName(): string | undefined {
    return this.name !== '' && this.name !== this.clean_url ? this.name : undefined;
  }
}

/** The URL a request argument names: a tagged URL's filled-in one, else the value as a string. */
export function urlText(target: unknown): string {
  return target instanceof TaggedURL ? target.url : String(target);
}

/**
 * k6's URL.Clean: the user information of `scheme://user:pass@host…` written as `****:****`
 * (`****` without a password); anything else as it is.
 */
function cleanURL(url: string): string {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#]*)/.exec(url);
  // As Go's url.Parse: the user information ends at the authority's last '@'.
  const at = m ? m[2].lastIndexOf('@') : -1;
  if (!m || at < 0) return url;
  const masked = m[2].slice(0, at).includes(':') ? '****:****' : '****';
  return `${m[1]}${masked}${url.slice(m[1].length + at)}`;
}

export function taggedURL(strings: TemplateStringsArray, values: unknown[]): TaggedURL {
  let url = '';
  let name = '';
  strings.forEach((s, i) => {
    url += s;
    name += s;
    if (i < values.length) {
      url += String(values[i]);
      // biome-ignore lint/suspicious/noTemplateCurlyInString: k6 names templated URLs with a literal ${}
      name += '${}';
    }
  });
  return new TaggedURL(url, name);
}
