/** A fence longer than any backtick run inside `text`, so model output cannot close it early. */
export function fence(text: string, info = ''): string {
  const longest = Math.max(2, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  const marks = '`'.repeat(longest + 1);
  return `${marks}${info}\n${text.replace(/\n$/, '')}\n${marks}`;
}

/** Text safe inside one Markdown table cell. */
export function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

/** At most `maxLines` lines and `maxChars` characters of `text`, saying when it was cut. */
export function excerpt(text: string, maxLines: number, maxChars: number): string {
  const lines = text.split('\n');
  let out = lines.slice(0, maxLines).join('\n');
  if (out.length > maxChars) out = out.slice(0, maxChars);
  return out.length < text.replace(/\n$/, '').length ? `${out}\n… (cut)` : out;
}
