/**
 * Rough token count for text no tokenizer has seen (prompts for the simulated provider, output of a
 * server that reports no usage): about four characters per token for English text and code.
 */
export function estimateTokens(chars: number): number {
  return Math.ceil(chars / 4);
}
