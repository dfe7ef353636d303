/**
 * What recording costs, side by side in one window: the bench's node (recording, as always) and a
 * second node started with --no-recording, each with its own studio publisher from the same y4m
 * camera. Also the recorded file's A/V continuity, read with ffprobe.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gapsOver, packetTimes } from '../helpers/ffprobe.js';
import { measureWindow } from './proc-stats.js';
import { publisherRates, type BrowserPublisher } from './publisher.js';
import { round } from './stats.js';

export interface RecordingOverhead {
  /** Node CPU, % of one core, measured over the same window. */
  cpuRecordingPercent: number;
  cpuNotRecordingPercent: number;
  /** cpuRecording − cpuNotRecording, percentage points of one core. */
  extraPercentPoints: number;
  /** cpuRecording / cpuNotRecording. */
  ratio: number;
  /** What each publisher sent meanwhile (the two runs should be alike for the ratio to mean much). */
  publisherKbps: { recording: number; notRecording: number };
  machineBusyPercent: number;
  windowSeconds: number;
}

export async function measureRecordingOverhead(options: {
  recordingPid: number;
  notRecordingPid: number;
  recordingPublisher: BrowserPublisher;
  notRecordingPublisher: BrowserPublisher;
  windowSeconds: number;
}): Promise<RecordingOverhead> {
  const before = await Promise.all([options.recordingPublisher.stats(), options.notRecordingPublisher.stats()]);
  const sample = await measureWindow({ recording: options.recordingPid, plain: options.notRecordingPid }, options.windowSeconds);
  const after = await Promise.all([options.recordingPublisher.stats(), options.notRecordingPublisher.stats()]);
  const recording = sample.cpuPercent.recording ?? 0;
  const plain = sample.cpuPercent.plain ?? 0;
  return {
    cpuRecordingPercent: round(recording, 1),
    cpuNotRecordingPercent: round(plain, 1),
    extraPercentPoints: round(recording - plain, 1),
    ratio: plain > 0 ? round(recording / plain, 2) : Number.NaN,
    publisherKbps: {
      recording: publisherRates(before[0], after[0]).videoKbps,
      notRecording: publisherRates(before[1], after[1]).videoKbps,
    },
    machineBusyPercent: round(sample.machineBusyPercent, 0),
    windowSeconds: round(sample.seconds, 1),
  };
}

export interface RecordingContinuity {
  file: string;
  seconds: number;
  videoFrames: number;
  audioPackets: number;
  largestVideoGapMs: number;
  /** Where in the file the largest video gaps start, s (up to five, largest first). */
  largestVideoGapsAt?: Array<{ atSeconds: number; gapMs: number }>;
  largestAudioGapMs: number;
  videoGapsOver200ms: number;
  audioGapsOver60ms: number;
  avStartApartMs: number;
}

/** A/V continuity of the largest recording under `dataDir` (the bench's long set). */
export async function recordingContinuity(dataDir: string): Promise<RecordingContinuity | null> {
  const folder = join(dataDir, 'recordings');
  let largest: string | undefined;
  try {
    largest = readdirSync(folder)
      .filter((name) => name.endsWith('.webm'))
      .sort((a, b) => statSync(join(folder, b)).size - statSync(join(folder, a)).size)[0];
  } catch {
    return null;
  }
  if (!largest) return null;
  const path = join(folder, largest);
  const [video, audio] = await Promise.all([packetTimes(path, 'v'), packetTimes(path, 'a')]);
  const ms = (seconds: number) => Math.round(seconds * 1000);
  return {
    file: largest,
    seconds: round(Math.max(video.at(-1) ?? 0, audio.at(-1) ?? 0), 1),
    videoFrames: video.length,
    audioPackets: audio.length,
    largestVideoGapMs: ms(gapsOver(video, 0)[0]?.gap ?? 0),
    largestVideoGapsAt: gapsOver(video, 0.2).slice(0, 5).map(({ at, gap }) => ({ atSeconds: round(at, 1), gapMs: ms(gap) })),
    largestAudioGapMs: ms(gapsOver(audio, 0)[0]?.gap ?? 0),
    videoGapsOver200ms: gapsOver(video, 0.2).length,
    audioGapsOver60ms: gapsOver(audio, 0.06).length,
    avStartApartMs: ms(Math.abs((video[0] ?? 0) - (audio[0] ?? 0))),
  };
}
