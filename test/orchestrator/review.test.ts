import { describe, expect, it } from 'vitest';
import { parseReview } from '../../src/orchestrator/review.js';

const OBJ = '{"issues_found": true, "critical_issues": ["off by one in loop"], "suggestions": ["rename x"], "code_quality_score": 6}';

describe('parseReview', () => {
  it('reads a bare object', () => {
    expect(parseReview(OBJ)).toEqual({
      issues_found: true,
      critical_issues: ['off by one in loop'],
      suggestions: ['rename x'],
      code_quality_score: 6,
      parsed: true,
      raw: OBJ,
    });
  });

  it('reads a fenced ```json block with prose before and after', () => {
    const text = `Here is my review:\n\n\`\`\`json\n${OBJ}\n\`\`\`\n\nLet me know if you need more.`;
    expect(parseReview(text)).toMatchObject({ issues_found: true, parsed: true, code_quality_score: 6 });
  });

  it('reads an unlabelled fence and CRLF line endings', () => {
    expect(parseReview(`\`\`\`\r\n${OBJ}\r\n\`\`\``)).toMatchObject({ parsed: true, critical_issues: ['off by one in loop'] });
  });

  it('reads an object embedded in prose, with braces inside strings', () => {
    const text = `My verdict: {"issues_found": false, "critical_issues": [], "suggestions": ["use {} less"], "code_quality_score": 9} — done.`;
    expect(parseReview(text)).toMatchObject({ issues_found: false, suggestions: ['use {} less'], parsed: true });
  });

  it('skips objects that are not reviews and forgives trailing commas', () => {
    const text = 'Config was {"a": 1}. Review: {"issues_found": false, "critical_issues": [], "code_quality_score": 8,}';
    expect(parseReview(text)).toMatchObject({ issues_found: false, code_quality_score: 8, parsed: true });
  });

  it('normalises loose field types', () => {
    const review = parseReview(
      '{"issues_found": "yes", "critical_issues": [{"issue": "SQL injection", "severity": "high"}, {"x": 1}, 42], "suggestions": "add tests", "code_quality_score": "7.5"}',
    );
    expect(review).toMatchObject({
      issues_found: true,
      critical_issues: ['SQL injection', '{"x":1}', '42'],
      suggestions: ['add tests'],
      code_quality_score: 7.5,
    });
  });

  it('infers issues_found from critical_issues when missing, and reads a 100-point score', () => {
    expect(parseReview('{"critical_issues": ["crash"], "code_quality_score": 85}')).toMatchObject({
      issues_found: true,
      code_quality_score: 8.5,
    });
    expect(parseReview('{"critical_issues": [], "suggestions": []}')).toMatchObject({ issues_found: false, code_quality_score: null });
  });

  it('treats garbage as issues found and keeps the raw text', () => {
    for (const text of ['', 'The code looks fine to me.', '{"issues_found": tr', '```json\n{not json}\n```', '[1, 2]', '{"verdict": "ok"}']) {
      expect(parseReview(text)).toEqual({
        issues_found: true,
        critical_issues: [],
        suggestions: [],
        code_quality_score: null,
        parsed: false,
        raw: text,
      });
    }
  });
});
