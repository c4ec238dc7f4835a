/** FIN set, opcode 1 (text): a whole text message in one frame. */
const FIN_TEXT = 0x81;
/** Payload lengths up to this fit in the first length byte. */
const SHORT_LENGTH = 125;
/** Marks a 16-bit extended length; past 65 535 bytes, 127 marks a 64-bit one. */
const LENGTH_16 = 126;
const LENGTH_64 = 127;

/**
 * `text` as one unmasked WebSocket text frame (RFC 6455 §5.2), as a server sends it. Built once per event
 * and written as it is to every WebSocket subscriber, so fan-out costs no framing or UTF-8 encoding per
 * subscriber. Servers never mask (§5.1), and corch negotiates no extension, so these bytes are the frame.
 */
export function encodeTextFrame(text: string): Buffer {
  const length = Buffer.byteLength(text, 'utf8');
  const header = length <= SHORT_LENGTH ? 2 : length <= 0xffff ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = FIN_TEXT;
  if (header === 2) frame[1] = length;
  else if (header === 4) {
    frame[1] = LENGTH_16;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = LENGTH_64;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  frame.write(text, header, 'utf8');
  return frame;
}
