/** `"#RRGGBB"` (the contract checked the form) as 0-255 channels. */
export function rgbOfHex(hex: string): [number, number, number] {
  return [parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16)];
}
