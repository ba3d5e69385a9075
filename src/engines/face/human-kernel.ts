/**
 * Worker-side face model: the thread's shared @vladmandic/human instance (human-instance.ts) on the
 * tfjs WASM backend. Runs only inside the engine pool (see analysis.ts); everything it returns is plain data.
 */
import { getHuman } from './human-instance.js';

export interface RawFace {
  /** x, y, width, height in pixels of the image given. */
  box: [number, number, number, number];
  score: number;
  mesh: [number, number][];
  /** Radians, as the model reports them. */
  angle: { pitch: number; yaw: number; roll: number };
  /** Face description embedding, when asked for (`describe`). */
  embedding?: number[];
}

export interface RawKeypoint {
  part: string;
  score: number;
  position: [number, number];
}

export interface RawDetection {
  faces: RawFace[];
  body: RawKeypoint[];
}

export async function warmUp(): Promise<boolean> {
  await getHuman();
  return true;
}

export interface DetectArgs {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3 | 4;
  /** Also compute each face's description embedding (Human's faceres model; used by the quality benchmark). */
  describe?: boolean;
}

function toRgb({ data, width, height, channels }: DetectArgs): Uint8Array {
  if (channels === 3) return data;
  const out = new Uint8Array(width * height * 3);
  for (let i = 0, o = 0; o < out.length; i += channels, o += 3) {
    out[o] = data[i];
    out[o + 1] = data[channels === 1 ? i : i + 1];
    out[o + 2] = data[channels === 1 ? i : i + 2];
  }
  return out;
}

export async function detect(args: DetectArgs): Promise<RawDetection> {
  const human = await getHuman();
  const tensor = human.tf.tensor3d(toRgb(args), [args.height, args.width, 3], 'int32');
  try {
    // The instance is shared and keeps whatever config a call merges in: say what this call needs.
    const res = await human.detect(tensor, { face: { description: { enabled: args.describe === true } } });
    if (res.error) throw new Error(`face model failed: ${res.error}`);
    const faces: RawFace[] = res.face.map((f) => ({
      box: [f.box[0], f.box[1], f.box[2], f.box[3]],
      score: f.score,
      mesh: f.mesh.map((p) => [p[0], p[1]] as [number, number]),
      angle: f.rotation?.angle ?? { pitch: NaN, yaw: NaN, roll: NaN },
      ...(args.describe && f.embedding?.length ? { embedding: Array.from(f.embedding) } : {}),
    }));
    const body = (res.body[0]?.keypoints ?? []).map((k) => ({ part: k.part, score: k.score, position: [k.position[0], k.position[1]] as [number, number] }));
    return { faces, body };
  } finally {
    tensor.dispose();
  }
}
