// `http.url\`...\``: the URL it fills in and the name tag k6 gives it (the template with `${}` for
// each value). Pure, so that the synchronous VUs' threads build the same object.

/** What `http.url\`...\`` gives: a URL whose name tag is the template, not the filled-in value. */
export class TaggedURL {
  constructor(
    readonly url: string,
    readonly name: string,
  ) {}
  toString(): string {
    return this.url;
  }
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
