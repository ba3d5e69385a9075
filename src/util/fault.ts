/**
 * Crash points for the crash-consistency suite (test/reliability/crash.test.ts): when
 * DARKROOM_FAULT_AT names this point, the process kills itself with SIGKILL right here, as a power
 * cut would. Unset (always, outside that suite) it does nothing. Deliberately an env variable and not
 * a configuration key: it is test machinery, so the config loader lets it through (NON_CONFIG_ENV).
 */
export function faultPoint(name: 'after-results' | 'mid-charge'): void {
  if (process.env.DARKROOM_FAULT_AT === name) process.kill(process.pid, 'SIGKILL');
}
