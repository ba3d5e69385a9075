import type { FeatureSpec } from '../../features/table.js';
import { EngineError } from '../errors.js';
import { sniffFormat } from '../image-io.js';
import { ffprobePath, runTool, type VideoTools } from './ffmpeg.js';

export interface VideoInfo {
  container: 'mp4' | 'mov' | 'm4v';
  durationSec: number;
  width: number;
  height: number;
  videoCodec: string;
  audioCodec?: string;
  fps: number;
}

interface ProbeStream { codec_type?: string; codec_name?: string; width?: number; height?: number; duration?: string; avg_frame_rate?: string; r_frame_rate?: string }
interface ProbeOutput { streams?: ProbeStream[]; format?: { duration?: string; format_name?: string } }

function rate(s: string | undefined): number {
  if (!s) return 0;
  const [a, b] = s.split('/').map(Number);
  return b ? a / b : a || 0;
}

/**
 * Checks a video against the feature's limits (the source document's AI Video Enhance row): size,
 * container (from the bytes, not the declared type), codecs, duration and long side. Unreadable
 * files are `error_decode_image` (the source document has no video-specific code); readable files
 * outside the limits are `invalid_parameter`, naming what is wrong.
 */
export async function probeVideo(filePath: string, bytes: Buffer, spec: FeatureSpec, signal?: AbortSignal, tools: VideoTools = {}): Promise<VideoInfo> {
  const lim = spec.limits;
  const video = lim.video;
  if (!video) throw new Error(`${spec.id} has no video limits`);
  if (bytes.length >= lim.maxBytes) throw new EngineError('exceed_max_filesize', `video is ${bytes.length} bytes; ${spec.title} accepts less than ${lim.maxBytes} bytes`);
  const container = sniffFormat(bytes);
  if (container !== 'mp4' && container !== 'mov' && container !== 'm4v') {
    throw new EngineError('error_decode_image', `video must be an ${lim.formats.join('/')} file${container ? ` (found ${container})` : ''}`);
  }
  let probe: ProbeOutput;
  try {
    probe = JSON.parse(await runTool(ffprobePath(tools), ['-v', 'error', '-show_format', '-show_streams', '-of', 'json', filePath], { signal })) as ProbeOutput;
  } catch (e) {
    if (signal?.aborted) throw e;
    // ffprobe's message names the server's temporary file: it stays out of the client's answer.
    throw new EngineError('error_decode_image', 'cannot read the video: the file is damaged or not a supported container');
  }
  const streams = probe.streams ?? [];
  const v = streams.find((s) => s.codec_type === 'video');
  if (!v || !v.width || !v.height) throw new EngineError('error_decode_image', 'file has no video stream');
  const videoCodec = v.codec_name ?? 'unknown';
  if (!video.videoCodecs.includes(videoCodec)) {
    throw new EngineError('invalid_parameter', `video codec ${videoCodec} is not supported; use H.264 or MPEG-4 (${video.videoCodecs.join(', ')})`);
  }
  const audio = streams.filter((s) => s.codec_type === 'audio');
  for (const a of audio) {
    if (!video.audioCodecs.includes(a.codec_name ?? '')) {
      throw new EngineError('invalid_parameter', `audio codec ${a.codec_name ?? 'unknown'} is not supported; use AAC or MP3`);
    }
  }
  const durationSec = Number(probe.format?.duration ?? v.duration ?? NaN);
  if (!Number.isFinite(durationSec) || durationSec <= 0) throw new EngineError('error_decode_image', 'video has no readable duration');
  // Containers round durations; a 60.02 s file is a one-minute clip.
  if (durationSec > video.maxDurationSec + 0.05) {
    throw new EngineError('invalid_parameter', `video is ${durationSec.toFixed(2)} s long; at most ${video.maxDurationSec} s is accepted`);
  }
  if (Math.max(v.width, v.height) > lim.maxLongSide) {
    throw new EngineError('invalid_parameter', `video is ${v.width}x${v.height}; the long side must be at most ${lim.maxLongSide} px`);
  }
  return { container, durationSec, width: v.width, height: v.height, videoCodec, audioCodec: audio[0]?.codec_name, fps: rate(v.avg_frame_rate) || rate(v.r_frame_rate) };
}
