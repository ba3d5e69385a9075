/** Upload inputs: bytes from anywhere (Blob, Uint8Array, ArrayBuffer), sized and typed for the file request. */

export type Bytes = Blob | Uint8Array | ArrayBuffer;

export type UploadContentType =
  | 'image/jpeg' | 'image/jpg' | 'image/png' | 'image/heic' | 'video/mp4' | 'video/quicktime' | (string & {});

export function byteLength(data: Bytes): number {
  if (data instanceof ArrayBuffer) return data.byteLength;
  if (ArrayBuffer.isView(data)) return data.byteLength;
  return data.size;
}

async function head(data: Bytes, n: number): Promise<Uint8Array> {
  if (data instanceof ArrayBuffer) return new Uint8Array(data, 0, Math.min(n, data.byteLength));
  if (ArrayBuffer.isView(data)) return data.subarray(0, n);
  return new Uint8Array(await data.slice(0, n).arrayBuffer());
}

const EXT_TYPES: Record<string, string> = {
  jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', heic: 'image/heic', heif: 'image/heic',
  mp4: 'video/mp4', m4v: 'video/mp4', mov: 'video/quicktime',
};

const TYPE_EXTS: Record<string, string> = {
  'image/jpeg': 'jpg', 'image/jpg': 'jpg', 'image/png': 'png', 'image/heic': 'heic', 'video/mp4': 'mp4', 'video/quicktime': 'mov',
};

/** Content type from the leading bytes: JPEG, PNG, or an ISO-BMFF brand (HEIC, MP4, QuickTime). */
export function sniffContentType(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'image/png';
  if (bytes.length >= 12 && String.fromCharCode(...bytes.subarray(4, 8)) === 'ftyp') {
    const brand = String.fromCharCode(...bytes.subarray(8, 12));
    if (['heic', 'heix', 'hevc', 'heim', 'heis', 'mif1', 'msf1'].includes(brand)) return 'image/heic';
    if (brand === 'qt  ') return 'video/quicktime';
    return 'video/mp4';
  }
  return undefined;
}

export function contentTypeFromName(fileName: string | undefined): string | undefined {
  const ext = fileName?.split('.').pop()?.toLowerCase();
  return ext ? EXT_TYPES[ext] : undefined;
}

export function extensionFor(contentType: string): string {
  return TYPE_EXTS[contentType] ?? 'bin';
}

/** Picks the content type: the caller's, the Blob's own, the bytes' signature, then the file name. */
export async function resolveContentType(data: Bytes, given?: string, fileName?: string): Promise<string> {
  if (given) return given;
  if (typeof Blob !== 'undefined' && data instanceof Blob && data.type) return data.type;
  const sniffed = sniffContentType(await head(data, 16));
  const byName = contentTypeFromName(fileName);
  const found = sniffed ?? byName;
  if (!found) throw new Error('cannot tell the content type of the upload; pass { contentType }');
  return found;
}
