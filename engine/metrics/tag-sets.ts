// Tag sets shared by the VUs of a thread. The VUs of a scenario mostly tag their samples alike, so
// one object per distinct set serves them all: the sample encoder and the VUs' caches then touch a
// few hot objects instead of one cold copy per VU on every request.

/** Past this many distinct sets (tags with a value per request), the table starts afresh. */
const MAX_SHARED = 10_000;
const shared = new Map<string, Record<string, string>>();

/**
 * The thread's one object with the same tags, in the same order, as `tags` (which becomes it when
 * it is the first). Neither may be changed afterwards.
 */
export function sharedTagSet(tags: Record<string, string>): Record<string, string> {
  const key = JSON.stringify(tags);
  const known = shared.get(key);
  if (known !== undefined) return known;
  if (shared.size >= MAX_SHARED) shared.clear();
  shared.set(key, tags);
  return tags;
}
