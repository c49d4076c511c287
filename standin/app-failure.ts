/**
 * The app's own reason for failing, read from its output: for Python the exception line that ends a
 * traceback (`RuntimeError: boom at import`), for R the `Error ...` message with its continuation
 * lines. gunicorn's master and its workers write to the same pipe in no fixed order, and the master
 * adds its own `HaltServer` line, so the reason is picked by kind, never by position.
 */
export function appFailure(lines: readonly string[]): string | undefined {
  return pythonException(lines) ?? rError(lines);
}

/** A traceback's closing line: a (dotted) exception name at column 0, optionally `: message`. */
const exceptionLine = /^(?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*(?::\s.*)?$/;
/** Exceptions of the process manager about its workers, not the app's. */
const managerException = /^gunicorn\./;

function pythonException(lines: readonly string[]): string | undefined {
  const found: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith('Traceback (most recent call last):')) continue;
    // The exception line is the first line after the frames that is not indented and not a log line.
    for (let j = i + 1; j < lines.length; j++) {
      const line = lines[j];
      if (line === '' || /^\s/.test(line) || line.startsWith('[')) continue;
      if (exceptionLine.test(line)) found.push(line.trim());
      break;
    }
  }
  return found.findLast((l) => !managerException.test(l)) ?? found.at(-1);
}

function rError(lines: readonly string[]): string | undefined {
  const start = lines.findLastIndex((l) => /^Error\b/.test(l));
  if (start < 0) return undefined;
  const message = [lines[start].trim()];
  for (const line of lines.slice(start + 1)) {
    if (!/^\s/.test(line) || line.trim() === '') break;
    message.push(line.trim());
  }
  return message.join(' ').replace(/\s+:\s*/, ': ');
}
