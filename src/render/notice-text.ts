import { assertNever } from '../protocol/index.js';
import { formatDuration } from './format.js';
import type { RenderNotice } from './types.js';

/** One line about a notice, shared by every mode so the words are the same everywhere; null: nothing to say. */
export function noticeText(notice: RenderNotice): { level: 'info' | 'warn' | 'error'; text: string } | null {
  switch (notice.type) {
    case 'connecting':
      return { level: 'info', text: `connecting to ${notice.url}` };
    case 'connected':
      return notice.lost > 0
        ? { level: 'warn', text: `${notice.lost} earlier events were no longer on the server and are missing` }
        : null;
    case 'reconnecting':
      return {
        level: 'warn',
        text: `connection lost (${notice.reason}); reconnecting in ${formatDuration(notice.delayMs)} (attempt ${notice.attempt}/${notice.maxAttempts})`,
      };
    case 'reconnected':
      return notice.lost > 0
        ? { level: 'warn', text: `reconnected; ${notice.lost} events were no longer on the server and are missing` }
        : { level: 'info', text: `reconnected; nothing was lost (resumed after event ${notice.lastSeq})` };
    case 'gave_up':
      return { level: 'error', text: `gave up reconnecting after ${notice.attempts} attempts (${notice.reason})` };
    case 'invalid_frame':
      return { level: 'warn', text: `skipped a malformed event: ${notice.reason}` };
    case 'cancelling':
      return { level: 'warn', text: 'cancelling the run… (Ctrl-C again to quit now)' };
    case 'message':
      return { level: notice.level, text: notice.message };
    default:
      return assertNever(notice);
  }
}
