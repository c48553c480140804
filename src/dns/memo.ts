// Small bounded memos for answers the attach path asks for over and over (paths, hashes, file contents
// computed from the host's resolv.conf).

/** memo.get(key), computed and remembered when missing; the memo is emptied when it reaches `limit`. */
export function remembered<T>(memo: Map<string, T>, key: string, compute: () => T, limit = 4096): T {
  let value = memo.get(key);
  if (value === undefined) {
    value = compute();
    if (memo.size >= limit) memo.clear();
    memo.set(key, value);
  }
  return value;
}
