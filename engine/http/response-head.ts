// The status and headers of a response as undici hands them over (raw name/value buffers). One pass
// over the names notes the few headers the engine acts on (redirects, cookies, encoding); the
// names and values are decoded to strings only when a script reads the headers.

/** Whether `name` equals `lower` (lower-case letters and '-') ignoring case. */
function nameIs(name: Buffer, lower: string): boolean {
  if (name.length !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    if ((name[i] | 0x20) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

export class ResponseHead {
  /** The first value of these headers, undefined when absent. */
  readonly location: string | undefined;
  readonly contentEncoding: string | undefined;
  readonly hasSetCookie: boolean = false;
  private pairs: string[] | null = null;

  constructor(
    readonly status: number,
    readonly statusText: string,
    private readonly rawHeaders: Buffer[],
  ) {
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const name = rawHeaders[i];
      switch (name.length) {
        case 8:
          if (this.location === undefined && nameIs(name, 'location')) {
            this.location = rawHeaders[i + 1].toString('latin1');
          }
          break;
        case 10:
          if (nameIs(name, 'set-cookie')) this.hasSetCookie = true;
          break;
        case 16:
          if (this.contentEncoding === undefined && nameIs(name, 'content-encoding')) {
            this.contentEncoding = rawHeaders[i + 1].toString('latin1');
          }
          break;
      }
    }
  }

  /** Header names and values as received, alternating (name, value, name, value…). */
  get raw(): string[] {
    if (this.pairs === null) {
      const raw = this.rawHeaders;
      const pairs = new Array<string>(raw.length);
      for (let i = 0; i < raw.length; i++) pairs[i] = raw[i].toString('latin1');
      this.pairs = pairs;
    }
    return this.pairs;
  }
}
