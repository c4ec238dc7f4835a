// Request/response over a child process's IPC channel, used between the bench harness and the processes it
// starts (servers, load client). A request is {id, type, ...}; the answer is {id, ok, result | error}.
// Messages without an id are pushed notices ({notice, ...}).

/**
 * Child side: answers requests with the matching handler. When the parent goes away (IPC channel closed),
 * the child exits, so a killed harness never leaves servers behind.
 * @param {Record<string, (msg: any) => unknown | Promise<unknown>>} handlers
 */
export function serveIpc(handlers) {
  if (!process.send) throw new Error('this script is started by the bench harness (it needs an IPC channel)');
  process.on('message', async (msg) => {
    if (!msg || typeof msg !== 'object' || typeof msg.id !== 'number') return;
    const handler = handlers[msg.type];
    try {
      if (!handler) throw new Error(`unknown request "${msg.type}"`);
      const result = await handler(msg);
      process.send?.({ id: msg.id, ok: true, result });
    } catch (error) {
      process.send?.({ id: msg.id, ok: false, error: error instanceof Error ? error.stack : String(error) });
    }
  });
  process.on('disconnect', () => process.exit(0));
}

/** Sends a notice (no answer expected) to the parent. */
export function notify(notice, fields = {}) {
  process.send?.({ notice, ...fields });
}
