/** The CLI's own parsing of flags and arguments (no server needed). */
import { describe, it, expect } from 'vitest';
import { buildListQuery, parseWhen, userFilterError } from '../../cli/query.ts';
import { parseAssignment } from '../../cli/commands/feedback.ts';
import { CliError, EXIT, formatFilterError } from '../../cli/errors.ts';
import { normalizeUrl, configPath } from '../../cli/config.ts';

const NOW = Date.parse('2026-02-01T12:00:00Z');

describe('--since and --until', () => {
  it('take a duration back from now or a date, with UTC when no zone is given', () => {
    expect(parseWhen('7d', '--since', NOW)).toBe(NOW - 7 * 86_400_000);
    expect(parseWhen('90m', '--since', NOW)).toBe(NOW - 90 * 60_000);
    expect(parseWhen('2w', '--since', NOW)).toBe(NOW - 14 * 86_400_000);
    expect(parseWhen('2026-01-31', '--since', NOW)).toBe(Date.parse('2026-01-31T00:00:00Z'));
    expect(parseWhen('2026-01-31T10:00', '--since', NOW)).toBe(Date.parse('2026-01-31T10:00:00Z'));
    expect(parseWhen('2026-01-31T10:00:00+02:00', '--since', NOW)).toBe(Date.parse('2026-01-31T08:00:00Z'));
  });

  it('reject anything else as a usage error naming the flag', () => {
    for (const bad of ['7', 'yesterday', '7 days', '2026-13-45']) {
      expect(() => parseWhen(bad, '--until', NOW)).toThrow(expect.objectContaining({ exitCode: EXIT.usage, message: expect.stringContaining(`--until '${bad}' is not a time`) }));
    }
  });
});

describe('list filters', () => {
  it('join the words of the command line and keep --env apart from an `or`', () => {
    expect(buildListQuery(['feedback.outcome=0', 'status=error'], {}, NOW).q).toBe('feedback.outcome=0 status=error');
    expect(buildListQuery(['tag=a or tag=b'], { env: 'production' }, NOW).q).toBe('(tag=a or tag=b) env=production');
    expect(buildListQuery([], { env: 'my env' }, NOW).q).toBe('env="my env"');
    expect(buildListQuery([], {}, NOW).q).toBeUndefined();
  });

  it('point a server filter error at the user’s own text', () => {
    const query = buildListQuery(['name="x" colour=red'], {}, NOW);
    query.q = `(${query.userFilter}) env=prod`;
    query.offset = 1;
    const err = userFilterError(new CliError("unknown field 'colour'", EXIT.usage, { q: query.q!, position: 10, end: 16 }), query) as CliError;
    expect(formatFilterError(err.message, err.filter!)).toBe("invalid filter: unknown field 'colour'\n  name=\"x\" colour=red\n           ^^^^^^");
  });

  it('check the filter locally when --env is added, so errors never mention text the user did not write', () => {
    expect(() => buildListQuery(['status=error and'], { env: 'prod' }, NOW)).toThrow(expect.objectContaining({ filter: { q: 'status=error and', position: 16, end: 16 } }));
  });
});

describe('feedback assignments', () => {
  it('read numbers and booleans as scores, words and JSON as values', () => {
    expect(parseAssignment('thumbs=0')).toEqual({ key: 'thumbs', score: 0 });
    expect(parseAssignment('helpfulness=0.75')).toEqual({ key: 'helpfulness', score: 0.75 });
    expect(parseAssignment('correct=true')).toEqual({ key: 'correct', score: 1 });
    expect(parseAssignment('failure=wrong_cabin')).toEqual({ key: 'failure', value: 'wrong_cabin' });
    expect(parseAssignment('labels=["a","b"]')).toEqual({ key: 'labels', value: ['a', 'b'] });
    expect(parseAssignment('note=a=b')).toEqual({ key: 'note', value: 'a=b' });
  });

  it('refuse a missing key or value', () => {
    for (const bad of ['thumbs', '=1', 'thumbs=']) expect(() => parseAssignment(bad)).toThrow(CliError);
  });
});

describe('configuration', () => {
  it('keeps the config under XDG_CONFIG_HOME when it is set', () => {
    expect(configPath({ XDG_CONFIG_HOME: '/tmp/cfg' })).toBe('/tmp/cfg/loupe/config.json');
  });

  it('accepts http(s) URLs without their trailing slash and refuses the rest', () => {
    expect(normalizeUrl('http://127.0.0.1:8787/')).toBe('http://127.0.0.1:8787');
    expect(normalizeUrl('https://loupe.example.com/base/')).toBe('https://loupe.example.com/base');
    expect(() => normalizeUrl('127.0.0.1:8787')).toThrow("'127.0.0.1:8787' has no http:// or https://; did you mean http://127.0.0.1:8787?");
    expect(() => normalizeUrl('ftp://example.com')).toThrow(/must start with http/);
    expect(() => normalizeUrl('http://exa mple.com')).toThrow(/is not a URL/);
  });
});
