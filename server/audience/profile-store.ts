import { EventEmitter } from 'node:events';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { API_PATHS } from '../../common/api.js';
import { AVATAR_TYPES, PROFILE_LIMITS, ProfileInputSchema, type AvatarType, type Profile, type ProfileInput } from '../../common/profile.js';
import { BadRequestError, UnsupportedMediaTypeError } from '../errors.js';
import type { WritableDB } from '../library/database.js';
import { deleteSetting, readSetting, writeSetting } from '../library/settings.js';

export const PROFILE_FOLDER = 'profile';

const AvatarRecordSchema = z.object({ file: z.string(), type: z.enum(AVATAR_TYPES), version: z.number() });
type AvatarRecord = z.infer<typeof AvatarRecordSchema>;

const EMPTY_INPUT: ProfileInput = { name: '', bio: '', links: [] };

const EXTENSIONS: Record<AvatarType, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' };

/**
 * The busker's public profile: name, bio and links in the library's settings, the avatar as a
 * file in the data folder. An avatar is written to a temporary name and renamed, so a crash never
 * leaves half an image, and its `version` changes every time so browsers fetch the new one.
 */
export class ProfileStore extends EventEmitter<{ changed: [Profile] }> {
  #input: ProfileInput;
  #avatar: AvatarRecord | undefined;

  constructor(
    private readonly db: WritableDB,
    private readonly dataDir: string,
  ) {
    super();
    this.#input = readSetting(db, 'profile', ProfileInputSchema, EMPTY_INPUT);
    this.#avatar = readSetting<AvatarRecord | undefined>(db, 'avatar', AvatarRecordSchema, undefined);
  }

  get profile(): Profile {
    return {
      ...this.#input,
      avatarUrl: this.#avatar ? `${API_PATHS.avatar}?v=${this.#avatar.version}` : null,
    };
  }

  /** The avatar file (absolute path) and its type, if there is one. */
  get avatar(): { path: string; type: AvatarType; version: number } | undefined {
    const avatar = this.#avatar;
    return avatar && { path: join(this.dataDir, avatar.file), type: avatar.type, version: avatar.version };
  }

  update(input: ProfileInput): Profile {
    writeSetting(this.db, 'profile', input);
    this.#input = input;
    return this.#changed();
  }

  async setAvatar(bytes: Buffer, declaredType: string): Promise<Profile> {
    const type = AVATAR_TYPES.find((t) => t === declaredType);
    if (!type) throw new UnsupportedMediaTypeError(AVATAR_TYPES.join(' or '));
    if (bytes.length > PROFILE_LIMITS.avatarBytes) throw new BadRequestError('The picture is larger than 1 MiB.', 'avatar_too_large');
    if (sniffImageType(bytes) !== type) {
      throw new BadRequestError(`That file is not a ${EXTENSIONS[type].toUpperCase()} picture.`, 'bad_avatar');
    }
    const folder = join(this.dataDir, PROFILE_FOLDER);
    await mkdir(folder, { recursive: true });
    const version = Math.max(Date.now(), (this.#avatar?.version ?? 0) + 1);
    const file = join(PROFILE_FOLDER, `avatar-${version}.${EXTENSIONS[type]}`);
    const temporary = join(this.dataDir, `${file}.part`);
    await writeFile(temporary, bytes, { flag: 'wx' });
    await rename(temporary, join(this.dataDir, file));
    const previous = this.#avatar;
    this.#avatar = { file, type, version };
    writeSetting(this.db, 'avatar', this.#avatar);
    if (previous) await rm(join(this.dataDir, previous.file), { force: true });
    return this.#changed();
  }

  async removeAvatar(): Promise<Profile> {
    const previous = this.#avatar;
    this.#avatar = undefined;
    deleteSetting(this.db, 'avatar');
    if (previous) await rm(join(this.dataDir, previous.file), { force: true });
    return this.#changed();
  }

  #changed(): Profile {
    const profile = this.profile;
    this.emit('changed', profile);
    return profile;
  }
}

/** The image type a file's first bytes say it is (never what its name or header claim). */
export function sniffImageType(bytes: Buffer): AvatarType | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  return undefined;
}
