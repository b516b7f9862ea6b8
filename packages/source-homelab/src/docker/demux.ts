/** Which stream a log frame came from. */
export type LogStream = 'stdout' | 'stderr';

/** One chunk of container output. */
export interface LogFrame {
  stream: LogStream;
  text: string;
}

/**
 * Splits Docker's multiplexed log stream (containers without a TTY): each frame is an 8-byte
 * header `[stream, 0, 0, 0, size (uint32 big-endian)]` and `size` bytes of payload; stream 1 is
 * stdout, 2 stderr (0, stdin, is read as stdout). A cut-off last frame keeps what arrived.
 */
export function demuxDockerStream(buffer: Buffer): LogFrame[] {
  const frames: LogFrame[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const type = buffer[offset];
    const size = buffer.readUInt32BE(offset + 4);
    const start = offset + 8;
    const end = Math.min(buffer.length, start + size);
    frames.push({
      stream: type === 2 ? 'stderr' : 'stdout',
      text: buffer.subarray(start, end).toString('utf8'),
    });
    offset = start + size;
  }
  return frames;
}

/** True when the buffer starts like a multiplexed frame (type 0-2, three zero bytes). */
export function looksMultiplexed(buffer: Buffer): boolean {
  if (buffer.length < 8) return false;
  const type = buffer[0] ?? 255;
  return type <= 2 && buffer[1] === 0 && buffer[2] === 0 && buffer[3] === 0;
}

/** Encodes frames the way the Engine API does (for fakes and tests). */
export function muxDockerStream(frames: readonly LogFrame[]): Buffer {
  return Buffer.concat(
    frames.map((frame) => {
      const payload = Buffer.from(frame.text, 'utf8');
      const header = Buffer.alloc(8);
      header[0] = frame.stream === 'stderr' ? 2 : 1;
      header.writeUInt32BE(payload.length, 4);
      return Buffer.concat([header, payload]);
    }),
  );
}
