/**
 * The header extensions werift 0.25.2 puts on each packet a sender sends, built as werift builds
 * them but without redoing the parts that never change. For each packet werift maps the
 * negotiated extensions through a switch on their URI, serialises the mid and the stream ids
 * again, merges in the packet's own extensions and sorts by id. Here the mid and stream-id
 * payloads are serialised once per negotiation (a "plan"). Only abs-send-time, and
 * transport-cc if negotiated, change from packet to packet.
 */
import {
  RTP_EXTENSION_URI,
  serializeRepairedRtpStreamId,
  serializeSdesMid,
  serializeSdesRTPStreamID,
  serializeTransportWideCC,
  type RtpHeader,
} from 'werift';
import type { SharedNtpReading } from './ntp-time.js';
import type { DtlsTransportInternals, HeaderExtensionParameters, SenderInternals } from './sender-internals.js';

type HeaderExtension = RtpHeader['extensions'][number];

type PlannedExtension =
  | { id: number; kind: 'fixed'; payload: Buffer }
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
  const fresh: Plan = {
    headerExtensions: sender.headerExtensions,
    mid: sender.mid,
    rtpStreamId: sender.rtpStreamId,
    repairedRtpStreamId: sender.repairedRtpStreamId,
    extensions: sender.headerExtensions.flatMap((extension) => planOne(sender, extension)),
  };
  plans.set(sender, fresh);
  return fresh;
}

/** werift's switch on the URI: which extensions it writes, and from what. */
function planOne(sender: SenderInternals, { id, uri }: HeaderExtensionParameters): PlannedExtension[] {
  switch (uri) {
    case RTP_EXTENSION_URI.sdesMid:
      return sender.mid ? [{ id, kind: 'fixed', payload: serializeSdesMid(sender.mid) }] : [];
    case RTP_EXTENSION_URI.sdesRTPStreamID:
      return sender.rtpStreamId ? [{ id, kind: 'fixed', payload: serializeSdesRTPStreamID(sender.rtpStreamId) }] : [];
    case RTP_EXTENSION_URI.repairedRtpStreamId:
      return sender.repairedRtpStreamId ? [{ id, kind: 'fixed', payload: serializeRepairedRtpStreamId(sender.repairedRtpStreamId) }] : [];
    case RTP_EXTENSION_URI.transportWideCC:
      return [{ id, kind: 'transportWideCC' }];
    case RTP_EXTENSION_URI.absSendTime:
      return [{ id, kind: 'absSendTime' }];
    default:
      return [];
  }
}

/**
 * The extensions werift would give this packet: the negotiated ones, then the packet's own (an
 * own extension with a negotiated id replaces that payload), sorted by id. Like werift, this
 * advances the transport-wide sequence number once per transport-cc extension. The fixed
 * payload buffers, and abs-send-time's for one clock reading, are shared between packets. Nothing
 * writes to them: the header is copied out when it is serialised.
 */
export function headerExtensionsFor(
  sender: SenderInternals,
  transport: DtlsTransportInternals,
  own: readonly HeaderExtension[],
  clock: SharedNtpReading,
): HeaderExtension[] {
  const extensions: HeaderExtension[] = [];
  for (const planned of planFor(sender).extensions) {
    switch (planned.kind) {
      case 'fixed':
        extensions.push({ id: planned.id, payload: planned.payload });
        break;
      case 'absSendTime':
        extensions.push({ id: planned.id, payload: clock.absSendTimePayload });
        break;
      case 'transportWideCC':
        transport.transportSequenceNumber = (transport.transportSequenceNumber + 1) & 0xffff;
        extensions.push({ id: planned.id, payload: serializeTransportWideCC(transport.transportSequenceNumber) });
        break;
    }
  }
  for (const extension of own) {
    const existing = extensions.find((e) => e.id === extension.id);
    if (existing) existing.payload = extension.payload;
    else extensions.push(extension);
  }
  // Array.prototype.sort is stable, as in werift.
  return extensions.length > 1 ? extensions.sort((a, b) => a.id - b.id) : extensions;
}
