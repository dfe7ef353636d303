import { ALL_FORMATS, EncodedPacketSink, FilePathSource, Input } from 'mediabunny';

export interface RecordingFacts {
  durationMs: number;
  width: number | null;
  height: number | null;
  hasAudio: boolean;
  /** Every video keyframe, ms (where a fast copy can start). */
  keyframesMs: number[];
}

/** Longest keyframe list kept (a 3 h set at one keyframe per 2 s is 5400). */
const MAX_KEYFRAMES = 20_000;

/**
 * What the clip editor and the fast copy need to know of a recording: its length, frame size,
 * whether it has sound, and where its keyframes are (read from the packets' metadata, not decoded).
 * Throws when the file cannot be read as media.
 */
export async function inspectRecording(path: string): Promise<RecordingFacts> {
  const input = new Input({ source: new FilePathSource(path), formats: ALL_FORMATS });
  try {
    const video = await input.getPrimaryVideoTrack();
    if (!video) throw new Error('it has no video track');
    const audio = await input.getPrimaryAudioTrack();
    const durationMs = Math.round((await input.computeDuration()) * 1000);
    const sink = new EncodedPacketSink(video);
    const keyframesMs: number[] = [];
    for (let key = await sink.getFirstKeyPacket({ metadataOnly: true }); key && keyframesMs.length < MAX_KEYFRAMES; ) {
      keyframesMs.push(Math.round(key.timestamp * 1000));
      key = await sink.getNextKeyPacket(key, { metadataOnly: true });
    }
    return { durationMs, width: video.displayWidth, height: video.displayHeight, hasAudio: audio !== null, keyframesMs };
  } finally {
    input.dispose?.();
  }
}
