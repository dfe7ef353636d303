import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { UnauthorizedError } from './errors.js';

export const TOKEN_FILE = 'publish-token';

/** 32 random bytes, URL-safe: long enough that guessing is hopeless, short enough to paste into OBS. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The busker's publish token: made once, then kept in the data folder (readable by the owner only). */
export async function loadOrCreateToken(dataDir: string): Promise<{ token: string; path: string }> {
  const path = join(dataDir, TOKEN_FILE);
  try {
    const token = (await readFile(path, 'utf8')).trim();
    if (token.length >= 16) return { token, path };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dataDir, { recursive: true });
  const token = generateToken();
  await writeFile(path, `${token}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
  return { token, path };
}

/** Compares in constant time; hashing first makes the lengths equal without leaking them. */
export function tokensMatch(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

export function requirePublishToken(req: IncomingMessage, expected: string): void {
  const given = bearerToken(req);
  if (given === undefined) throw new UnauthorizedError();
  if (!tokensMatch(given, expected)) throw new UnauthorizedError('The publish token is wrong.');
}
