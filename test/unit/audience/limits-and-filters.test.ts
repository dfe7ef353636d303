import { describe, expect, it } from 'vitest';
import { ChatNameSchema, ChatSettingsSchema, ChatTextSchema, CHAT_LIMITS } from '../../../common/chat.js';
import { ProfileInputSchema } from '../../../common/profile.js';
import { cleanText, visibleLength } from '../../../common/text.js';
import { BlockedWords } from '../../../server/audience/blocked-words.js';
import { authorKey, guestName, viewerName } from '../../../server/audience/identity.js';
import { sniffImageType } from '../../../server/audience/profile-store.js';
import { Refusal } from '../../../server/audience/refusal.js';
import { TokenBucket } from '../../../server/audience/token-bucket.js';

describe('TokenBucket (chat rate limit, flood guard)', () => {
  it('allows a burst, then one per refill interval, and says how long to wait', () => {
    let now = 0;
    const bucket = new TokenBucket(3, 2000, () => now);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([0, 0, 0]);
    expect(bucket.take()).toBe(2000);
    now = 500;
    expect(bucket.take()).toBe(1500);
    now = 2000;
    expect(bucket.take()).toBe(0);
    expect(bucket.take()).toBe(2000);
    // A long pause refills to the burst, never beyond it.
    now = 60_000;
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([0, 0, 0, 2000]);
  });

  it('is not fooled by a clock that goes backwards', () => {
    let now = 10_000;
    const bucket = new TokenBucket(1, 1000, () => now);
    expect(bucket.take()).toBe(0);
    now = 0;
    expect(bucket.take()).toBe(1000);
  });
});

describe('BlockedWords', () => {
  const filter = new BlockedWords(['darn', 'Crème Brûlée', 'spam link']);

  it('finds whole words in any case and with or without accents', () => {
    expect(filter.find('well DARN it')).toBe('darn');
    expect(filter.find('i love creme brulee')).toBe('creme brulee');
    expect(filter.find('Click this SPAM, link!')).toBe('spam link');
  });

  it('does not refuse words that merely contain a blocked one (the Scunthorpe problem)', () => {
    expect(filter.find('darned socks and a darnation')).toBeUndefined();
    expect(filter.find('crème alone')).toBeUndefined();
  });

  it('sees through letters spelled out with separators', () => {
    expect(filter.find('d.a.r.n')).toBe('darn');
    expect(filter.find('d a r n you')).toBe('darn');
  });

  it('blocks nothing when the list is empty', () => {
    expect(new BlockedWords([]).find('anything at all')).toBeUndefined();
  });
});

describe('chat text and names', () => {
  it('cleans control characters and bidi overrides and folds whitespace', () => {
    expect(cleanText('  hi\n\tthere\u0000 \u202Egnp.exe  ')).toBe('hi there gnp.exe');
  });

  it('counts what a person sees: one emoji is one character', () => {
    expect(visibleLength('👩‍👩‍👧‍👦🎸')).toBe(2);
    expect(ChatTextSchema.safeParse('🎸'.repeat(CHAT_LIMITS.text)).success).toBe(true);
    expect(ChatTextSchema.safeParse('a'.repeat(CHAT_LIMITS.text + 1)).success).toBe(false);
  });

  it('refuses an empty message (after cleaning) and keeps HTML as the characters typed', () => {
    expect(ChatTextSchema.safeParse(' \n ').success).toBe(false);
    expect(ChatTextSchema.parse('<img src=x onerror=alert(1)>')).toBe('<img src=x onerror=alert(1)>');
  });

  it('gives a guest a stable name from its tab id and never reveals the id', () => {
    const key = authorKey('tab-id-0123456789abcdef');
    expect(key).toBe(authorKey('tab-id-0123456789abcdef'));
    expect(key).not.toContain('tab-id');
    expect(viewerName('', key, '')).toBe(guestName(key));
    expect(guestName(key)).toMatch(/^Guest [0-9A-F]{4}$/);
    expect(authorKey('another-tab-0123456789')).not.toBe(key);
  });

  it('refuses names that pass for the busker, and names too long', () => {
    const key = authorKey('x'.repeat(20));
    expect(() => viewerName('Busker', key, 'Ana')).toThrow(Refusal);
    expect(() => viewerName('  ána ', key, 'Ana')).toThrow(/taken by the busker/);
    expect(() => viewerName('n'.repeat(CHAT_LIMITS.name + 1), key, '')).toThrow(Refusal);
    expect(viewerName(' Bo ', key, 'Ana')).toBe('Bo');
    expect(ChatNameSchema.parse('a\u202Eb')).toBe('a b');
  });

  it('chat settings: slow mode bounds and blocked words cleaned', () => {
    expect(ChatSettingsSchema.parse({ slowModeSeconds: 5, blockedWords: ['  bad\nword '] })).toEqual({ slowModeSeconds: 5, blockedWords: ['bad word'] });
    expect(ChatSettingsSchema.safeParse({ slowModeSeconds: -1, blockedWords: [] }).success).toBe(false);
    expect(ChatSettingsSchema.safeParse({ slowModeSeconds: 601, blockedWords: [] }).success).toBe(false);
    expect(ChatSettingsSchema.safeParse({ slowModeSeconds: 0, blockedWords: [''] }).success).toBe(false);
  });
});

describe('profile', () => {
  it('accepts http(s) links only', () => {
    const profile = (url: string) => ProfileInputSchema.safeParse({ name: 'Ana', bio: '', links: [{ label: 'Tip', url }] });
    expect(profile('https://ko-fi.com/ana').success).toBe(true);
    expect(profile('javascript:alert(1)').success).toBe(false);
    expect(profile('data:text/html,<script>1</script>').success).toBe(false);
    expect(profile('ko-fi.com/ana').success).toBe(false);
  });

  it('knows an image by its first bytes, not by what it claims', () => {
    expect(sniffImageType(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]))).toBe('image/jpeg');
    expect(sniffImageType(Buffer.from('89504e470d0a1a0a0000', 'hex'))).toBe('image/png');
    expect(sniffImageType(Buffer.from('RIFF\0\0\0\0WEBPVP8 ', 'latin1'))).toBe('image/webp');
    expect(sniffImageType(Buffer.from('<svg onload=alert(1)>'))).toBeUndefined();
  });
});
