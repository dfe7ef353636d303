import { ServerEventSchema, type ServerEvent } from '../../common/events.js';

/** Validates an events message with the shared zod schema (studio; the viewer uses events-guard.ts). */
export function validateServerEvent(message: unknown): ServerEvent | undefined {
  const parsed = ServerEventSchema.safeParse(message);
  return parsed.success ? parsed.data : undefined;
}
