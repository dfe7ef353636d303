import { RelaySettingsSchema, type RelaySettings } from '../../common/relay.js';
import type { ReadableDB, WritableDB } from './database.js';
import { readSetting, writeSetting } from './settings.js';

/** No relay until the busker sets one up. */
export const NO_RELAY: RelaySettings = { enabled: false, url: '' };

/**
 * "Also publish to": one row of the settings table. The bearer token is kept here and only here
 * (the data folder's library), like the publish token is kept in the data folder.
 */
export function readRelaySettings(db: ReadableDB): RelaySettings {
  return readSetting(db, 'relay', RelaySettingsSchema, NO_RELAY);
}

export function writeRelaySettings(db: WritableDB, settings: RelaySettings): void {
  writeSetting(db, 'relay', settings);
}
