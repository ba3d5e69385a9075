declare module 'heic-decode' {
  interface DecodedHeic { width: number; height: number; data: Uint8ClampedArray }
  interface HeicImage { width: number; height: number; decode(): Promise<DecodedHeic> }
  function decode(opts: { buffer: Buffer | ArrayBuffer | Uint8Array }): Promise<DecodedHeic>;
  namespace decode {
    function all(opts: { buffer: Buffer | ArrayBuffer | Uint8Array }): Promise<HeicImage[]>;
  }
  export default decode;
  export const all: typeof decode.all;
}
