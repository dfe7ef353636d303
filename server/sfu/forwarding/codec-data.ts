import { RTCRtcpFeedback, RTCRtpCodecParameters } from 'werift';
import type { CodecData } from './protocol.js';

/** A codec as plain data, to cross to a forwarding thread. */
export function codecToData(codec: RTCRtpCodecParameters): CodecData {
  return {
    mimeType: codec.mimeType,
    clockRate: codec.clockRate,
    channels: codec.channels,
    payloadType: codec.payloadType,
    parameters: codec.parameters,
    rtcpFeedback: codec.rtcpFeedback.map((feedback) => ({ type: feedback.type, parameter: feedback.parameter })),
  };
}

/** werift's class again, on the other side. */
export function codecFromData(data: CodecData): RTCRtpCodecParameters {
  return new RTCRtpCodecParameters({
    mimeType: data.mimeType,
    clockRate: data.clockRate,
    channels: data.channels,
    payloadType: data.payloadType,
    parameters: data.parameters,
    rtcpFeedback: data.rtcpFeedback.map((feedback) => new RTCRtcpFeedback(feedback)),
  });
}
