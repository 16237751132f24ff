/**
 * Capture files: streaming, memory-mapped readers for pcap and pcapng (both byte orders, micro- and nanosecond and
 * pcapng-resolution timestamps), and writers for both formats.
 * <p>
 * Owns: the file formats and their validation. A file-level problem is one {@link dev.palisade.enforcement.capture.CaptureFormatException}
 * naming the file and byte offset. Must not touch: packet contents beyond the record framing (that is the parser's).
 */
package dev.palisade.enforcement.capture;
