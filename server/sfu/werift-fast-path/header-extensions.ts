/**
 * The header extensions werift 0.25.2 puts on each packet a sender sends, built as werift builds
 * them but without redoing the parts that never change. For each packet werift maps the
 * negotiated extensions through a switch on their URI, serialises the mid and the stream ids
 * again, merges in the packet's own extensions and sorts by id. Here the mid and stream-id
 * payloads are serialised once per negotiation (a "plan"). Only abs-send-time, and
 * transport-cc if negotiated, change from packet to packet. The plan also adds the node's
 * playout-delay hint, which werift does not know (so with the fast path off there is none).
 *
 * The SFU's packets carry no extensions of their own (PublisherTrack strips the publisher's). For
 * those the plan also holds the list already sorted, with one `{ id, payload }` object per fixed
 * extension shared by every packet. Without transport-cc the whole list changes only with the
 * clock reading (ntp-time.ts), so the packets a sender sends on one reading (a video frame's
 * packets arrive together) share one list: fewer objects to build, and fewer kept alive in
 * werift's NACK history.
 */
import {
  RTP_EXTENSION_URI,
  serializeRepairedRtpStreamId,
  serializeSdesMid,
  serializeSdesRTPStreamID,
  serializeTransportWideCC,
  type RtpHeader,
} from 'werift';
import { PLAYOUT_DELAY_HINT, PLAYOUT_DELAY_URI, playoutDelayPayload } from '../playout-delay.js';
import type { SharedNtpReading } from './ntp-time.js';
import type { DtlsTransportInternals, HeaderExtensionParameters, SenderInternals } from './sender-internals.js';

type HeaderExtension = RtpHeader['extensions'][number];

type PlannedExtension =
  | { id: number; kind: 'fixed'; payload: Buffer; shared: HeaderExtension }
  | { id: number; kind: 'absSendTime' }
  | { id: number; kind: 'transportWideCC' };

interface Plan {
  // What the plan was made from: a renegotiation changes at least one of them.
  headerExtensions: HeaderExtensionParameters[];
  mid: string | undefined;
  rtpStreamId: string | undefined;
  repairedRtpStreamId: string | undefined;
  /** In negotiated order, like werift's map; extensions werift leaves out are not here. */
  extensions: PlannedExtension[];
  /**
   * The same sorted by id, as werift's (stable) sort leaves them for a packet with no extensions
   * of its own. Undefined if transport-cc appears twice: its numbers are given in negotiated order.
   */
  sorted: PlannedExtension[] | undefined;
  /** Whether a packet's list depends on the clock reading alone (no transport-cc). */
  perReading: boolean;
  /** The last list built from `sorted`, and the reading it was built for. */
  last?: { clock: SharedNtpReading; extensions: HeaderExtension[] };
}

const plans = new WeakMap<SenderInternals, Plan>();

function planFor(sender: SenderInternals): Plan {
  const plan = plans.get(sender);
  if (
    plan &&
    plan.headerExtensions === sender.headerExtensions &&
    plan.mid === sender.mid &&
    plan.rtpStreamId === sender.rtpStreamId &&
    plan.repairedRtpStreamId === sender.repairedRtpStreamId
  ) {
    return plan;
  }
  const extensions = sender.headerExtensions.flatMap((extension) => planOne(sender, extension));
  const transportWideCCs = extensions.filter((planned) => planned.kind === 'transportWideCC').length;
  const fresh: Plan = {
    headerExtensions: sender.headerExtensions,
    mid: sender.mid,
    rtpStreamId: sender.rtpStreamId,
    repairedRtpStreamId: sender.repairedRtpStreamId,
    extensions,
    sorted: transportWideCCs <= 1 ? [...extensions].sort(byId) : undefined,
    perReading: transportWideCCs === 0,
  };
  plans.set(sender, fresh);
  return fresh;
}

function fixed(id: number, payload: Buffer): PlannedExtension[] {
  return [{ id, kind: 'fixed', payload, shared: { id, payload } }];
}

/** werift's switch on the URI: which extensions it writes, and from what. */
function planOne(sender: SenderInternals, { id, uri }: HeaderExtensionParameters): PlannedExtension[] {
  switch (uri) {
    case RTP_EXTENSION_URI.sdesMid:
      return sender.mid ? fixed(id, serializeSdesMid(sender.mid)) : [];
    case RTP_EXTENSION_URI.sdesRTPStreamID:
      return sender.rtpStreamId ? fixed(id, serializeSdesRTPStreamID(sender.rtpStreamId)) : [];
    case RTP_EXTENSION_URI.repairedRtpStreamId:
      return sender.repairedRtpStreamId ? fixed(id, serializeRepairedRtpStreamId(sender.repairedRtpStreamId)) : [];
    case RTP_EXTENSION_URI.transportWideCC:
      return [{ id, kind: 'transportWideCC' }];
    case RTP_EXTENSION_URI.absSendTime:
      return [{ id, kind: 'absSendTime' }];
    // Not werift's: the node's own hint (playout-delay.ts), negotiated for viewers' video only.
    // On every packet rather than until acknowledged: it costs 4 bytes and survives any loss.
    case PLAYOUT_DELAY_URI:
      return PLAYOUT_DELAY_HINT ? fixed(id, playoutDelayPayload(PLAYOUT_DELAY_HINT)) : [];
    default:
      return [];
  }
}

/**
 * The extensions werift would give this packet: the negotiated ones, then the packet's own (an
 * own extension with a negotiated id replaces that payload), sorted by id. Like werift, this
 * advances the transport-wide sequence number once per transport-cc extension. The payload
 * buffers, and for a packet without extensions of its own the fixed `{ id, payload }` objects or
 * the whole list, are shared between packets. Nothing writes to them: werift's NACK handler only
 * reads the packets it keeps, and the header is copied out when it is serialised.
 */
export function headerExtensionsFor(
  sender: SenderInternals,
  transport: DtlsTransportInternals,
  own: readonly HeaderExtension[],
  clock: SharedNtpReading,
): HeaderExtension[] {
  const plan = planFor(sender);
  if (own.length === 0 && plan.sorted) return sortedPlanned(plan, plan.sorted, transport, clock);
  const extensions = planned(plan.extensions, transport, clock, false);
  for (const extension of own) {
    const existing = extensions.find((e) => e.id === extension.id);
    if (existing) existing.payload = extension.payload;
    else extensions.push(extension);
  }
  // Array.prototype.sort is stable, as in werift.
  return extensions.length > 1 ? extensions.sort(byId) : extensions;
}

/** The list for a packet without extensions of its own: the last one again if only the clock could change it and has not. */
function sortedPlanned(plan: Plan, sorted: readonly PlannedExtension[], transport: DtlsTransportInternals, clock: SharedNtpReading): HeaderExtension[] {
  if (plan.last?.clock === clock) return plan.last.extensions;
  const extensions = planned(sorted, transport, clock, true);
  if (plan.perReading) plan.last = { clock, extensions };
  return extensions;
}

/** The planned extensions with this packet's payloads; fixed ones as the shared objects if `share`. */
function planned(extensions: readonly PlannedExtension[], transport: DtlsTransportInternals, clock: SharedNtpReading, share: boolean): HeaderExtension[] {
  const out: HeaderExtension[] = [];
  for (const extension of extensions) {
    switch (extension.kind) {
      case 'fixed':
        out.push(share ? extension.shared : { id: extension.id, payload: extension.payload });
        break;
      case 'absSendTime':
        out.push({ id: extension.id, payload: clock.absSendTimePayload });
        break;
      case 'transportWideCC':
        transport.transportSequenceNumber = (transport.transportSequenceNumber + 1) & 0xffff;
        out.push({ id: extension.id, payload: serializeTransportWideCC(transport.transportSequenceNumber) });
        break;
    }
  }
  return out;
}

function byId(a: { id: number }, b: { id: number }): number {
  return a.id - b.id;
}
