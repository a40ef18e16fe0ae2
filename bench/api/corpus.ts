/**
 * Vocabulary for the seeded tickets: titles and descriptions made of ordinary helpdesk English,
 * so that full-text search has realistic matches (a noun like "printer" is in a few per cent of
 * the tickets, not in all or none of them). Deterministic: the same seed gives the same corpus.
 */
import { mulberry32 } from '../common';

export const SUBJECTS = [
  'printer',
  'invoice',
  'payment',
  'refund',
  'login',
  'password',
  'account',
  'email',
  'report',
  'dashboard',
  'export',
  'laptop',
  'vpn',
  'network',
  'server',
  'database',
  'backup',
  'license',
  'subscription',
  'order',
  'shipment',
  'delivery',
  'checkout',
  'cart',
  'receipt',
  'terminal',
  'scanner',
  'inventory',
  'schedule',
  'payroll',
  'badge',
  'phone',
  'tablet',
  'mobile app',
  'update',
  'sync',
  'calendar',
  'notification',
  'webhook',
  'integration',
  'certificate',
  'firewall',
  'wifi',
  'router',
  'camera',
  'kiosk',
  'barcode',
  'label',
  'warehouse',
  'pricing',
  'discount',
  'coupon',
  'loyalty card',
  'customer profile',
  'search',
  'upload',
  'attachment',
  'timesheet',
  'expense claim',
  'contract',
];

export const ISSUES = [
  'not responding',
  'fails intermittently',
  'shows an error',
  'is very slow',
  'crashes on start',
  'times out',
  'is missing',
  'shows duplicate entries',
  'has the wrong totals',
  'is broken',
  'is blocked',
  'is locked out',
  'has expired',
  'cannot be saved',
  'does not load',
  'returns a blank page',
  'rejects valid input',
  'stopped syncing',
  'needs approval',
  'request for access',
  'keeps logging out',
  'sends no confirmation',
  'prints garbled text',
  'charges twice',
  'shows the old version',
  'cannot connect',
  'drops the connection',
  'is unavailable',
  'loses data',
  'needs a configuration change',
];

export const CONTEXTS = [
  'at the downtown store',
  'in the warehouse',
  'for the night shift',
  'since this morning',
  'after the last update',
  'for new employees',
  'on the main register',
  'for one customer',
  'in the north region',
  'in the south region',
  'for all franchise stores',
  'during checkout',
  'at month end',
  'on weekends',
  'for the finance team',
  'on mobile',
  'on the web portal',
  'for enterprise customers',
  'at the airport kiosk',
  'in the back office',
  'after a restart',
  'for the payroll run',
  'in the staging copy',
  'for partner orders',
  'on older devices',
  'at peak hours',
  'for imported records',
  'in the east depot',
  'for the west branch',
  'since Friday',
];

const PLACES = [
  'store 12',
  'store 48',
  'the warehouse',
  'the head office',
  'the airport kiosk',
  'the east depot',
  'the west branch',
  'the call centre',
  'the mall outlet',
  'the distribution centre',
];
const ACTIONS = [
  'log in',
  'print a receipt',
  'close the register',
  'export the monthly report',
  'approve an order',
  'issue a refund',
  'scan a barcode',
  'update the schedule',
  'reset the password',
  'upload an attachment',
  'sync the inventory',
  'pay an invoice',
];
const TIMES = ['this morning', 'yesterday evening', 'the last release', 'Monday', 'the power outage', 'the network change', 'the migration', 'last week'];
const PEOPLE = [
  'the store manager',
  'a customer',
  'the cashier',
  'the regional lead',
  'an auditor',
  'the finance clerk',
  'a new hire',
  'the warehouse supervisor',
];

const TEMPLATES: Array<(pick: <T>(items: T[]) => T) => string> = [
  (p) => `Since ${p(TIMES)} the ${p(SUBJECTS)} at ${p(PLACES)} ${p(ISSUES)}.`,
  (p) => `${cap(p(PEOPLE))} reports that the ${p(SUBJECTS)} ${p(ISSUES)} when they try to ${p(ACTIONS)}.`,
  (p) => `We restarted the ${p(SUBJECTS)} but the ${p(SUBJECTS)} still ${p(ISSUES)}.`,
  (p) => `Error code E${100 + Math.floor(Math.random() * 900)} appears on the ${p(SUBJECTS)} screen at ${p(PLACES)}.`,
  (p) => `Please check the ${p(SUBJECTS)} configuration for ${p(PLACES)}.`,
  (p) => `This blocks ${p(PEOPLE)} from being able to ${p(ACTIONS)}.`,
  (p) => `Steps to reproduce: open the ${p(SUBJECTS)}, try to ${p(ACTIONS)}, wait a minute.`,
  (p) => `The ${p(SUBJECTS)} worked fine before ${p(TIMES)}.`,
  (p) => `Expected the ${p(SUBJECTS)} to update, but it ${p(ISSUES)}.`,
  (p) => `${cap(p(PEOPLE))} needs this fixed before the end of the day to ${p(ACTIONS)}.`,
  (p) => `A workaround is to ${p(ACTIONS)} from another ${p(SUBJECTS)}.`,
  (p) => `Screenshot attached; the ${p(SUBJECTS)} log mentions a ${p(SUBJECTS)} timeout.`,
];

function cap(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** `count` distinct-ish sentences built from the templates above. */
export function sentences(count: number, seed = 42): string[] {
  const random = mulberry32(seed);
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
  const saved = Math.random;
  Math.random = random;
  try {
    return Array.from({ length: count }, () => pick(TEMPLATES)(pick));
  } finally {
    Math.random = saved;
  }
}

/** Expands `{ value: weight }` into a 100-element array, so that SQL can pick by weight with one random index. */
export function weighted(weights: Record<string, number>): string[] {
  const total = Object.values(weights).reduce((a, b) => a + b, 0);
  const out: string[] = [];
  for (const [value, weight] of Object.entries(weights)) {
    for (let i = 0; i < Math.round((weight / total) * 100); i++) out.push(value);
  }
  while (out.length < 100) out.push(Object.keys(weights)[0]);
  return out.slice(0, 100);
}

export const TEAM_NAMES = [
  'Store Operations North',
  'Store Operations South',
  'Store Operations East',
  'Store Operations West',
  'Warehouse',
  'Logistics',
  'Payments',
  'Billing',
  'Identity and Access',
  'Network',
  'Field Devices',
  'Point of Sale',
  'Mobile',
  'Web Portal',
  'Integrations',
  'Data and Reporting',
  'Payroll',
  'Facilities',
  'Franchise Support',
  'Customer Care',
];

export const TAGS = [
  'vip',
  'hardware',
  'software',
  'outage',
  'regression',
  'billing',
  'onboarding',
  'security',
  'pos',
  'mobile',
  'franchise',
  'escalated-by-phone',
  'known-issue',
  'follow-up',
  'migration',
];
export const REGIONS = ['north', 'south', 'east', 'west'];
