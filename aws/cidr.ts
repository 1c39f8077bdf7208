/**
 * IPv4 CIDR arithmetic for the VPC layout. Parsing comes from ipaddr.js; the
 * layout itself is a few lines of integer math, the same as Terraform's
 * `cidrsubnet`.
 */
import * as ipaddr from "ipaddr.js";

export interface Cidr {
  /** The network address as an unsigned 32-bit integer. */
  readonly network: number;
  /** The prefix length, 0 to 32. */
  readonly prefix: number;
}

/** RFC 1918 ranges: the addresses a VPC should use. */
const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map((text) => parseCidr(text));

/** Parses `a.b.c.d/n`; throws with a readable message when the text is not a canonical IPv4 CIDR. */
export function parseCidr(text: string): Cidr {
  if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(text) || !ipaddr.IPv4.isValidFourPartDecimal(text.split("/")[0])) {
    throw new Error("not an IPv4 CIDR block such as 10.42.0.0/16");
  }
  if (Number(text.split("/")[1]) > 32) throw new Error("the prefix length must be 0 to 32");
  const [address, prefix] = ipaddr.IPv4.parseCIDR(text);
  const network = toNumber(address);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  if ((network & mask) >>> 0 !== network) {
    throw new Error(`host bits are set: the network address is ${formatCidr({ network: (network & mask) >>> 0, prefix })}`);
  }
  return { network, prefix };
}

export function formatCidr(cidr: Cidr): string {
  const octets = [24, 16, 8, 0].map((shift) => (cidr.network >>> shift) & 0xff);
  return `${octets.join(".")}/${cidr.prefix}`;
}

/** The `index`-th block of `newbits` more bits inside `cidr` (Terraform's cidrsubnet). */
export function subnetOf(cidr: Cidr, newbits: number, index: number): Cidr {
  const prefix = cidr.prefix + newbits;
  if (prefix > 32) throw new Error(`${formatCidr(cidr)} has no room for /${prefix} subnets`);
  if (index < 0 || index >= 2 ** newbits) throw new Error(`subnet index ${index} does not fit in ${newbits} bits`);
  return { network: (cidr.network + index * 2 ** (32 - prefix)) >>> 0, prefix };
}

/** The first and last address of a block, as integers. */
function bounds(cidr: Cidr): [number, number] {
  return [cidr.network, cidr.network + 2 ** (32 - cidr.prefix) - 1];
}

export function contains(outer: Cidr, inner: Cidr): boolean {
  const [a, b] = bounds(outer);
  const [c, d] = bounds(inner);
  return a <= c && d <= b;
}

export function overlaps(first: Cidr, second: Cidr): boolean {
  const [a, b] = bounds(first);
  const [c, d] = bounds(second);
  return a <= d && c <= b;
}

/** Whether the block lies inside one of the RFC 1918 private ranges. */
export function isPrivate(cidr: Cidr): boolean {
  return PRIVATE_RANGES.some((range) => contains(range, cidr));
}

function toNumber(address: ipaddr.IPv4): number {
  return address.octets.reduce((value, octet) => value * 256 + octet, 0);
}
