import { describe, expect, it } from 'vitest';
import { detect, type DetectorName } from './detectors.ts';
import { redactSpans, unsafePattern } from './redact.ts';

// [detector, text, what must be found (empty: nothing)]
const TABLE: [DetectorName, string, string[]][] = [
  ['email', 'write to jane.doe+news@example.co.uk today', ['jane.doe+news@example.co.uk']],
  ['email', 'user: a_b@sub.mail-host.io.', ['a_b@sub.mail-host.io']],
  ['email', 'the @decorator in python', []],
  ['email', 'version 1.2@3', []],
  ['phone', 'call +44 20 7946 0958 now', ['+44 20 7946 0958']],
  ['phone', 'US: (415) 555-2671 or 415-555-2671', ['(415) 555-2671', '415-555-2671']],
  ['phone', '+33612345678', ['+33612345678']],
  ['phone', 'took 12 ms', []],
  ['phone', 'date 2026-01-31', []],
  ['card', 'card 4111 1111 1111 1111 exp 12/29', ['4111 1111 1111 1111']],
  ['card', '5500-0000-0000-0004', ['5500-0000-0000-0004']],
  ['card', '378282246310005', ['378282246310005']],
  ['card', 'order 4111111111111112 (fails Luhn)', []],
  ['card', 'ts 1738324800000', []],
  ['iban', 'IBAN GB82 WEST 1234 5698 7654 32 thanks', ['GB82 WEST 1234 5698 7654 32']],
  ['iban', 'DE89370400440532013000', ['DE89370400440532013000']],
  ['iban', 'GB82WEST12345698765433 (bad checksum)', []],
  ['ssn', 'ssn 123-45-6789', ['123-45-6789']],
  ['ssn', '000-12-3456 and 666-12-3456 and 912-34-5678', []],
  ['ip', 'from 192.168.1.20 and 8.8.8.8', ['192.168.1.20', '8.8.8.8']],
  ['ip', 'ipv6 2001:db8:85a3:0:0:8a2e:370:7334 and fe80::1', ['2001:db8:85a3:0:0:8a2e:370:7334', 'fe80::1']],
  ['ip', 'version 1.2.3.456 and 999.1.1.1', []],
  ['ip', 'at 12:30:45', []],
  ['secret', 'key sk-proj-abcdEFGH1234ijklMNOP5678', ['sk-proj-abcdEFGH1234ijklMNOP5678']],
  ['secret', 'sk_live_51Habcdefghijklmnop', ['sk_live_51Habcdefghijklmnop']],
  ['secret', 'Authorization: Bearer abcDEF123456ghiJKL789', ['abcDEF123456ghiJKL789']],
  ['secret', 'jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk', ['eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk']],
  ['secret', 'AKIAIOSFODNN7EXAMPLE', ['AKIAIOSFODNN7EXAMPLE']],
  ['secret', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789', ['ghp_abcdefghijklmnopqrstuvwxyz0123456789']],
  ['secret', 'the task-list and sk-short', []],
  ['secret', 'a bearer of bad news', []],
];

describe('redaction detectors', () => {
  it.each(TABLE)('%s in %j finds %j', (name, text, want) => {
    expect(detect(name, text)).toEqual(want);
  });
});

describe('custom pattern check at save', () => {
  it.each([
    ['(a+)+$', 'nested'],
    ['(\\w*)*x', 'nested'],
    ['(a|ab)*c', 'alternation'],
    ['(x)\\1', 'backreferences'],
    ['[', 'valid'],
    ['a*', 'empty'],
  ])('refuses %j', (p, why) => {
    expect(unsafePattern(p)).toContain(why);
  });
  it.each(['ORD-\\d{6}', 'cust_[a-z0-9]{8}', '\\bACME-[A-Z]{3}-\\d+'])('accepts %j', (p) => {
    expect(unsafePattern(p)).toBeNull();
  });
});

describe('redactSpans', () => {
  it('masks and counts per detector, leaving metadata keys alone', async () => {
    const [s] = await redactSpans([{ id: 's', trace_id: 't', name: 'mail a@b.com', input: { to: ['a@b.com', 'x'] }, metadata: { 'a@b.com': 'card 4111111111111111' } }], { mode: 'mask', detectors: new Set(['email', 'card']), custom: [] });
    expect(s.name).toBe('mail [EMAIL]');
    expect(s.input).toEqual({ to: ['[EMAIL]', 'x'] });
    expect(s.metadata).toEqual({ 'a@b.com': 'card [CARD]', 'loupe.redacted': { email: 2, card: 1 } });
  });
});
