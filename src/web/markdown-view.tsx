import { type ReactNode, useMemo } from 'react';
import { CopyButton } from './copy-button.js';
import { highlight } from './highlight.js';
import { type Block, type Inline, parseMarkdown } from './markdown.js';

/** Markdown drawn as elements (never as HTML), code highlighted, each code block with its own copy button. */
export function MarkdownView({ text }: { text: string }) {
  const blocks = useMemo(() => parseMarkdown(text), [text]);
  return <div className="markdown">{blocks.map(renderBlock)}</div>;
}

function renderBlock(block: Block, index: number): ReactNode {
  switch (block.kind) {
    case 'heading': {
      // The page's own headings are h1/h2: a result's headings start one level below them.
      const Tag = `h${Math.min(6, block.level + 2)}` as 'h3';
      return <Tag key={index}>{renderInlines(block.children)}</Tag>;
    }
    case 'paragraph':
      return <p key={index}>{renderInlines(block.children)}</p>;
    case 'code':
      return (
        <figure key={index} className="code-block">
          <figcaption>
            <span className="muted">{block.lang || 'text'}</span>
            <CopyButton text={block.text} label="Copy code" />
          </figcaption>
          <pre>
            <code>
              {highlight(block.text, block.lang).map((token, i) =>
                token.kind === 'plain' ? token.text : (
                  <span key={i} className={`tok-${token.kind}`}>
                    {token.text}
                  </span>
                ),
              )}
            </code>
          </pre>
        </figure>
      );
    case 'list': {
      const items = block.items.map((item, i) => <li key={i}>{renderInlines(item)}</li>);
      return block.ordered ? (
        <ol key={index} start={block.start}>
          {items}
        </ol>
      ) : (
        <ul key={index}>{items}</ul>
      );
    }
    case 'quote':
      return <blockquote key={index}>{block.children.map(renderBlock)}</blockquote>;
    case 'rule':
      return <hr key={index} />;
  }
}

function renderInlines(inlines: Inline[]): ReactNode[] {
  return inlines.map((inline, i): ReactNode => {
    switch (inline.kind) {
      case 'text':
        return inline.text;
      case 'code':
        return <code key={i}>{inline.text}</code>;
      case 'strong':
        return <strong key={i}>{renderInlines(inline.children)}</strong>;
      case 'em':
        return <em key={i}>{renderInlines(inline.children)}</em>;
      case 'link':
        return (
          <a key={i} href={inline.href} rel="noopener noreferrer" target="_blank">
            {renderInlines(inline.children)}
          </a>
        );
      default:
        return null;
    }
  });
}
