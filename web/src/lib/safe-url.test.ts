import { describe, it, expect } from 'vitest';
import { inlineImage, isSafeUrl } from './safe-url.ts';

describe('URLs from untrusted text', () => {
  it('lets http(s), mailto and relative URLs through', () => {
    for (const url of ['https://example.com/a.png', 'http://x.test', 'mailto:a@b.c', '/traces', 'x', '#top']) expect(isSafeUrl(url), url).toBe(true);
  });
  it('refuses javascript:, data: and vbscript: however they are disguised', () => {
    for (const url of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', ' javascript:alert(1)', 'jav\tascript:alert(1)', 'java\u0000script:x', 'data:image/png;base64,AAAA', 'DATA:text/html,<b>', 'vbscript:x'])
      expect(isSafeUrl(url), JSON.stringify(url)).toBe(false);
  });
  it('decodes a base64 raster image but never an SVG or a non-image', () => {
    expect(inlineImage('data:image/png;base64,iVBORw0K')).toMatchObject({ type: 'image/png' });
    expect(inlineImage('data:image/png;base64,iVBORw0K')!.bytes.slice(0, 4)).toEqual(new Uint8Array([0x89, 0x50, 0x4e, 0x47]));
    expect(inlineImage('data:image/svg+xml;base64,PHN2Zz4=')).toBeNull();
    expect(inlineImage('data:text/html;base64,PHNjcmlwdD4=')).toBeNull();
    expect(inlineImage('data:image/png,not-base64')).toBeNull();
    expect(inlineImage('https://example.com/a.png')).toBeNull();
  });
});
