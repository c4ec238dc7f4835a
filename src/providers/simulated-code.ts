import { SIMULATED_LABEL } from '../protocol/simulated-label.js';
import type { SimulatedSubject } from './simulated-names.js';

/**
 * The code the simulated coder and refiner write: a small, plausible module named after the task. Each
 * refine round adds one visible improvement, so runs with several rounds show the code changing.
 */
export function simulatedCode(s: SimulatedSubject, revision: number): string {
  return s.language === 'python' ? pythonCode(s, revision) : typescriptCode(s, revision);
}

function typescriptCode(s: SimulatedSubject, revision: number): string {
  const lines: string[] = [
    `// ${SIMULATED_LABEL}: a placeholder module for "${s.task.replace(/\*\//g, '* /')}".`,
  ];
  if (revision > 0) lines.push(`// Revision ${revision}: addresses the review's points for round ${revision}.`);
  lines.push(
    '',
    `export interface ${s.pascal}Options {`,
    '  /** Most entries kept at once. */',
    '  capacity: number;',
    '  /** Clock, injected so tests can control time. */',
    '  now?: () => number;',
    '}',
    '',
    `export interface ${s.pascal}Result {`,
    '  key: string;',
    '  count: number;',
    '  at: number;',
    '}',
    '',
    `export class ${s.pascal}Error extends Error {`,
    '  constructor(readonly code: string, message: string) {',
    '    super(message);',
    `    this.name = '${s.pascal}Error';`,
    '  }',
    '}',
    '',
    `export class ${s.pascal} {`,
    '  private readonly entries = new Map<string, number>();',
    '  private readonly now: () => number;',
    '',
    `  constructor(private readonly options: ${s.pascal}Options) {`,
    '    if (!Number.isInteger(options.capacity) || options.capacity < 1) {',
    `      throw new ${s.pascal}Error('E_CAPACITY', \`capacity must be a positive integer, got \${options.capacity}\`);`,
    '    }',
    '    this.now = options.now ?? Date.now;',
    '  }',
    '',
    `  /** Records one use of \`key\` and returns its running count. */`,
    `  handle(key: string): ${s.pascal}Result {`,
  );
  if (revision >= 1) {
    lines.push(
      "    if (key.trim() === '') {",
      `      throw new ${s.pascal}Error('E_KEY', 'key must be a non-empty string');`,
      '    }',
    );
  }
  lines.push(
    '    const count = (this.entries.get(key) ?? 0) + 1;',
    '    if (!this.entries.has(key) && this.entries.size >= this.options.capacity) {',
    '      const oldest = this.entries.keys().next().value;',
    '      if (oldest !== undefined) this.entries.delete(oldest);',
    '    }',
    '    this.entries.set(key, count);',
    '    return { key, count, at: this.now() };',
    '  }',
  );
  if (revision >= 2) {
    lines.push('', '  /** Forgets every entry. */', '  reset(): void {', '    this.entries.clear();', '  }');
  }
  if (revision >= 3) {
    lines.push('', '  /** Entries currently kept. */', '  get size(): number {', '    return this.entries.size;', '  }');
  }
  lines.push('}');
  return ['```typescript', ...lines, '```'].join('\n');
}

function pythonCode(s: SimulatedSubject, revision: number): string {
  const lines: string[] = [`# ${SIMULATED_LABEL}: a placeholder module for "${s.task}".`];
  if (revision > 0) lines.push(`# Revision ${revision}: addresses the review's points for round ${revision}.`);
  lines.push(
    'from __future__ import annotations',
    '',
    'import time',
    'from collections import OrderedDict',
    'from dataclasses import dataclass',
    'from typing import Callable',
    '',
    '',
    `class ${s.pascal}Error(Exception):`,
    '    def __init__(self, code: str, message: str) -> None:',
    '        super().__init__(message)',
    '        self.code = code',
    '',
    '',
    '@dataclass(frozen=True)',
    `class ${s.pascal}Result:`,
    '    key: str',
    '    count: int',
    '    at: float',
    '',
    '',
    `class ${s.pascal}:`,
    '    def __init__(self, capacity: int, now: Callable[[], float] = time.time) -> None:',
    '        if capacity < 1:',
    `            raise ${s.pascal}Error("E_CAPACITY", f"capacity must be a positive integer, got {capacity}")`,
    '        self._capacity = capacity',
    '        self._now = now',
    '        self._entries: OrderedDict[str, int] = OrderedDict()',
    '',
    `    def handle(self, key: str) -> ${s.pascal}Result:`,
    '        """Records one use of `key` and returns its running count."""',
  );
  if (revision >= 1) {
    lines.push('        if not key.strip():', `            raise ${s.pascal}Error("E_KEY", "key must be a non-empty string")`);
  }
  lines.push(
    '        count = self._entries.get(key, 0) + 1',
    '        if key not in self._entries and len(self._entries) >= self._capacity:',
    '            self._entries.popitem(last=False)',
    '        self._entries[key] = count',
    `        return ${s.pascal}Result(key=key, count=count, at=self._now())`,
  );
  if (revision >= 2) lines.push('', '    def reset(self) -> None:', '        self._entries.clear()');
  if (revision >= 3) lines.push('', '    def __len__(self) -> int:', '        return len(self._entries)');
  return ['```python', ...lines, '```'].join('\n');
}
