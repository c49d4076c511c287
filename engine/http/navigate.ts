// Response.submitForm() and Response.clickLink(): the request a browser would make from the
// response's HTML, worked out once for both kinds of VU (each sends it with its own request
// function). As k6 documents them
// (https://grafana.com/docs/k6/latest/javascript-api/k6-http/response/response-submitform/ and
// …/response-clicklink/); the details the documentation leaves open (defaults, the error
// sentences, how the query of a GET form is built) follow grafana/k6's
// js/modules/k6/http/response.go.

/** What the two methods need of k6/html's Selection. */
export interface FormSelection {
  size(): number;
  attr(name: string): string | undefined;
  find(selector: string): FormSelection;
  /** k6's SerializeObject: a string, the values of a multiple select, or undefined per field. */
  serializeObject(): Record<string, string | string[] | undefined>;
  /** k6's Selection.val(): a string, the selected values of a multiple select, or undefined. */
  val(): string | string[] | undefined;
}

/** Parses the response body and returns `find(selector)` (Response.html(selector)). */
export type HtmlOf = (selector: string) => FormSelection;

export interface Navigation {
  /** The method the script called, to name it in messages. */
  call: string;
  method: string;
  url: string;
  /** null for a GET (the values are in the query); otherwise the form's values, form-urlencoded. */
  body: Record<string, string> | null;
  params: unknown;
}

function stringOption(args: Record<string, unknown>, key: string, fallback: string): string {
  const v = args[key];
  return v === undefined ? fallback : String(v);
}

function optionsOf(args: unknown): Record<string, unknown> {
  return args !== null && typeof args === 'object' ? (args as Record<string, unknown>) : {};
}

/** A URL of the page resolved as Go's url.ResolveReference does, with a sentence when it cannot be. */
function resolve(ref: string, base: string): URL {
  try {
    return new URL(ref, base);
  } catch {
    throw new Error(
      `cannot resolve ${JSON.stringify(ref)} against the response URL ${JSON.stringify(base)}.`,
    );
  }
}

/** Go's url.Values.Encode(): keys sorted, every byte escaped but letters, digits and `-_.~`, spaces as `+`. */
function goQuery(values: Record<string, string>): string {
  const encode = (s: string) =>
    encodeURIComponent(s)
      .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
      .replace(/%20/g, '+');
  return Object.keys(values)
    .sort()
    .map((k) => `${encode(k)}=${encode(values[k])}`)
    .join('&');
}

/** `res.submitForm({ formSelector, fields, submitSelector, params })` */
export function formSubmission(html: HtmlOf, responseURL: string, args?: unknown): Navigation {
  const o = optionsOf(args);
  const formSelector = stringOption(o, 'formSelector', 'form');
  const submitSelector = stringOption(o, 'submitSelector', '[type="submit"]');
  const form = html(formSelector);
  if (form.size() === 0)
    throw new Error(`no form found for selector '${formSelector}' in response '${responseURL}'`);
  const methodAttr = form.attr('method');
  const method = methodAttr === undefined ? 'GET' : methodAttr.toUpperCase();
  const actionAttr = form.attr('action');
  const url = actionAttr === undefined ? resolve(responseURL, responseURL) : resolve(actionAttr, responseURL);
  // As k6, which reads each value as a string (sobek's Value.String()): a multiple select's
  // values joined with commas, a field without a value (a keygen) "undefined".
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(form.serializeObject())) values[k] = String(v);
  const submit = form.find(submitSelector);
  const submitName = submit.attr('name');
  const submitValue = submit.val();
  if (submitName !== undefined && submitValue !== undefined) values[submitName] = String(submitValue);
  const fields = o.fields;
  if (fields !== null && typeof fields === 'object') {
    for (const [k, v] of Object.entries(fields as Record<string, unknown>)) values[k] = String(v);
  }
  // A GET form: k6 replaces the action's query with the form's values and sends no body.
  if (method === 'GET') url.search = goQuery(values);
  return {
    call: 'Response.submitForm()',
    method,
    url: url.href,
    body: method === 'GET' ? null : values,
    params: o.params ?? undefined,
  };
}

/** `res.clickLink({ selector, params })` */
export function linkClick(html: HtmlOf, responseURL: string, args?: unknown): Navigation {
  const o = optionsOf(args);
  const selector = stringOption(o, 'selector', 'a[href]');
  const link = html(selector);
  if (link.size() === 0)
    throw new Error(`no element found for selector '${selector}' in response '${responseURL}'`);
  const href = link.attr('href');
  if (href === undefined) {
    throw new Error(
      `no valid href attribute value found on element '${selector}' in response '${responseURL}'`,
    );
  }
  return {
    call: 'Response.clickLink()',
    method: 'GET',
    url: resolve(href, responseURL).href,
    body: null,
    params: o.params ?? undefined,
  };
}
