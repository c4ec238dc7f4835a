import { describe, expect, it } from 'vitest';
import { highlight } from '../../src/web/highlight.js';
import { parseInline, parseMarkdown } from '../../src/web/markdown.js';

describe('parseMarkdown', () => {
  it('reads headings, paragraphs, lists, quotes, rules and fenced code', () => {
    const blocks = parseMarkdown(
      '# Title\n\nSome *text* and `code`.\nStill the paragraph.\n\n- one\n- two\n  continued\n\n3. three\n4. four\n\n> quoted\n\n---\n\n```ts\nconst a = 1;\n\n```\n',
    );
    expect(blocks.map((b) => b.kind)).toEqual(['heading', 'paragraph', 'list', 'list', 'quote', 'rule', 'code']);
    expect(blocks[1]).toEqual({
      kind: 'paragraph',
      children: [
        { kind: 'text', text: 'Some ' },
        { kind: 'em', children: [{ kind: 'text', text: 'text' }] },
        { kind: 'text', text: ' and ' },
        { kind: 'code', text: 'code' },
        { kind: 'text', text: '. Still the paragraph.' },
      ],
    });
    expect(blocks[2]).toMatchObject({ ordered: false, items: [[{ text: 'one' }], [{ text: 'two continued' }]] });
    expect(blocks[3]).toMatchObject({ ordered: true, start: 3 });
    expect(blocks[6]).toEqual({ kind: 'code', lang: 'ts', text: 'const a = 1;\n' });
  });

  it('runs an unclosed fence to the end (a result cut off mid-stream still draws)', () => {
    expect(parseMarkdown('```py\nprint(1)')).toEqual([{ kind: 'code', lang: 'py', text: 'print(1)' }]);
  });

  it('keeps http(s) and mailto links and shows any other target as text', () => {
    expect(parseInline('[docs](https://example.test/a)')).toEqual([
      { kind: 'link', href: 'https://example.test/a', children: [{ kind: 'text', text: 'docs' }] },
    ]);
    expect(parseInline('[x](javascript:alert(1))')[0]).toMatchObject({ kind: 'text' });
    expect(parseInline('**bold** __also__')).toMatchObject([{ kind: 'strong' }, { kind: 'text' }, { kind: 'strong' }]);
  });

  it('treats markup in the text as text (the view never uses innerHTML)', () => {
    expect(parseMarkdown('<img src=x onerror=alert(1)>')).toEqual([
      { kind: 'paragraph', children: [{ kind: 'text', text: '<img src=x onerror=alert(1)>' }] },
    ]);
  });
});

describe('highlight', () => {
  it('marks keywords, strings, comments and numbers, and loses no character', () => {
    const code = 'const x = "a // not a comment"; // done\nreturn 42;';
    const tokens = highlight(code, 'ts');
    expect(tokens.map((t) => t.text).join('')).toBe(code);
    expect(tokens.filter((t) => t.kind !== 'plain').map((t) => [t.kind, t.text])).toEqual([
      ['kw', 'const'],
      ['str', '"a // not a comment"'],
      ['com', '// done'],
      ['kw', 'return'],
      ['num', '42'],
    ]);
  });

  it('uses # comments for Python and shell', () => {
    const tokens = highlight('def f():  # why\n    return "x#y"', 'python');
    expect(tokens.filter((t) => t.kind !== 'plain').map((t) => t.text)).toEqual(['def', '# why', 'return', '"x#y"']);
  });
});
