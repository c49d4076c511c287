// Text from outside (request names, tags, URLs, file names, input lines) made inert for each
// output: the terminal, Markdown (CommonMark, GitHub's job summary) and links in HTML pages.
// HTML text and attributes are escaped by the templates (ejs `<%= %>`); this module covers the
// rest.

/**
 * For the terminal: C0 and C1 control characters (ESC, BEL, CR, backspace...) and DEL become
 * visible escapes (`\x1b`), so an input line cannot clear the screen, set the title or rewrite
 * what was printed before. Tabs stay; a backslash is doubled so escapes cannot be faked.
 */
export function terminalText(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  return text.replace(/[\\\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    if (c === '\\') return '\\\\';
    const code = c.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * A CommonMark code span holding any string: the fence is one backtick longer than the longest run
 * of backticks inside, with a space on each side when the text touches a backtick (CommonMark strips
 * one space from each end). Line breaks become spaces and `|` is escaped for table cells (GitHub
 * splits table rows on `|` before reading code spans). Inside a code span nothing else is markup.
 */
export function markdownCode(text: string): string {
  const clean = text.replace(/[\r\n]+/g, ' ').replace(/\|/g, '\\|');
  if (clean === '') return '` `';
  const longest = Math.max(0, ...[...clean.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = clean.startsWith('`') || clean.endsWith('`') || /^ .* $/.test(clean) ? ' ' : '';
  return `${fence}${pad}${clean}${pad}${fence}`;
}

/**
 * A link target that is safe to put in href: http(s) URLs, or relative paths with no scheme at all.
 * Anything else (javascript:, data:, vbscript:, file:, protocol-relative `//host`) gives null, and
 * the page shows the text without a link.
 */
export function safeHref(value: string | null | undefined): string | null {
  if (typeof value !== 'string') return null;
  // Browsers drop tabs and newlines inside URLs and trim spaces and controls: `java\tscript:` is javascript:.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  const compact = value.replace(/[\x00-\x20\x7f]/g, '');
  if (compact === '' || compact.startsWith('//') || compact.startsWith('\\')) return null;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(compact);
  if (scheme) return /^https?$/i.test(scheme[1]) ? value.trim() : null;
  // A colon before any / ? # would make it a scheme on some parsers; refuse it.
  const beforePath = compact.split(/[/?#]/)[0];
  if (beforePath.includes(':')) return null;
  return value.trim();
}
