/**
 * Characters that act instead of showing: C0 controls and DEL (ESC opens CSI and OSC sequences, which
 * move the cursor, recolour, retitle or clear a terminal), C1 controls (0x9b is a one-character CSI),
 * and the bidi overrides, isolates and marks that reorder what is shown (Trojan Source).
 */
const CONTROL = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const LINE_BREAK = /\s*[\r\n\u2028\u2029]+\s*/g;

/**
 * Untrusted text (a case file's, a guest's) as one line that shows only itself: line breaks and tabs
 * become spaces, every control character U+FFFD. For terminals, TAP and Markdown alike.
 */
export function scrubLine(text: string): string {
  return text.replace(LINE_BREAK, ' ').replace(/\t/g, ' ').replace(CONTROL, '\uFFFD').trim();
}
