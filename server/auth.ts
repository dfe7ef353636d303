import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { ConflictError, InsufficientStorageError, UnauthorizedError } from './errors.js';

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

/**
 * The busker's publish token as the node holds it while running: read once from the command line /
 * environment or the data folder, and rotatable from the studio when it lives in the data folder.
 * Everything that checks the token asks `value` each time, so a rotation takes effect at once for
 * every route, the events socket's `hello` and the signed media links.
 */
export class PublishToken extends EventEmitter<{ rotated: [] }> {
  #value: string;
  #rotating: Promise<string> | undefined;

  private constructor(
    value: string,
    /** Where the token is kept, or undefined when given on the command line / environment. */
    readonly path: string | undefined,
  ) {
    super();
    this.#value = value;
  }

  static async open(dataDir: string, given: string | undefined): Promise<PublishToken> {
    if (given) return new PublishToken(given, undefined);
    const stored = await loadOrCreateToken(dataDir);
    return new PublishToken(stored.token, stored.path);
  }

  get value(): string {
    return this.#value;
  }

  /** A token from the command line or the environment is the busker's to change there, not ours. */
  get rotatable(): boolean {
    return this.path !== undefined;
  }

  matches(given: string): boolean {
    return tokensMatch(given, this.#value);
  }

  /**
   * Makes a new random token, writes it where the token is kept (a temporary file renamed over the
   * old one, so a crash leaves one whole token or the other), and only then switches to it.
   * Concurrent calls share one rotation.
   */
  rotate(): Promise<string> {
    const path = this.path;
    if (!path) {
      return Promise.reject(
        new ConflictError(
          'The publish token was given on the command line or in CURBCAST_PUBLISH_TOKEN; change it there and restart the node.',
          'token_fixed',
        ),
      );
    }
    this.#rotating ??= (async () => {
      try {
        const token = generateToken();
        const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
        try {
          await writeFile(temporary, `${token}\n`, { mode: 0o600 });
          await chmod(temporary, 0o600);
          await rename(temporary, path);
        } catch (error) {
          await rm(temporary, { force: true }).catch(() => undefined);
          const code = (error as NodeJS.ErrnoException).code ?? 'error';
          throw new InsufficientStorageError(`The new token could not be saved (${code}); the old one still works.`);
        }
        this.#value = token;
        this.emit('rotated');
        return token;
      } finally {
        this.#rotating = undefined;
      }
    })();
    return this.#rotating;
  }
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
