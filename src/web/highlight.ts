/** A token of highlighted code: its class (`kw`, `str`, `com`, `num`) or plain text. */
export interface CodeToken {
  kind: 'kw' | 'str' | 'com' | 'num' | 'plain';
  text: string;
}

// One keyword list for the languages agents write most (JS/TS, Python, Go, Rust, shell, Java/C#): a reader
// skimming a result is helped by keywords standing out, not by a grammar per language.
const KEYWORDS = new Set(
  (
    'async await break case catch class const continue def default del do elif else enum export extends false ' +
    'finally fn for from func function if impl import in interface is let match module mut new nil none null ' +
    'package pass private protected pub public raise return self static struct super switch this throw true try ' +
    'type typeof undefined use var void while with yield lambda and or not then fi done esac echo True False None'
  ).split(' '),
);

const HASH_COMMENT_LANGS = new Set(['py', 'python', 'sh', 'bash', 'shell', 'zsh', 'yaml', 'yml', 'toml', 'rb', 'ruby', 'r', 'dockerfile', 'makefile', 'ini', 'conf']);

/** Splits `code` into tokens; total (any text gives tokens whose texts join back to it). */
export function highlight(code: string, lang: string): CodeToken[] {
  const hash = HASH_COMMENT_LANGS.has(lang);
  const pattern = hash
    ? /(#[^\n]*)|("""[\s\S]*?"""|'''[\s\S]*?'''|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')|(\b\d[\d_]*(?:\.\d+)?\b)|([A-Za-z_$][\w$]*)/g
    : /(\/\/[^\n]*|\/\*[\s\S]*?\*\/)|("(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`)|(\b\d[\d_]*(?:\.\d+)?\b)|([A-Za-z_$][\w$]*)/g;
  const tokens: CodeToken[] = [];
  let last = 0;
  let plain = '';
  const flush = () => {
    if (plain !== '') tokens.push({ kind: 'plain', text: plain });
    plain = '';
  };
  for (const match of code.matchAll(pattern)) {
    const index = match.index ?? 0;
    plain += code.slice(last, index);
    last = index + match[0].length;
    const kind = match[1] ? 'com' : match[2] ? 'str' : match[3] ? 'num' : match[4] && KEYWORDS.has(match[4]) ? 'kw' : 'plain';
    if (kind === 'plain') {
      plain += match[0];
      continue;
    }
    flush();
    tokens.push({ kind, text: match[0] });
  }
  plain += code.slice(last);
  flush();
  return tokens;
}
