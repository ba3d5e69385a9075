declare module 'heic-decode' {
  interface DecodedHeic { width: number; height: number; data: Uint8ClampedArray }
  function decode(opts: { buffer: Buffer | ArrayBuffer | Uint8Array }): Promise<DecodedHeic>;
  export default decode;
}
