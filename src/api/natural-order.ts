// The docker CLI's natural order of names, shared by the CLI's list commands and the topology model.

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/**
 * The docker CLI's list order (sortorder.NaturalLess): code units compared as they are, except that runs of
 * digits compare as numbers ("n9" < "n10", "B" < "a"), digits before anything else. Also spares a list
 * command String.localeCompare, whose first call loads ICU's collator (~10 ms of the process's start).
 */
export function naturalCompare(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(j);
    if (isDigit(ca) !== isDigit(cb)) return isDigit(ca) ? -1 : 1;
    if (!isDigit(ca)) {
      if (ca !== cb) return ca - cb;
      i++;
      j++;
      continue;
    }
    const zerosA = i;
    const zerosB = j;
    while (a.charCodeAt(i) === 0x30) i++;
    while (b.charCodeAt(j) === 0x30) j++;
    const startA = i;
    const startB = j;
    while (i < a.length && isDigit(a.charCodeAt(i))) i++;
    while (j < b.length && isDigit(b.charCodeAt(j))) j++;
    const na = a.slice(startA, i);
    const nb = b.slice(startB, j);
    if (na.length !== nb.length) return na.length - nb.length;
    if (na !== nb) return na < nb ? -1 : 1;
    // Equal numbers: fewer leading zeros first.
    if (startA - zerosA !== startB - zerosB) return (startA - zerosA) - (startB - zerosB);
  }
  return (a.length - i) - (b.length - j);
}
