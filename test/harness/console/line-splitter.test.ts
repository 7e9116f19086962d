import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../../harness/console/line-splitter.js';

function feed(splitter: LineSplitter, chunks: string[]): string[] {
  const lines = chunks.flatMap((chunk) => splitter.push(Buffer.from(chunk, 'latin1')));
  return [...lines, ...splitter.flush()].map((line) => line.toString('latin1'));
}

/** The same bytes in 1-byte chunks, in one chunk, and split at every boundary. */
function everyChunking(stream: string): string[][] {
  const chunkings = [[stream], [...stream]];
  for (let at = 1; at < stream.length; at++) chunkings.push([stream.slice(0, at), stream.slice(at)]);
  return chunkings;
}

describe('LineSplitter', () => {
  it('returns completed lines and keeps the rest for the next chunk', () => {
    const splitter = new LineSplitter();
    expect(splitter.push(Buffer.from('one\ntw')).map(String)).toEqual(['one']);
    expect(splitter.push(Buffer.from('o\nthree')).map(String)).toEqual(['two']);
    expect(splitter.flush().map(String)).toEqual(['three']);
    expect(splitter.flush()).toEqual([]);
  });

  it('strips a trailing \\r even when \\r and \\n arrive in different chunks', () => {
    expect(feed(new LineSplitter(), ['a\r', '\nb\r\n'])).toEqual(['a', 'b']);
  });

  it('keeps a \\r that does not end the line, and empty lines', () => {
    expect(feed(new LineSplitter(), ['a\rb\n\n\r\n'])).toEqual(['a\rb', '', '']);
  });

  it('strips a trailing \\r from the flushed tail', () => {
    expect(feed(new LineSplitter(), ['tail\r'])).toEqual(['tail']);
  });

  it('cuts a line longer than maxLineBytes into pieces of that size', () => {
    expect(feed(new LineSplitter({ maxLineBytes: 4 }), ['abcdefghij\nxy\n'])).toEqual([
      'abcd',
      'efgh',
      'ij',
      'xy',
    ]);
  });

  it('keeps a CRLF line of exactly maxLineBytes whole, with no empty piece after it', () => {
    expect(feed(new LineSplitter({ maxLineBytes: 4 }), ['abcd\r', '\nef\n'])).toEqual(['abcd', 'ef']);
  });

  it('never holds more than maxLineBytes + 1 bytes of a line without a newline', () => {
    const splitter = new LineSplitter({ maxLineBytes: 8 });
    let emitted = 0;
    for (let i = 0; i < 1000; i++) emitted += splitter.push(Buffer.from('x')).length;
    // 1000 bytes held back at most 8 + 1: 124 full pieces are out, 8 bytes are pending.
    expect(emitted).toBe(124);
    expect(splitter.flush().map(String)).toEqual(['xxxxxxxx']);
  });

  it.each([
    ['a line of exactly the limit, CRLF', 'abcd\r\nef\n'],
    ['one byte over the limit, CRLF', 'abcde\r\n'],
    ['a \\r at a piece boundary', 'abc\rdefg\r\n'],
    ['two pieces exactly', 'abcdefgh\n'],
    ['mixed', 'ab\r\ncdefghijk\r\r\n\n\rxyz'],
  ])('splits %s identically however the bytes are chunked', (_name, stream) => {
    const expected = feed(new LineSplitter({ maxLineBytes: 4 }), [stream]);
    for (const chunks of everyChunking(stream)) {
      expect(feed(new LineSplitter({ maxLineBytes: 4 }), chunks)).toEqual(expected);
    }
  });

  it('does not keep a reference to the caller\'s buffer', () => {
    const splitter = new LineSplitter();
    const chunk = Buffer.from('abc');
    splitter.push(chunk);
    chunk.fill('z');
    expect(splitter.flush().map(String)).toEqual(['abc']);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects maxLineBytes %s with a TypeError quoting it', (bad) => {
    expect(() => new LineSplitter({ maxLineBytes: bad })).toThrow(
      new TypeError(`maxLineBytes must be a positive integer, got ${String(bad)}`),
    );
  });
});
