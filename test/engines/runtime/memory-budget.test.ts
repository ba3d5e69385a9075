import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cgroupLimitBytes, defaultMemoryBudgetMb, resolveMemoryBudgetMb } from '../../../src/engines/runtime/memory-budget.js';

const GB = 2 ** 30;

test('the default budget is a quarter of the memory the process may use, between 1 and 4 GB', () => {
  assert.equal(defaultMemoryBudgetMb(8 * GB, undefined), 2048);
  assert.equal(defaultMemoryBudgetMb(24 * GB, undefined), 4096, 'at most 4 GB on a big host');
  assert.equal(defaultMemoryBudgetMb(2 * GB, undefined), 1024, 'at least 1 GB on a small one');
  assert.equal(defaultMemoryBudgetMb(64 * GB, 6 * GB), 1536, "a container's limit counts when lower than the host's memory");
});

test("a container's limit is read from cgroup v2, else v1; 'max' and v1's huge figure mean none", () => {
  const files = (map: Record<string, string>) => (f: string) => {
    if (!(f in map)) throw new Error('ENOENT');
    return map[f];
  };
  assert.equal(cgroupLimitBytes(files({ '/sys/fs/cgroup/memory.max': '2147483648\n' })), 2 * GB);
  assert.equal(cgroupLimitBytes(files({ '/sys/fs/cgroup/memory.max': 'max\n' })), undefined);
  assert.equal(cgroupLimitBytes(files({ '/sys/fs/cgroup/memory/memory.limit_in_bytes': '1073741824' })), GB);
  assert.equal(cgroupLimitBytes(files({ '/sys/fs/cgroup/memory/memory.limit_in_bytes': '9223372036854771712' })), undefined);
  assert.equal(cgroupLimitBytes(files({})), undefined);
});

test('a configured budget wins, 0 turns it off, unset takes the host default', () => {
  assert.equal(resolveMemoryBudgetMb(1024), 1024);
  assert.equal(resolveMemoryBudgetMb(0), 0);
  assert.equal(resolveMemoryBudgetMb(undefined), defaultMemoryBudgetMb());
});
