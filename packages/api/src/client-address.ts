import { isIPv4, isIPv6 } from 'node:net';

/**
 * The client's address as a rate-limit key: an IPv4 address as it is (also when IPv4-mapped,
 * ::ffff:a.b.c.d); an IPv6 address by its /64, since one host is usually given a whole /64
 * and could otherwise take a fresh bucket for every request. The socket's peer only:
 * `trust proxy` stays off, so X-Forwarded-For cannot choose the bucket.
 */
export function addressKey(address: string | undefined): string {
  if (address === undefined || address === '') return 'unknown';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped?.[1] !== undefined) return mapped[1];
  if (isIPv4(address)) return address;
  const withoutZone = address.replace(/%.*$/, '');
  if (!isIPv6(withoutZone)) return address;
  return `${firstFourGroups(withoutZone).join(':')}::/64`;
}

/** The first four 16-bit groups of a valid IPv6 address, in lower-case hex without leading zeros. */
function firstFourGroups(address: string): string[] {
  const [head = '', tail] = address.split('::');
  const groupsOf = (part: string) => (part === '' ? [] : part.split(':'));
  // An embedded IPv4 tail (::ffff:1.2.3.4, 64:ff9b::1.2.3.4) fills two groups.
  const width = (groups: string[]) => groups.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
  const before = groupsOf(head);
  const after = tail === undefined ? [] : groupsOf(tail);
  const zeros = tail === undefined ? [] : Array.from({ length: 8 - width(before) - width(after) }, () => '0');
  return [...before, ...zeros, ...after].slice(0, 4).map((group) => (group.includes('.') ? group : parseInt(group, 16).toString(16)));
}
