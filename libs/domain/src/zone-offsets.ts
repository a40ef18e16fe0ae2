import { IANAZone } from 'luxon';

/**
 * A time zone's UTC offsets, read from luxon (Intl) once and kept: the offset at every UTC
 * midnight and the exact instant of every offset change between them. The business-hours
 * arithmetic asks for offsets millions of times over a long search; an Intl look-up costs
 * ~5 µs, a look-up here a few array reads.
 *
 * Offsets are probed every PROBE_STEP_DAYS days; where two probes differ, every UTC midnight in
 * between is probed, and each change is located to the millisecond by bisection (the first
 * instant carrying the new offset, as localToInstant always took it). A change that is undone
 * within PROBE_STEP_DAYS days would go unseen: no zone of the tz database does that between 1970
 * and 2100 (the closest changes are 7 days apart, America/Boa_Vista in 2000), and the calendar
 * arithmetic before this cache already assumed at most one change within a day either side.
 */

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** Days per cached block (a multiple of PROBE_STEP_DAYS). */
const BLOCK_DAYS = 64;
const PROBE_STEP_DAYS = 4;
const BLOCK_MS = BLOCK_DAYS * DAY_MS;
/** Blocks kept per zone before the zone's cache starts over (~700 years of blocks). */
const MAX_BLOCKS_PER_ZONE = 4096;

interface Block {
  /** Offset (ms) at the block's first instant. */
  startOffset: number;
  /**
   * Instants of the offset changes in (block start, block end], ascending, and the offset from
   * each on. A change exactly at the block's end is listed here (for nextChange) and is the next
   * block's startOffset.
   */
  changes: number[];
  offsets: number[];
}

export class ZoneOffsets {
  private readonly blocks = new Map<number, Block>();

  constructor(private readonly zone: IANAZone) {}

  /** Offset of the zone at an instant, in milliseconds (what luxon's IANAZone.offset gives, in ms). */
  offsetAt(instant: number): number {
    const block = this.block(Math.floor(instant / BLOCK_MS));
    let offset = block.startOffset;
    for (let i = 0; i < block.changes.length && block.changes[i]! <= instant; i++) offset = block.offsets[i]!;
    return offset;
  }

  /** The first instant in (after, until] at which the offset changes, or null if it stays put. */
  nextChange(after: number, until: number): number | null {
    for (let index = Math.floor(after / BLOCK_MS); index * BLOCK_MS < until; index++) {
      for (const change of this.block(index).changes) {
        if (change > until) return null;
        if (change > after) return change;
      }
    }
    return null;
  }

  private probe(instant: number): number {
    return this.zone.offset(instant) * MINUTE_MS;
  }

  private block(index: number): Block {
    const cached = this.blocks.get(index);
    if (cached) return cached;
    if (this.blocks.size >= MAX_BLOCKS_PER_ZONE) this.blocks.clear();
    const start = index * BLOCK_MS;
    const changes: number[] = [];
    const offsets: number[] = [];
    const startOffset = this.probe(start);
    let previous = startOffset;
    for (let step = PROBE_STEP_DAYS; step <= BLOCK_DAYS; step += PROBE_STEP_DAYS) {
      const stepEnd = start + step * DAY_MS;
      const stepOffset = this.probe(stepEnd);
      if (stepOffset === previous) continue;
      // The offset changed within this step: probe each UTC midnight of it, and locate each change.
      let before = previous;
      for (let day = step - PROBE_STEP_DAYS + 1; day <= step; day++) {
        const midnight = start + day * DAY_MS;
        const after = day === step ? stepOffset : this.probe(midnight);
        if (after === before) continue;
        // The first instant carrying the new offset, in (midnight - DAY_MS, midnight].
        let lo = midnight - DAY_MS;
        let hi = midnight;
        while (hi - lo > 1) {
          const mid = Math.floor((lo + hi) / 2);
          if (this.probe(mid) === after) hi = mid;
          else lo = mid;
        }
        changes.push(hi);
        offsets.push(after);
        before = after;
      }
      previous = stepOffset;
    }
    const block: Block = { startOffset, changes, offsets };
    this.blocks.set(index, block);
    return block;
  }
}

const zones = new Map<string, ZoneOffsets>();
/** Zone names kept (Intl knows ~600, but accepts any mix of upper and lower case). */
const MAX_ZONES = 1_000;

/** The shared offset cache of a (valid) IANA zone. */
export function zoneOffsets(name: string): ZoneOffsets {
  let found = zones.get(name);
  if (!found) {
    if (zones.size >= MAX_ZONES) zones.clear();
    found = new ZoneOffsets(IANAZone.create(name));
    zones.set(name, found);
  }
  return found;
}
