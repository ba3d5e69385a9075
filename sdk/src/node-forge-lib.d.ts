// node-forge's per-module entry points have no typings; forge.ts types the shared object.
declare module 'node-forge/lib/forge.js' {
  const forge: unknown;
  export default forge;
}
